// The snapshot: the base branch, the promotion branch and its open pull request, read in one GraphQL query.
import type { Client } from './client.js';
import { explainFailure, repoName } from './failure.js';
import { GitHubError, type GitHub, type RepoRef, type SnapshotWithFiles } from './port.js';
import { BLOB_FIELDS, blobText, type RawBlob } from './tree-reader.js';

// What the PR carries, so a rerun puts back only what is missing (100 of each is far beyond a promotion policy).
const PR_FIELDS = `number id url title body isDraft isCrossRepository headRefName baseRefName mergeStateStatus
      labels(first: 100) { nodes { name } }
      assignees(first: 100) { nodes { login } }
      reviewRequests(first: 100) { nodes { requestedReviewer { __typename ... on User { login } ... on Team { slug } } } }
      latestReviews(first: 100) { nodes { author { login } } }
      autoMergeRequest { mergeMethod }`;

function snapshotQuery(hasBase: boolean, files: number): string {
  const declarations = Array.from({ length: files }, (_, index) => `, $p${index}: String!`).join('');
  // Files at the base head, in the same query: consistent with the head it reports, and no request of their own.
  const reads = Array.from(
    { length: files },
    (_, index) => ` f${index}: file(path: $p${index}) { object { ... on Blob { ${BLOB_FIELDS} } } }`,
  ).join('');
  return `query StagecoachSnapshot($owner: String!, $name: String!, ${hasBase ? '$base: String!, ' : ''}$branch: String!, $headRefName: String!${declarations}) {
  repository(owner: $owner, name: $name) {
    id
    base: ${hasBase ? 'ref(qualifiedName: $base)' : 'defaultBranchRef'} { name target { oid ... on Commit { tree { oid }${reads} } } }
    branch: ref(qualifiedName: $branch) { target { oid ... on Commit { message parents(first: 2) { nodes { oid } } } } }
    pullRequests(headRefName: $headRefName, states: [OPEN], first: 20) { nodes { ${PR_FIELDS} } }
  }
}`;
}

interface SnapshotData {
  repository: {
    id: string;
    base: {
      name: string;
      target: { oid: string; tree?: { oid: string } } & Record<string, { object: RawBlob } | null | unknown>;
    } | null;
    branch: { target: { oid: string; message?: string; parents?: { nodes: { oid: string }[] } } } | null;
    pullRequests: {
      nodes: {
        number: number;
        id: string;
        url: string;
        title: string;
        body: string;
        isDraft: boolean;
        isCrossRepository: boolean;
        headRefName: string;
        baseRefName: string;
        mergeStateStatus?: string;
        labels: { nodes: { name: string }[] };
        assignees: { nodes: { login: string }[] };
        reviewRequests: {
          nodes: { requestedReviewer: { __typename: string; login?: string; slug?: string } | null }[];
        };
        latestReviews: { nodes: { author: { login: string } | null }[] };
        autoMergeRequest: { mergeMethod: string } | null;
      }[];
    };
  } | null;
}

export function createSnapshots(client: Client): Pick<GitHub, 'snapshot'> {
  return {
    async snapshot(repo: RepoRef, base: string | undefined, branch: string, read: string[] = []) {
      const context = {
        action: 'read the base branch, the promotion branch and its pull request',
        repo,
        permission: 'contents: read',
      };
      const data = await client.graphql<SnapshotData>(
        snapshotQuery(base !== undefined, read.length),
        {
          owner: repo.owner,
          name: repo.repo,
          ...Object.fromEntries(read.map((path, index) => [`p${index}`, path])),
          ...(base !== undefined ? { base: `refs/heads/${base}` } : {}),
          branch: `refs/heads/${branch}`,
          headRefName: branch,
        },
        context,
        // mergeStateStatus is still a schema preview on older GitHub Enterprise Server releases.
        { previews: ['merge-info'] },
      );
      const repository = data.repository;
      if (!repository) {
        const facts = { graphqlType: 'NOT_FOUND', graphql: true, said: 'repository not found' };
        throw new GitHubError(explainFailure(facts, context, ''), undefined, 'NOT_FOUND');
      }
      if (!repository.base?.target?.tree)
        throw new GitHubError(
          base !== undefined
            ? `The base branch "${base}" does not exist in ${repoName(repo)}: check the base input (branch names are case-sensitive)`
            : `${repoName(repo)} has no default branch (is it empty?): push a first commit or name the base branch`,
        );
      const target = repository.base.target;
      const snapshot: SnapshotWithFiles = {
        repositoryId: repository.id,
        base: { name: repository.base.name, head: target.oid, tree: repository.base.target.tree.oid },
      };
      if (read.length > 0) {
        snapshot.files = new Map();
        read.forEach((path, index) => {
          const blob = blobText((target[`f${index}`] as { object: RawBlob } | null)?.object);
          if (blob) snapshot.files?.set(path, blob);
        });
      }
      if (repository.branch) {
        snapshot.branch = {
          head: repository.branch.target.oid,
          parents: repository.branch.target.parents?.nodes.map((node) => node.oid) ?? [],
          message: repository.branch.target.message ?? '',
        };
      }
      // A fork's PR from a branch of the same name is not ours.
      const pr = repository.pullRequests.nodes.find(
        (node) => !node.isCrossRepository && node.headRefName === branch && node.baseRefName === snapshot.base.name,
      );
      if (pr) {
        const requested = pr.reviewRequests.nodes.map((node) => node.requestedReviewer);
        const reviewedBy = pr.latestReviews.nodes.flatMap((node) => (node.author ? [node.author.login] : []));
        snapshot.pullRequest = {
          number: pr.number,
          nodeId: pr.id,
          url: pr.url,
          title: pr.title,
          body: pr.body ?? '',
          draft: pr.isDraft,
          labels: pr.labels.nodes.map((node) => node.name),
          assignees: pr.assignees.nodes.map((node) => node.login),
          reviewers: [...requested.flatMap((who) => (who?.login ? [who.login] : [])), ...reviewedBy],
          teamReviewers: requested.flatMap((who) => (who?.slug ? [who.slug] : [])),
          reviewed: reviewedBy.length > 0,
          autoMerge: pr.autoMergeRequest !== null,
          ...(pr.mergeStateStatus ? { mergeState: pr.mergeStateStatus } : {}),
        };
      }
      return snapshot;
    },
  };
}
