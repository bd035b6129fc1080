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
      const attempt = async (what: string, work: () => Promise<unknown>) => {
        try {
          await work();
        } catch (error) {
          // A reviewer who is not a collaborator, or auto-merge disabled in the repo, must not undo the promotion.
          const refused =
            error instanceof GitHubError &&
            (error.errorType !== undefined || [403, 404, 422].includes(error.status ?? 0));
          if (!refused) throw error;
          warnings.push(`Pull request #${pr.number}: could not ${what}: ${error.message}`);
        }
      };
      const owner = repo.owner;
      if (decorations.labels.length > 0 || decorations.assignees.length > 0) {
        // One PATCH sets both; GitHub creates labels that do not exist yet.
        await attempt('set labels and assignees', () =>
          client.rest(
            'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
            {
              owner,
              repo: repo.repo,
              issue_number: pr.number,
              ...(decorations.labels.length > 0 ? { labels: decorations.labels } : {}),
              ...(decorations.assignees.length > 0 ? { assignees: decorations.assignees } : {}),
            },
            { action: `label pull request #${pr.number}`, repo, permission: 'pull-requests: write' },
          ),
        );
      }
      if (decorations.reviewers.length > 0 || decorations.teamReviewers.length > 0) {
        await attempt('request reviews', () =>
          client.rest(
            'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
            {
              owner,
              repo: repo.repo,
              pull_number: pr.number,
              ...(decorations.reviewers.length > 0 ? { reviewers: decorations.reviewers } : {}),
              ...(decorations.teamReviewers.length > 0 ? { team_reviewers: decorations.teamReviewers } : {}),
            },
            { action: `request reviews on pull request #${pr.number}`, repo, permission: 'pull-requests: write' },
          ),
        );
      }
      if (decorations.autoMerge) {
        await attempt(`enable auto-merge (${decorations.autoMerge}); allow auto-merge in the repository settings`, () =>
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
            { action: `enable auto-merge on pull request #${pr.number}`, repo, permission: 'pull-requests: write' },
          ),
        );
      }
      return warnings;
    },
  };
}
