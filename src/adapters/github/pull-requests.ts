// Pull requests: open, update (title, body, draft, close with a comment) and decorate (labels, assignees, reviewers,
// auto-merge; what GitHub refuses there becomes a warning, never a failed promotion).
import type { Client } from './client.js';
import {
  GitHubError,
  type Decorations,
  type GitHub,
  type PullRequestUpdate,
  type RepoRef,
  type WrittenPullRequest,
} from './port.js';

interface PullResponse {
  number: number;
  node_id: string;
  html_url: string;
  base: { sha: string };
}

function written(pr: PullResponse): WrittenPullRequest {
  return { number: pr.number, nodeId: pr.node_id, url: pr.html_url, baseSha: pr.base.sha };
}

/** GitHub's refusals of auto-merge, with what to do about each. */
export function autoMergeAdvice(message: string): string {
  const state = /is in (clean|unstable|has_hooks) status/i.exec(message)?.[1];
  if (state)
    return `${message}. GitHub refuses auto-merge while the pull request can be merged at once (no required check or review pending); Stagecoach enables it on a later run that finds one pending, or merge it by hand`;
  if (/auto-?merge is not allowed|not enabled for this repository/i.test(message))
    return `${message}. Allow auto-merge in the repository settings (Settings → General → Pull Requests)`;
  return message;
}

type PullRequestRole = Pick<GitHub, 'openPullRequest' | 'updatePullRequest' | 'decoratePullRequest'>;
type PullRef = { number: number; nodeId: string };

export function createPullRequests(client: Client): PullRequestRole {
  return {
    openPullRequest: (repo, input) => openPullRequest(client, repo, input),
    updatePullRequest: (repo, pr, update) => updatePullRequest(client, repo, pr, update),
    decoratePullRequest: (repo, pr, decorations) => decoratePullRequest(client, repo, pr, decorations),
  };
}

async function openPullRequest(
  client: Client,
  repo: RepoRef,
  input: Parameters<GitHub['openPullRequest']>[1],
): Promise<WrittenPullRequest | undefined> {
  const pr = await client.restOr422<PullResponse>(
    'POST /repos/{owner}/{repo}/pulls',
    {
      owner: repo.owner,
      repo: repo.repo,
      head: input.head,
      base: input.base,
      title: input.title,
      body: input.body,
      draft: input.draft,
    },
    { action: 'open the promotion pull request', repo, permission: 'pull-requests: write' },
    /already exists/i,
  );
  return pr && written(pr);
}

async function updatePullRequest(
  client: Client,
  repo: RepoRef,
  pr: PullRef,
  update: PullRequestUpdate,
): Promise<WrittenPullRequest> {
  const context = { action: `update pull request #${pr.number}`, repo, permission: 'pull-requests: write' };
  if (update.close) {
    await client.rest(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { owner: repo.owner, repo: repo.repo, issue_number: pr.number, body: update.close.comment },
      { ...context, action: `comment on pull request #${pr.number}` },
    );
  }
  if (update.draft !== undefined) {
    // REST cannot flip draft; GraphQL can (https://docs.github.com/en/graphql/reference/mutations#convertpullrequesttodraft).
    const mutation = update.draft
      ? 'mutation StagecoachToDraft($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { clientMutationId } }'
      : 'mutation StagecoachReady($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { clientMutationId } }';
    await client.graphql(mutation, { id: pr.nodeId }, context);
  }
  const data = await client.rest<PullResponse>(
    'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
    {
      owner: repo.owner,
      repo: repo.repo,
      pull_number: pr.number,
      ...(update.title !== undefined ? { title: update.title } : {}),
      ...(update.body !== undefined ? { body: update.body } : {}),
      ...(update.close ? { state: 'closed' } : {}),
    },
    context,
  );
  return written(data);
}

/** One decoration request: a refusal (not a collaborator, auto-merge disabled) becomes a warning, never a failed promotion. */
type Attempt = <T>(what: string, work: () => Promise<T>) => Promise<T | undefined>;

async function decoratePullRequest(
  client: Client,
  repo: RepoRef,
  pr: PullRef,
  decorations: Decorations,
): Promise<string[]> {
  const warnings: string[] = [];
  const attempt: Attempt = async (what, work) => {
    try {
      return await work();
    } catch (error) {
      const refused =
        error instanceof GitHubError && (error.errorType !== undefined || [403, 404, 422].includes(error.status ?? 0));
      if (!refused) throw error;
      warnings.push(`Pull request #${pr.number}: could not ${what}: ${autoMergeAdvice(error.message)}`);
      return undefined;
    }
  };
  const decorator = { client, repo, pr, attempt };
  // Labels and assignees in calls of their own: one login GitHub cannot assign must not cost the labels. Both add to
  // what the PR has (a rerun puts back what is missing without dropping what people added); unknown labels are created.
  if (decorations.labels.length > 0) await addLabels(decorator, decorations.labels);
  if (decorations.assignees.length > 0) warnings.push(...(await assign(decorator, decorations.assignees)));
  if (decorations.reviewers.length > 0 || decorations.teamReviewers.length > 0)
    await requestReviews(decorator, decorations);
  if (decorations.autoMerge) await enableAutoMerge(decorator, decorations.autoMerge, decorations.headSha);
  return warnings;
}

interface Decorator {
  client: Client;
  repo: RepoRef;
  pr: PullRef;
  attempt: Attempt;
}

function issueOf({ repo, pr }: Decorator) {
  return { owner: repo.owner, repo: repo.repo, issue_number: pr.number };
}

function contextOf({ repo }: Decorator, action: string) {
  return { action, repo, permission: 'pull-requests: write' };
}

async function addLabels(d: Decorator, labels: string[]): Promise<void> {
  await d.attempt('add labels', () =>
    d.client.rest(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
      { ...issueOf(d), labels },
      contextOf(d, `label pull request #${d.pr.number}`),
    ),
  );
}

/** Assigns `assignees`; the warnings name the logins GitHub silently ignored (its answer says who was assigned). */
async function assign(d: Decorator, assignees: string[]): Promise<string[]> {
  const assigned = await d.attempt('assign', () =>
    d.client.rest<{ assignees?: { login: string }[] | null }>(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/assignees',
      { ...issueOf(d), assignees },
      contextOf(d, `assign pull request #${d.pr.number}`),
    ),
  );
  const logins = new Set((assigned?.assignees ?? []).map((user) => user.login.toLowerCase()));
  const ignored = assigned ? assignees.filter((login) => !logins.has(login.toLowerCase())) : [];
  return ignored.length === 0
    ? []
    : [
        `Pull request #${d.pr.number}: GitHub did not assign ${ignored.join(', ')}: only users with write access to ${d.repo.owner}/${d.repo.repo} can be assigned.`,
      ];
}

async function requestReviews(d: Decorator, { reviewers, teamReviewers }: Decorations): Promise<void> {
  await d.attempt('request reviews', () =>
    d.client.rest(
      'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
      {
        owner: d.repo.owner,
        repo: d.repo.repo,
        pull_number: d.pr.number,
        ...(reviewers.length > 0 ? { reviewers } : {}),
        ...(teamReviewers.length > 0 ? { team_reviewers: teamReviewers } : {}),
      },
      contextOf(d, `request reviews on pull request #${d.pr.number}`),
    ),
  );
}

async function enableAutoMerge(d: Decorator, method: string, headSha: string | undefined): Promise<void> {
  await d.attempt(`enable auto-merge (${method})`, () =>
    d.client.graphql(
      `mutation StagecoachAutoMerge($id: ID!, $mergeMethod: PullRequestMergeMethod!${headSha ? ', $head: GitObjectID' : ''}) {
  enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod${headSha ? ', expectedHeadOid: $head' : ''} }) { clientMutationId }
}`,
      // (`method`, `url`, `headers`… are Octokit options, never variable names.)
      { id: d.pr.nodeId, mergeMethod: method.toUpperCase(), ...(headSha ? { head: headSha } : {}) },
      contextOf(d, `enable auto-merge on pull request #${d.pr.number}`),
    ),
  );
}
