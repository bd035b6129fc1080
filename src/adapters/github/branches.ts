// Branches: the promotion commit (one tree, one commit) and the branch moved onto it by compare-and-swap (GraphQL
// updateRefs), with a re-read and forced update where a GitHub Enterprise Server has no updateRefs.
import type { Client } from './client.js';
import type { FailureContext } from './failure.js';
import { GitHubError, type BranchExpectation, type CommitInput, type GitHub, type RepoRef } from './port.js';

const GENERIC_GRAPHQL_ERROR = /Something went wrong while executing your query/;
/** GitHub's validation error for a mutation the server does not have. */
const NO_UPDATE_REFS =
  /Field 'updateRefs' doesn't exist on type 'Mutation'|(GitRefname|RefUpdate) isn't a defined input type/;

const MOVE_BRANCH = `mutation StagecoachMoveBranch($repositoryId: ID!, $name: GitRefname!, $before: GitObjectID!, $after: GitObjectID!) {
  updateRefs(input: { repositoryId: $repositoryId, refUpdates: [{ name: $name, beforeOid: $before, afterOid: $after, force: true }] }) { clientMutationId }
}`;

/** One adapter's state: the client, and whether the GHES fallback was already announced (once per run). */
interface BranchMover {
  client: Client;
  warnedUnguarded: boolean;
}

export function createBranches(client: Client): Pick<GitHub, 'commitFiles' | 'setBranch'> {
  const mover: BranchMover = { client, warnedUnguarded: false };
  return {
    commitFiles: (repo, input) => commitFiles(client, repo, input),
    setBranch: (repo, branch, sha, expected) => setBranch(mover, repo, branch, sha, expected),
  };
}

async function commitFiles(client: Client, repo: RepoRef, input: CommitInput): Promise<string> {
  const permission = 'contents: write';
  const executable = new Set(input.executable ?? []);
  const tree = await client.rest<{ sha: string }>(
    'POST /repos/{owner}/{repo}/git/trees',
    {
      owner: repo.owner,
      repo: repo.repo,
      base_tree: input.baseTree,
      tree: Object.entries(input.files)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([path, content]) => ({
          path,
          mode: executable.has(path) ? '100755' : '100644',
          type: 'blob',
          content,
        })),
    },
    { action: 'write the promotion tree', repo, permission },
  );
  const commit = await client.rest<{ sha: string }>(
    'POST /repos/{owner}/{repo}/git/commits',
    { owner: repo.owner, repo: repo.repo, message: input.message, tree: tree.sha, parents: [input.parent] },
    { action: 'write the promotion commit', repo, permission },
  );
  return commit.sha;
}

async function setBranch(
  mover: BranchMover,
  repo: RepoRef,
  branch: string,
  sha: string,
  expected: BranchExpectation,
): Promise<boolean> {
  // REST's PATCH ref cannot name the value it replaces; GraphQL updateRefs can (beforeOid), atomically.
  if (expected.head) return move(mover, repo, branch, sha, expected.head, expected.repositoryId);
  const created = await mover.client.restOr422(
    'POST /repos/{owner}/{repo}/git/refs',
    { owner: repo.owner, repo: repo.repo, ref: `refs/heads/${branch}`, sha },
    { action: `create the branch ${branch}`, repo, permission: 'contents: write' },
    /already exists/i,
  );
  return created !== undefined;
}

async function branchHead(
  client: Client,
  repo: RepoRef,
  branch: string,
  context: FailureContext,
): Promise<string | undefined> {
  const data = await client.graphql<{ repository: { ref: { target: { oid: string } } | null } | null }>(
    'query StagecoachBranchHead($owner: String!, $name: String!, $branch: String!) { repository(owner: $owner, name: $name) { ref(qualifiedName: $branch) { target { oid } } } }',
    { owner: repo.owner, name: repo.repo, branch: `refs/heads/${branch}` },
    { ...context, action: `read the branch ${branch}`, permission: 'contents: read' },
  );
  return data.repository?.ref?.target.oid;
}

/** GitHub Enterprise Server releases without updateRefs: a re-read, then a forced PATCH (a narrow window remains). */
async function moveUnguarded(
  mover: BranchMover,
  repo: RepoRef,
  branch: string,
  sha: string,
  from: string,
  context: FailureContext,
): Promise<boolean> {
  if (!mover.warnedUnguarded) {
    mover.warnedUnguarded = true;
    mover.client.warn(
      `This GitHub has no GraphQL updateRefs mutation (an older GitHub Enterprise Server): Stagecoach moves ${branch} by a re-read and a forced update, so two promotions racing into the same stage could still overwrite each other. Use a \`concurrency:\` group.`,
    );
  }
  if ((await branchHead(mover.client, repo, branch, context)) !== from) return false;
  const updated = await mover.client.restOr422(
    'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
    { owner: repo.owner, repo: repo.repo, ref: `heads/${branch}`, sha, force: true },
    context,
    /does not exist|not found/i,
  );
  return updated !== undefined;
}

/** Moves `branch` from `from` to `sha` atomically; false when it stood elsewhere (a lost race). */
async function move(
  mover: BranchMover,
  repo: RepoRef,
  branch: string,
  sha: string,
  from: string,
  repositoryId: string,
): Promise<boolean> {
  const { client } = mover;
  const context = { action: `update the branch ${branch}`, repo, permission: 'contents: write' };
  for (let attempt = 0; ; attempt += 1) {
    try {
      await client.graphql(
        MOVE_BRANCH,
        { repositoryId, name: `refs/heads/${branch}`, before: from, after: sha },
        context,
        // Retried here instead, after reading where the branch stands: a blind retry of an applied move would fail.
        { retries: 0, previews: ['update-refs'] },
      );
      return true;
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error;
      if (NO_UPDATE_REFS.test(error.message)) return moveUnguarded(mover, repo, branch, sha, from, context);
      // A stale beforeOid comes back as GitHub's generic "Something went wrong" error (no type; community discussion
      // #213655); after a 5xx or a lost connection the move may or may not have happened. The branch's head tells.
      const generic = GENERIC_GRAPHQL_ERROR.test(error.message);
      const unsure =
        generic || (error.status ?? 0) >= 500 || (error.status === undefined && error.errorType === undefined);
      if (!unsure) throw error;
      const head = await branchHead(client, repo, branch, context);
      if (head === sha) return true;
      if (head !== from) return false;
      if (attempt >= client.retries) {
        const why = generic
          ? `if a branch protection rule or ruleset covers ${branch}, let the token force-push to it; otherwise run the promotion again`
          : 'GitHub kept failing; run the promotion again';
        throw new GitHubError(`${error.message}. The branch did not move: ${why}`, error.status, error.errorType);
      }
      await new Promise((resolve) => setTimeout(resolve, (attempt + 1) ** 2 * client.backoffMs));
    }
  }
}
