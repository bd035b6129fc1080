// The one GitHub client: Octokit with retry (5xx) and throttling (rate limits), shaped by the promotion PR step.
import { StagecoachError } from '../../core/errors.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface GitHubOptions {
  token: string;
  /** REST root: GITHUB_API_URL (https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server). */
  baseUrl?: string;
  /** GraphQL endpoint: GITHUB_GRAPHQL_URL; by default derived from baseUrl the way Octokit does. */
  graphqlUrl?: string;
  /** Retries of a request answered 5xx (default 3). */
  retries?: number;
  /** Retries of a request stopped by a primary or secondary rate limit (default 3). */
  rateLimitRetries?: number;
  /** A rate limit asking to wait longer than this fails instead (default 900 s). */
  maxRateLimitWaitSeconds?: number;
  /** Unit of every back-off: retry-after seconds and the 5xx back-off are multiplied by it (default 1000; tests use 1). */
  retryAfterBaseMs?: number;
  /** Pause between mutating requests; by default the throttling plugin's (1 s, 3 s for notifying ones), as GitHub asks. */
  writeSpacingMs?: number;
  /** Warnings (rate-limit waits); the token never appears in them. */
  onWarning?: (message: string) => void;
}

export interface BaseState {
  name: string;
  head: string;
  tree: string;
}

export interface BranchState {
  head: string;
  parents: string[];
  /** The head commit's message (its trailers say which plan it holds). */
  message: string;
}

export interface OpenPullRequest {
  number: number;
  nodeId: string;
  url: string;
  title: string;
  body: string;
  draft: boolean;
}

/** What the PR step needs to decide, read in one GraphQL query. */
export interface Snapshot {
  /** The repository's GraphQL node id (the branch's compare-and-swap names it). */
  repositoryId: string;
  base: BaseState;
  /** The promotion branch; absent when it does not exist. */
  branch?: BranchState;
  /** The open pull request from the promotion branch into the base. */
  pullRequest?: OpenPullRequest;
}

export interface WrittenPullRequest {
  number: number;
  nodeId: string;
  url: string;
  /** The base branch head GitHub saw when it wrote the pull request. */
  baseSha: string;
}

export interface PullRequestUpdate {
  title?: string;
  body?: string;
  draft?: boolean;
  /** Comment, then close. */
  close?: { comment: string };
}

export interface Decorations {
  labels: string[];
  assignees: string[];
  reviewers: string[];
  teamReviewers: string[];
  autoMerge: false | 'merge' | 'squash' | 'rebase';
  /** Auto-merge only while the head is this commit. */
  headSha?: string;
}

/** Where the branch must stand for a write to apply: absent (create it), or at `head` (move it from there). */
export interface BranchExpectation {
  head?: string;
  repositoryId: string;
}

/** The GitHub operations of a promotion pull request. */
export interface GitHub {
  snapshot(repo: RepoRef, base: string | undefined, branch: string): Promise<Snapshot>;
  /** One tree (base_tree + inline content) and one commit on `parent`; returns the commit sha. */
  commitFiles(repo: RepoRef, input: CommitInput): Promise<string>;
  /** Compare-and-swap: points the branch at `sha` only if it stands where `expected` says; false when it does not (a lost race). */
  setBranch(repo: RepoRef, branch: string, sha: string, expected: BranchExpectation): Promise<boolean>;
  /** undefined when a pull request for this head and base already exists. */
  openPullRequest(
    repo: RepoRef,
    input: { head: string; base: string; title: string; body: string; draft: boolean },
  ): Promise<WrittenPullRequest | undefined>;
  updatePullRequest(
    repo: RepoRef,
    pr: { number: number; nodeId: string },
    update: PullRequestUpdate,
  ): Promise<WrittenPullRequest>;
  /** Labels and assignees, reviewers, auto-merge; returns warnings for what GitHub refused (the PR stands). */
  decoratePullRequest(
    repo: RepoRef,
    pr: { number: number; nodeId: string },
    decorations: Decorations,
  ): Promise<string[]>;
  /** Runs `work` and counts the API requests it made (retries not counted). */
  measure<T>(work: () => Promise<T>): Promise<{ value: T; requests: number }>;
}

export interface CommitInput {
  baseTree: string;
  parent: string;
  /** Full new text of every changed file (repo-relative paths). */
  files: Record<string, string>;
  /** Changed files that are executable in the base tree (git mode 100755); the others are written 100644. */
  executable?: string[];
  message: string;
}

export interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

/** Reading a commit's files without a checkout (adapters/github-files). */
export interface GitHubTreeReader {
  /** The entries under a tree (recursive); `truncated` when GitHub cut the listing short. */
  readTree(repo: RepoRef, treeish: string, recursive: boolean): Promise<{ entries: TreeEntry[]; truncated: boolean }>;
  /** Texts of `<commit>:<path>` objects in one GraphQL query; undefined for a missing, binary or truncated blob. */
  readTexts(
    repo: RepoRef,
    commit: string,
    paths: string[],
  ): Promise<Map<string, { text?: string; oid?: string; binary: boolean; truncated: boolean }>>;
  /** A blob by object id (for files too big for GraphQL's text). */
  readBlob(repo: RepoRef, sha: string): Promise<string>;
}

export class GitHubError extends StagecoachError {
  readonly kind = 'failure';
  constructor(
    message: string,
    /** HTTP status, when GitHub answered with one. */
    readonly status?: number,
    /** GraphQL error type (NOT_FOUND, FORBIDDEN, UNPROCESSABLE…), when GraphQL answered with errors. */
    readonly errorType?: string,
  ) {
    super(message);
  }
}

interface FailureContext {
  action: string;
  repo: RepoRef;
  permission: string;
}

type Octokit = ReturnType<typeof getOctokit>;

const SNAPSHOT_PR_FIELDS = `number id url title body isDraft isCrossRepository headRefName baseRefName`;

function snapshotQuery(hasBase: boolean): string {
  return `query StagecoachSnapshot($owner: String!, $name: String!, ${hasBase ? '$base: String!, ' : ''}$branch: String!, $headRefName: String!) {
  repository(owner: $owner, name: $name) {
    id
    base: ${hasBase ? 'ref(qualifiedName: $base)' : 'defaultBranchRef'} { name target { oid ... on Commit { tree { oid } } } }
    branch: ref(qualifiedName: $branch) { target { oid ... on Commit { message parents(first: 2) { nodes { oid } } } } }
    pullRequests(headRefName: $headRefName, states: [OPEN], first: 20) { nodes { ${SNAPSHOT_PR_FIELDS} } }
  }
}`;
}

interface SnapshotData {
  repository: {
    id: string;
    base: { name: string; target: { oid: string; tree?: { oid: string } } } | null;
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
      }[];
    };
  } | null;
}

const GENERIC_GRAPHQL_ERROR = /Something went wrong while executing your query/;
/** GitHub's validation error for a mutation the server does not have. */
const NO_UPDATE_REFS =
  /Field 'updateRefs' doesn't exist on type 'Mutation'|(GitRefname|RefUpdate) isn't a defined input type/;

const repoName = (repo: RepoRef) => `${repo.owner}/${repo.repo}`;

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

function githubMessage(error: unknown): string {
  if (isGraphqlError(error)) return error.errors.map((item) => item.message).join('; ');
  const data = (error as { response?: { data?: { message?: unknown; errors?: unknown } } })?.response?.data;
  const base =
    typeof data?.message === 'string' ? data.message : error instanceof Error ? error.message : String(error);
  const details = Array.isArray(data?.errors)
    ? data.errors
        .map((item: unknown) => (typeof item === 'string' ? item : (item as { message?: string })?.message))
        .filter((item) => item && item !== base)
    : [];
  return details.length > 0 ? `${base}: ${details.join('; ')}` : base;
}

function isGraphqlError(error: unknown): error is Error & { errors: { type?: string; message: string }[] } {
  return (
    error instanceof Error && Array.isArray((error as { errors?: unknown }).errors) && statusOf(error) === undefined
  );
}

class OctokitGitHub implements GitHub, GitHubTreeReader {
  private readonly counter = new AsyncLocalStorage<{ requests: number }>();
  private warnedUnguarded = false;
  private readonly octokit: Octokit;

  constructor(private readonly options: GitHubOptions) {
    const base = options.retryAfterBaseMs ?? 1000;
    const rateLimitRetries = options.rateLimitRetries ?? 3;
    const maxWait = options.maxRateLimitWaitSeconds ?? 900;
    const warn = (message: string) => options.onWarning?.(this.scrub(message));
    const onLimit =
      (kind: string) =>
      (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        if (retryCount >= rateLimitRetries || retryAfter > maxWait) return false;
        warn(
          `GitHub ${kind} rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${rateLimitRetries})`,
        );
        return true;
      };
    const spacing =
      options.writeSpacingMs === undefined
        ? {}
        : {
            write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeSpacingMs }),
            notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeSpacingMs }),
          };
    this.octokit = getOctokit(
      options.token,
      {
        ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
        log: {
          debug: () => {},
          info: () => {},
          warn: (message: string) => warn(String(message)),
          error: (message: string) => warn(String(message)),
        },
        // 429 is the throttling plugin's to retry (it honours retry-after); the retry plugin takes the 5xx.
        retry: {
          retries: options.retries ?? 3,
          retryAfterBaseValue: base,
          doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
        },
        throttle: {
          retryAfterBaseValue: base,
          onRateLimit: onLimit('primary'),
          onSecondaryRateLimit: onLimit('secondary'),
          ...spacing,
        },
      },
      retry,
      throttling,
    );
  }

  private scrub(text: string): string {
    return this.options.token ? text.split(this.options.token).join('***') : text;
  }

  private failure(error: unknown, context: FailureContext): GitHubError {
    const status = statusOf(error);
    const where = repoName(context.repo);
    const said = this.scrub(githubMessage(error));
    const graphqlType = isGraphqlError(error) ? error.errors[0]?.type : undefined;
    let message: string;
    if (/rate limit/i.test(said) && (status === 403 || status === 429 || graphqlType === 'RATE_LIMITED')) {
      message = `GitHub's rate limit stopped Stagecoach from trying to ${context.action} in ${where} (${said}); run again later, or use a token with a higher limit (a GitHub App token)`;
    } else if (status === 401) {
      message = `GitHub rejected the token (401 ${said}) when trying to ${context.action}: it is missing, expired or revoked. Pass a valid token (the workflow's GITHUB_TOKEN, a GitHub App token or a PAT)`;
    } else if (status === 403 || graphqlType === 'FORBIDDEN') {
      const actions = /not permitted to create or approve pull requests/i.test(said)
        ? ' and enable "Allow GitHub Actions to create and approve pull requests" (repository or organisation Settings → Actions → General)'
        : '';
      message = `GitHub refused to ${context.action} in ${where} (403: ${said}): the token needs the "${context.permission}" permission. Add it to the workflow's \`permissions:\` block (or grant it to the fine-grained token / GitHub App)${actions}`;
    } else if (status === 404 || graphqlType === 'NOT_FOUND') {
      message = `GitHub answered "not found" when trying to ${context.action} in ${where} (${said}): check the repository name, and that the token can see it with the "${context.permission}" permission (GitHub answers 404 rather than 403 for a private repository the token cannot read)`;
    } else if (status !== undefined) {
      message = `GitHub could not ${context.action} in ${where} (${status}: ${said})`;
    } else if (graphqlType !== undefined || isGraphqlError(error)) {
      message = `GitHub could not ${context.action} in ${where}: ${said}`;
    } else {
      message = `Could not reach GitHub (${this.options.baseUrl ?? 'https://api.github.com'}) to ${context.action} in ${where}: ${said}`;
    }
    return new GitHubError(message, status, graphqlType ?? (isGraphqlError(error) ? 'ERROR' : undefined));
  }

  private async rest<T = unknown>(
    route: string,
    parameters: Record<string, unknown>,
    context: FailureContext,
  ): Promise<T> {
    const store = this.counter.getStore();
    if (store) store.requests += 1;
    try {
      const response = await this.octokit.request(route, parameters);
      return response.data as T;
    } catch (error) {
      throw this.failure(error, context);
    }
  }

  /** REST write where a 422 means a lost race (the caller decides), returned as undefined. */
  private async restOr422<T>(
    route: string,
    parameters: Record<string, unknown>,
    context: FailureContext,
    race: RegExp,
  ): Promise<T | undefined> {
    try {
      return await this.rest<T>(route, parameters, context);
    } catch (error) {
      if (error instanceof GitHubError && error.status === 422 && race.test(error.message)) return undefined;
      throw error;
    }
  }

  private async graphql<T>(
    query: string,
    variables: Record<string, unknown>,
    context: FailureContext,
    options: { retries?: number; previews?: string[] } = {},
  ): Promise<T> {
    const store = this.counter.getStore();
    if (store) store.requests += 1;
    try {
      // The object form: `url` and `request` are options there, not (forbidden) variable names.
      return await this.octokit.graphql<T>({
        query,
        ...variables,
        ...(this.options.graphqlUrl ? { url: this.options.graphqlUrl } : {}),
        ...(options.retries !== undefined ? { request: { retries: options.retries } } : {}),
        // Enterprise Server releases where updateRefs was still a schema preview need its media type.
        ...(options.previews ? { mediaType: { previews: options.previews } } : {}),
      });
    } catch (error) {
      throw this.failure(error, context);
    }
  }

  async measure<T>(work: () => Promise<T>): Promise<{ value: T; requests: number }> {
    const store = { requests: 0 };
    const value = await this.counter.run(store, work);
    return { value, requests: store.requests };
  }

  async snapshot(repo: RepoRef, base: string | undefined, branch: string): Promise<Snapshot> {
    const context = {
      action: 'read the base branch, the promotion branch and its pull request',
      repo,
      permission: 'contents: read',
    };
    const data = await this.graphql<SnapshotData>(
      snapshotQuery(base !== undefined),
      {
        owner: repo.owner,
        name: repo.repo,
        ...(base !== undefined ? { base: `refs/heads/${base}` } : {}),
        branch: `refs/heads/${branch}`,
        headRefName: branch,
      },
      context,
    );
    const repository = data.repository;
    if (!repository)
      throw this.failure(
        Object.assign(new Error('repository not found'), {
          errors: [{ type: 'NOT_FOUND', message: 'repository not found' }],
        }),
        context,
      );
    if (!repository.base?.target?.tree)
      throw new GitHubError(
        base !== undefined
          ? `The base branch "${base}" does not exist in ${repoName(repo)}: check the base input (branch names are case-sensitive)`
          : `${repoName(repo)} has no default branch (is it empty?): push a first commit or name the base branch`,
      );
    const snapshot: Snapshot = {
      repositoryId: repository.id,
      base: { name: repository.base.name, head: repository.base.target.oid, tree: repository.base.target.tree.oid },
    };
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
      snapshot.pullRequest = {
        number: pr.number,
        nodeId: pr.id,
        url: pr.url,
        title: pr.title,
        body: pr.body ?? '',
        draft: pr.isDraft,
      };
    }
    return snapshot;
  }

  async commitFiles(repo: RepoRef, input: CommitInput): Promise<string> {
    const permission = 'contents: write';
    const executable = new Set(input.executable ?? []);
    const tree = await this.rest<{ sha: string }>(
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
    const commit = await this.rest<{ sha: string }>(
      'POST /repos/{owner}/{repo}/git/commits',
      { owner: repo.owner, repo: repo.repo, message: input.message, tree: tree.sha, parents: [input.parent] },
      { action: 'write the promotion commit', repo, permission },
    );
    return commit.sha;
  }

  async setBranch(repo: RepoRef, branch: string, sha: string, expected: BranchExpectation): Promise<boolean> {
    const context = {
      action: `${expected.head ? 'update' : 'create'} the branch ${branch}`,
      repo,
      permission: 'contents: write',
    };
    if (!expected.head) {
      const created = await this.restOr422(
        'POST /repos/{owner}/{repo}/git/refs',
        { owner: repo.owner, repo: repo.repo, ref: `refs/heads/${branch}`, sha },
        context,
        /already exists/i,
      );
      return created !== undefined;
    }
    // REST's PATCH ref cannot name the value it replaces; GraphQL updateRefs can (beforeOid), atomically.
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.graphql(
          `mutation StagecoachMoveBranch($repositoryId: ID!, $name: GitRefname!, $before: GitObjectID!, $after: GitObjectID!) {
  updateRefs(input: { repositoryId: $repositoryId, refUpdates: [{ name: $name, beforeOid: $before, afterOid: $after, force: true }] }) { clientMutationId }
}`,
          { repositoryId: expected.repositoryId, name: `refs/heads/${branch}`, before: expected.head, after: sha },
          context,
          // Retried here instead, after reading where the branch stands: a blind retry of an applied move would fail.
          { retries: 0, previews: ['update-refs'] },
        );
        return true;
      } catch (error) {
        if (!(error instanceof GitHubError)) throw error;
        if (NO_UPDATE_REFS.test(error.message))
          return this.moveBranchUnguarded(repo, branch, sha, expected.head, context);
        // A stale beforeOid comes back as GitHub's generic "Something went wrong" error (no type; community discussion
        // #213655); after a 5xx or a lost connection the move may or may not have happened. The branch's head tells.
        const unsure =
          GENERIC_GRAPHQL_ERROR.test(error.message) ||
          (error.status ?? 0) >= 500 ||
          (error.status === undefined && error.errorType === undefined);
        if (!unsure) throw error;
        const head = await this.branchHead(repo, branch, context);
        if (head === sha) return true;
        if (head !== expected.head) return false;
        if (attempt >= retries) {
          const why = GENERIC_GRAPHQL_ERROR.test(error.message)
            ? `if a branch protection rule or ruleset covers ${branch}, let the token force-push to it; otherwise run the promotion again`
            : 'GitHub kept failing; run the promotion again';
          throw new GitHubError(`${error.message}. The branch did not move: ${why}`, error.status, error.errorType);
        }
        await new Promise((resolve) =>
          setTimeout(resolve, (attempt + 1) ** 2 * (this.options.retryAfterBaseMs ?? 1000)),
        );
      }
    }
  }

  private async branchHead(repo: RepoRef, branch: string, context: FailureContext): Promise<string | undefined> {
    const data = await this.graphql<{ repository: { ref: { target: { oid: string } } | null } | null }>(
      'query StagecoachBranchHead($owner: String!, $name: String!, $branch: String!) { repository(owner: $owner, name: $name) { ref(qualifiedName: $branch) { target { oid } } } }',
      { owner: repo.owner, name: repo.repo, branch: `refs/heads/${branch}` },
      { ...context, action: `read the branch ${branch}`, permission: 'contents: read' },
    );
    return data.repository?.ref?.target.oid;
  }

  /** GitHub Enterprise Server releases without updateRefs: a re-read, then a forced PATCH (a narrow window remains). */
  private async moveBranchUnguarded(
    repo: RepoRef,
    branch: string,
    sha: string,
    from: string,
    context: FailureContext,
  ): Promise<boolean> {
    if (!this.warnedUnguarded) {
      this.warnedUnguarded = true;
      this.options.onWarning?.(
        `This GitHub has no GraphQL updateRefs mutation (an older GitHub Enterprise Server): Stagecoach moves ${branch} by a re-read and a forced update, so two promotions racing into the same stage could still overwrite each other. Use a \`concurrency:\` group.`,
      );
    }
    if ((await this.branchHead(repo, branch, context)) !== from) return false;
    const updated = await this.restOr422(
      'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
      { owner: repo.owner, repo: repo.repo, ref: `heads/${branch}`, sha, force: true },
      context,
      /does not exist|not found/i,
    );
    return updated !== undefined;
  }

  async openPullRequest(
    repo: RepoRef,
    input: { head: string; base: string; title: string; body: string; draft: boolean },
  ): Promise<WrittenPullRequest | undefined> {
    const pr = await this.restOr422<PullResponse>(
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

  async updatePullRequest(
    repo: RepoRef,
    pr: { number: number; nodeId: string },
    update: PullRequestUpdate,
  ): Promise<WrittenPullRequest> {
    const context = { action: `update pull request #${pr.number}`, repo, permission: 'pull-requests: write' };
    if (update.close) {
      await this.rest(
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
      await this.graphql(mutation, { id: pr.nodeId }, context);
    }
    const data = await this.rest<PullResponse>(
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

  async decoratePullRequest(
    repo: RepoRef,
    pr: { number: number; nodeId: string },
    decorations: Decorations,
  ): Promise<string[]> {
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
        this.rest(
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
        this.rest(
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
        this.graphql(
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
  }

  async readTree(
    repo: RepoRef,
    treeish: string,
    recursive: boolean,
  ): Promise<{ entries: TreeEntry[]; truncated: boolean }> {
    const data = await this.rest<{ tree: TreeEntry[]; truncated: boolean }>(
      'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
      { owner: repo.owner, repo: repo.repo, tree_sha: treeish, ...(recursive ? { recursive: '1' } : {}) },
      { action: `list the files of ${treeish}`, repo, permission: 'contents: read' },
    );
    return { entries: data.tree, truncated: data.truncated };
  }

  async readTexts(
    repo: RepoRef,
    commit: string,
    paths: string[],
  ): Promise<Map<string, { text?: string; oid?: string; binary: boolean; truncated: boolean }>> {
    const result = new Map<string, { text?: string; oid?: string; binary: boolean; truncated: boolean }>();
    if (paths.length === 0) return result;
    // Paths travel as variables, never spliced into the query text.
    const declarations = paths.map((_, index) => `$e${index}: String!`).join(', ');
    const fields = paths
      .map((_, index) => `f${index}: object(expression: $e${index}) { ... on Blob { oid text isBinary isTruncated } }`)
      .join('\n    ');
    const data = await this.graphql<{
      repository: Record<
        string,
        { oid: string; text: string | null; isBinary: boolean | null; isTruncated: boolean } | null
      > | null;
    }>(
      `query StagecoachBlobs($owner: String!, $name: String!, ${declarations}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`,
      {
        owner: repo.owner,
        name: repo.repo,
        ...Object.fromEntries(paths.map((path, index) => [`e${index}`, `${commit}:${path}`])),
      },
      { action: `read ${paths.length} file(s) at ${commit.slice(0, 12)}`, repo, permission: 'contents: read' },
    );
    paths.forEach((path, index) => {
      const blob = data.repository?.[`f${index}`];
      if (!blob) return;
      result.set(path, {
        ...(blob.text !== null && !blob.isTruncated ? { text: blob.text } : {}),
        oid: blob.oid,
        binary: blob.isBinary === true,
        truncated: blob.isTruncated,
      });
    });
    return result;
  }

  async readBlob(repo: RepoRef, sha: string): Promise<string> {
    const data = await this.rest<{ content: string; encoding: string }>(
      'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
      { owner: repo.owner, repo: repo.repo, file_sha: sha },
      { action: `read blob ${sha.slice(0, 12)}`, repo, permission: 'contents: read' },
    );
    return data.encoding === 'base64' ? Buffer.from(data.content, 'base64').toString('utf8') : data.content;
  }
}

interface PullResponse {
  number: number;
  node_id: string;
  html_url: string;
  base: { sha: string };
}

function written(pr: PullResponse): WrittenPullRequest {
  return { number: pr.number, nodeId: pr.node_id, url: pr.html_url, baseSha: pr.base.sha };
}

/** The GitHub client for one token. `baseUrl` comes from GITHUB_API_URL, read by the caller. */
export function createGitHub(options: GitHubOptions): GitHub & GitHubTreeReader {
  if (!options.token)
    throw new GitHubError(
      'No GitHub token: pass the token input (for example `token: ${{ github.token }}`) or set GITHUB_TOKEN',
    );
  return new OctokitGitHub(options);
}
