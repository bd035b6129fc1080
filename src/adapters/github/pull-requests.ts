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

export function createPullRequests(client: Client): PullRequestRole {
  return {
    async openPullRequest(repo, input) {
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
    },

    async updatePullRequest(repo: RepoRef, pr: { number: number; nodeId: string }, update: PullRequestUpdate) {
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
    },

    async decoratePullRequest(repo: RepoRef, pr: { number: number; nodeId: string }, decorations: Decorations) {
      const warnings: string[] = [];
      const attempt = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await work();
        } catch (error) {
          // A reviewer who is not a collaborator, or auto-merge disabled in the repo, must not undo the promotion.
          const refused =
            error instanceof GitHubError &&
            (error.errorType !== undefined || [403, 404, 422].includes(error.status ?? 0));
          if (!refused) throw error;
          warnings.push(`Pull request #${pr.number}: could not ${what}: ${autoMergeAdvice(error.message)}`);
          return undefined;
        }
      };
      const issue = { owner: repo.owner, repo: repo.repo, issue_number: pr.number };
      const context = (action: string) => ({ action, repo, permission: 'pull-requests: write' });
      // Labels and assignees in calls of their own: one login GitHub cannot assign must not cost the labels. Both add to
      // what the PR has (a rerun puts back what is missing without dropping what people added); unknown labels are created.
      if (decorations.labels.length > 0) {
        await attempt('add labels', () =>
          client.rest(
            'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
            { ...issue, labels: decorations.labels },
            context(`label pull request #${pr.number}`),
          ),
        );
      }
      if (decorations.assignees.length > 0) {
        const assigned = await attempt('assign', () =>
          client.rest<{ assignees?: { login: string }[] | null }>(
            'POST /repos/{owner}/{repo}/issues/{issue_number}/assignees',
            { ...issue, assignees: decorations.assignees },
            context(`assign pull request #${pr.number}`),
          ),
        );
        // GitHub silently ignores logins it cannot assign: the answer says who was.
        const logins = new Set((assigned?.assignees ?? []).map((user) => user.login.toLowerCase()));
        const ignored = assigned ? decorations.assignees.filter((login) => !logins.has(login.toLowerCase())) : [];
        if (ignored.length > 0)
          warnings.push(
            `Pull request #${pr.number}: GitHub did not assign ${ignored.join(', ')}: only users with write access to ${repo.owner}/${repo.repo} can be assigned.`,
          );
      }
      if (decorations.reviewers.length > 0 || decorations.teamReviewers.length > 0) {
        await attempt('request reviews', () =>
          client.rest(
            'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
            {
              owner: repo.owner,
              repo: repo.repo,
              pull_number: pr.number,
              ...(decorations.reviewers.length > 0 ? { reviewers: decorations.reviewers } : {}),
              ...(decorations.teamReviewers.length > 0 ? { team_reviewers: decorations.teamReviewers } : {}),
            },
            context(`request reviews on pull request #${pr.number}`),
          ),
        );
      }
      if (decorations.autoMerge) {
        await attempt(`enable auto-merge (${decorations.autoMerge})`, () =>
          client.graphql(
            `mutation StagecoachAutoMerge($id: ID!, $mergeMethod: PullRequestMergeMethod!${decorations.headSha ? ', $head: GitObjectID' : ''}) {
  enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod${decorations.headSha ? ', expectedHeadOid: $head' : ''} }) { clientMutationId }
}`,
            // (`method`, `url`, `headers`… are Octokit options, never variable names.)
            {
              id: pr.nodeId,
              mergeMethod: (decorations.autoMerge as string).toUpperCase(),
              ...(decorations.headSha ? { head: decorations.headSha } : {}),
            },
            context(`enable auto-merge on pull request #${pr.number}`),
          ),
        );
      }
      return warnings;
    },
  };
}
