// What GitHub said when a request failed, turned into advice that names the permission or setting to change. Pure.
import type { RepoRef } from './port.js';

/** What the PR step was doing, for the message: "open the promotion pull request", with the permission it needs. */
export interface FailureContext {
  action: string;
  repo: RepoRef;
  permission: string;
}

/** The facts of a failed request: HTTP status (REST), GraphQL error type, and GitHub's own words. */
export interface FailureFacts {
  status?: number;
  graphqlType?: string;
  /** Answered with GraphQL errors (no HTTP failure). */
  graphql: boolean;
  said: string;
}

export const repoName = (repo: RepoRef) => `${repo.owner}/${repo.repo}`;

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

export function isGraphqlError(error: unknown): error is Error & { errors: { type?: string; message: string }[] } {
  return (
    error instanceof Error && Array.isArray((error as { errors?: unknown }).errors) && statusOf(error) === undefined
  );
}

/** One error item of a 422: GitHub's `message` when it gives one, else its `field`, `code` and `value`. */
function describeItem(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (item === null || typeof item !== 'object') return undefined;
  const { message, resource, field, code, value } = item as Record<string, unknown>;
  if (typeof message === 'string' && message) return message;
  const parts = [
    typeof field === 'string' ? `${typeof resource === 'string' ? `${resource}.` : ''}${field}` : undefined,
    typeof code === 'string' ? code : undefined,
    value !== undefined && value !== null ? `(value ${JSON.stringify(value)})` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** GitHub's own words: the GraphQL errors, or the REST message followed by each error item. */
export function githubMessage(error: unknown): string {
  if (isGraphqlError(error)) return error.errors.map((item) => item.message).join('; ');
  const data = (error as { response?: { data?: { message?: unknown; errors?: unknown } } })?.response?.data;
  const base =
    typeof data?.message === 'string' ? data.message : error instanceof Error ? error.message : String(error);
  const details = Array.isArray(data?.errors)
    ? data.errors.map(describeItem).filter((item): item is string => item !== undefined && item !== base)
    : [];
  return details.length > 0 ? `${base}: ${details.join('; ')}` : base;
}

/** The facts of anything Octokit threw. */
export function failureFacts(error: unknown): FailureFacts {
  const graphql = isGraphqlError(error);
  return {
    ...(statusOf(error) !== undefined ? { status: statusOf(error) } : {}),
    ...(graphql && error.errors[0]?.type ? { graphqlType: error.errors[0].type } : {}),
    graphql,
    said: githubMessage(error),
  };
}

/** The message for a failed request: what was refused, and what to change (token, permission, setting, later). */
export function explainFailure(facts: FailureFacts, context: FailureContext, apiUrl: string): string {
  const { status, graphqlType, said } = facts;
  const where = repoName(context.repo);
  if (/rate limit/i.test(said) && (status === 403 || status === 429 || graphqlType === 'RATE_LIMITED'))
    return `GitHub's rate limit stopped Stagecoach from trying to ${context.action} in ${where} (${said}); run again later, or use a token with a higher limit (a GitHub App token)`;
  if (status === 401)
    return `GitHub rejected the token (401 ${said}) when trying to ${context.action}: it is missing, expired or revoked. Pass a valid token (the workflow's GITHUB_TOKEN, a GitHub App token or a PAT)`;
  if (status === 403 || graphqlType === 'FORBIDDEN') {
    const actions = /not permitted to create or approve pull requests/i.test(said)
      ? ' and enable "Allow GitHub Actions to create and approve pull requests" (repository or organisation Settings → Actions → General)'
      : '';
    return `GitHub refused to ${context.action} in ${where} (403: ${said}): the token needs the "${context.permission}" permission. Add it to the workflow's \`permissions:\` block (or grant it to the fine-grained token / GitHub App)${actions}`;
  }
  if (status === 404 || graphqlType === 'NOT_FOUND')
    return `GitHub answered "not found" when trying to ${context.action} in ${where} (${said}): check the repository name, and that the token can see it with the "${context.permission}" permission (GitHub answers 404 rather than 403 for a private repository the token cannot read)`;
  if (status !== undefined) return `GitHub could not ${context.action} in ${where} (${status}: ${said})`;
  if (facts.graphql) return `GitHub could not ${context.action} in ${where}: ${said}`;
  return `Could not reach GitHub (${apiUrl}) to ${context.action} in ${where}: ${said}`;
}
