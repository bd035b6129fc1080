// GraphQL at /graphql: GitHub's published schema (introspection JSON) validates every query; resolvers cover the subset used.
import { randomUUID } from 'node:crypto';
import { schema as githubSchema } from '@octokit/graphql-schema';
import {
  GraphQLError,
  Kind,
  buildClientSchema,
  execute,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from 'graphql';
import { parseCommit, type CommitObject, type GitObject, type GitRepo, type TreeListing } from './git-store.js';
import { displayMessage, repoHtml } from './shapes.js';
import {
  findLabel,
  findRepo,
  mergeState,
  nodeId,
  now,
  userId,
  type EmulatorState,
  type LabelState,
  type PullState,
  type RepoState,
} from './state.js';
import { headSha, baseSha } from './rest-pulls.js';

let cachedSchema: GraphQLSchema | undefined;

function schema(): GraphQLSchema {
  cachedSchema ??= buildClientSchema(githubSchema.json as unknown as IntrospectionQuery);
  return cachedSchema;
}

/** An error GitHub reports with a top-level `type` (NOT_FOUND, UNPROCESSABLE, …), or none for its generic failure. */
class GitHubGraphQLError extends Error {
  constructor(
    readonly type: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

const ZERO_OID = '0'.repeat(40);

interface RefUpdateInput {
  name: string;
  afterOid: string;
  beforeOid?: string | null;
  force?: boolean | null;
}

/**
 * updateRefs: all or nothing. A stale beforeOid, a non-fast-forward without force or a missing object fails the whole
 * mutation with GitHub's generic, typeless error (community discussion #213655: callers must re-read the refs).
 */
async function updateRefs(
  ctx: Context,
  input: { repositoryId: string; refUpdates: RefUpdateInput[]; clientMutationId?: string | null },
): Promise<Source> {
  const repo = [...ctx.state.repos.values()].find((candidate) => candidate.nodeId === input.repositoryId);
  if (!repo)
    throw new GitHubGraphQLError(
      'NOT_FOUND',
      `Could not resolve to a node with the global id of '${input.repositoryId}'`,
    );
  const generic = () =>
    new GitHubGraphQLError(
      undefined,
      `Something went wrong while executing your query. Please include \`${randomUUID().toUpperCase()}\` when reporting this issue.`,
    );
  const updates: { ref: string; newSha: string; expectedOld: string }[] = [];
  for (const update of input.refUpdates) {
    if (!update.name.startsWith('refs/') || !(await repo.git.isValidRefName(update.name))) throw generic();
    const current = await repo.git.refSha(update.name);
    if (update.beforeOid && update.beforeOid !== (current ?? ZERO_OID)) throw generic();
    if (update.afterOid !== ZERO_OID) {
      if ((await repo.git.objectType(update.afterOid)) !== 'commit') throw generic();
      if (current && !update.force && !(await repo.git.isAncestor(current, update.afterOid))) throw generic();
    }
    updates.push({ ref: update.name, newSha: update.afterOid, expectedOld: current ?? ZERO_OID });
  }
  if (!(await repo.git.updateRefs(updates))) throw generic();
  repo.pushedAt = now();
  return { __typename: 'UpdateRefsPayload', repo, clientMutationId: input.clientMutationId ?? null };
}

export class GraphQLNotImplemented extends Error {}

/**
 * Batches the object reads of one query: every name asked in the same turn of the event loop goes to one
 * `git cat-file --batch` (a query reading 250 blobs is one git process, not a thousand).
 */
class ObjectLoader {
  private readonly cache = new Map<string, Promise<GitObject | undefined>>();
  private queue: {
    name: string;
    resolve: (object: GitObject | undefined) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(private readonly git: GitRepo) {}

  load(name: string): Promise<GitObject | undefined> {
    let found = this.cache.get(name);
    if (!found) {
      found = new Promise((resolve, reject) => {
        if (this.queue.length === 0) setImmediate(() => void this.flush());
        this.queue.push({ name, resolve, reject });
      });
      this.cache.set(name, found);
    }
    return found;
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      const objects = await this.git.readObjects(batch.map((item) => item.name));
      batch.forEach((item, index) => {
        const object = objects[index];
        if (object && !this.cache.has(object.sha)) this.cache.set(object.sha, Promise.resolve(object));
        item.resolve(object);
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}

interface Context {
  state: EmulatorState;
  /** Per query: refs may move between requests, objects never do within one. */
  loaders: Map<RepoState, ObjectLoader>;
}

function load(ctx: Context, repo: RepoState, name: string): Promise<GitObject | undefined> {
  let loader = ctx.loaders.get(repo);
  if (!loader) {
    loader = new ObjectLoader(repo.git);
    ctx.loaders.set(repo, loader);
  }
  return loader.load(name);
}

async function loadCommit(ctx: Context, repo: RepoState, sha: string): Promise<CommitObject> {
  const object = await load(ctx, repo, sha);
  if (object?.type !== 'commit') throw new Error(`${sha} is not a commit`);
  return parseCommit(sha, object.content.toString('utf8'));
}

async function loadBlob(ctx: Context, repo: RepoState, sha: string): Promise<Buffer> {
  const object = await load(ctx, repo, sha);
  if (object?.type !== 'blob') throw new Error(`${sha} is not a blob`);
  return object.content;
}

type Source = { __typename: string; repo: RepoState } & Record<string, unknown>;
type Resolver = (source: Source, args: Record<string, unknown>, ctx: Context) => unknown;

// --- object constructors -------------------------------------------------------------------------------------------

function commitObject(repo: RepoState, sha: string): Source {
  return { __typename: 'Commit', repo, sha };
}

async function gitObject(ctx: Context, repo: RepoState, sha: string, path?: string): Promise<Source | null> {
  const type = (await load(ctx, repo, sha))?.type;
  if (type === 'commit') return commitObject(repo, sha);
  if (type === 'tree') return { __typename: 'Tree', repo, sha, path: path ?? '' };
  if (type === 'blob') return { __typename: 'Blob', repo, sha };
  if (type === 'tag') throw new GraphQLNotImplemented('Tag objects');
  return null;
}

async function refObject(repo: RepoState, fullName: string): Promise<Source | null> {
  const found = (await repo.git.listRefs()).find((r) => r.ref === fullName);
  return found ? { __typename: 'Ref', repo, ref: found.ref, sha: found.sha } : null;
}

/** `first`/`last` as GitHub enforces them on connections: one is required, at most 100. */
function window<T>(items: T[], args: Record<string, unknown>, connection: string): T[] {
  for (const key of ['after', 'before']) {
    if (args[key] !== undefined && args[key] !== null)
      throw new GraphQLNotImplemented(`the \`${key}\` cursor on ${connection}`);
  }
  const first = args.first as number | null | undefined;
  const last = args.last as number | null | undefined;
  if ((first ?? null) === null && (last ?? null) === null) {
    throw new GitHubGraphQLError(
      'MISSING_PAGINATION_BOUNDARIES',
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${connection}\` connection.`,
    );
  }
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (typeof value === 'number' && (value < 0 || value > 100)) {
      throw new GitHubGraphQLError(
        'EXCESSIVE_PAGINATION',
        `Requesting ${value} records on the \`${connection}\` connection exceeds the \`${name}\` limit of 100 records.`,
      );
    }
  }
  let out = items;
  if (typeof first === 'number') out = out.slice(0, first);
  if (typeof last === 'number') out = out.slice(Math.max(out.length - last, 0));
  return out;
}

function connection(typename: string, repo: RepoState, all: unknown[], nodes: unknown[]): Source {
  return { __typename: typename, repo, all, nodes };
}

const connectionFields: Record<string, Resolver> = {
  nodes: (s) => s.nodes,
  totalCount: (s) => (s.all as unknown[]).length,
};

function pullSource(repo: RepoState, pull: PullState): Source {
  return { __typename: 'PullRequest', repo, pull };
}

const p = (s: Source) => s.pull as PullState;

// --- resolvers, by type and field; anything missing answers "emulator does not implement" -------------------------------

const RESOLVERS: Record<string, Record<string, Resolver>> = {
  Query: {
    repository: (_s, args, ctx) => {
      const repo = findRepo(ctx.state, String(args.owner), String(args.name));
      if (!repo)
        throw new GitHubGraphQLError(
          'NOT_FOUND',
          `Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`,
        );
      return { __typename: 'Repository', repo };
    },
  },
  Repository: {
    id: (s) => s.repo.nodeId,
    name: (s) => s.repo.name,
    nameWithOwner: (s) => s.repo.fullName,
    url: (s, _a, ctx) => repoHtml(ctx.state, s.repo),
    defaultBranchRef: (s) => refObject(s.repo, `refs/heads/${s.repo.defaultBranch}`),
    // GitHub: fully qualified names first, then short names.
    ref: async (s, args) => {
      const name = String(args.qualifiedName);
      if (name.startsWith('refs/')) return refObject(s.repo, name);
      return (await refObject(s.repo, `refs/heads/${name}`)) ?? (await refObject(s.repo, `refs/tags/${name}`));
    },
    object: async (s, args, ctx) => {
      const { oid, expression } = args as { oid?: string | null; expression?: string | null };
      if (oid) return /^[0-9a-f]{40}$/.test(oid) ? gitObject(ctx, s.repo, oid) : null;
      if (!expression || expression.startsWith('-')) return null;
      const found = await load(ctx, s.repo, expression);
      if (!found) return null;
      const colon = expression.indexOf(':');
      return gitObject(
        ctx,
        s.repo,
        found.sha,
        colon === -1 ? '' : expression.slice(colon + 1).replace(/^\/+|\/+$/g, ''),
      );
    },
    pullRequests: async (s, args) => {
      const { states, labels, headRefName, baseRefName, orderBy } = args as {
        states?: string[] | null;
        labels?: string[] | null;
        headRefName?: string | null;
        baseRefName?: string | null;
        orderBy?: { field: string; direction: string } | null;
      };
      let pulls = s.repo.pulls.filter((pull) => {
        if (states && !states.includes(pull.state.toUpperCase())) return false;
        if (headRefName && pull.headRef !== headRefName) return false;
        if (baseRefName && pull.baseRef !== baseRefName) return false;
        if (labels && !labels.some((name) => pull.labels.some((l) => l.toLowerCase() === name.toLowerCase())))
          return false;
        return true;
      });
      if (orderBy) {
        if (orderBy.field !== 'CREATED_AT' && orderBy.field !== 'UPDATED_AT')
          throw new GraphQLNotImplemented(`pullRequests(orderBy: ${orderBy.field})`);
        const key = (pull: PullState) =>
          (orderBy.field === 'UPDATED_AT' ? pull.updatedAt : pull.createdAt) + String(pull.number).padStart(9, '0');
        pulls = [...pulls].sort((a, b) => key(a).localeCompare(key(b)));
        if (orderBy.direction === 'DESC') pulls.reverse();
      }
      const nodes = window(pulls, args, 'pullRequests').map((pull) => pullSource(s.repo, pull));
      return connection('PullRequestConnection', s.repo, pulls, nodes);
    },
    label: (s, args) => {
      const found = findLabel(s.repo, String(args.name));
      return found ? { __typename: 'Label', repo: s.repo, label: found } : null;
    },
  },
  Ref: {
    id: (s) => `REF_kwEmu${Buffer.from(`${s.repo.id}:${s.ref}`).toString('base64url')}`,
    name: (s) => String(s.ref).replace(/^refs\/(heads|tags)\//, ''),
    prefix: (s) => /^refs\/(heads|tags)\//.exec(String(s.ref))?.[0] ?? 'refs/',
    target: (s, _a, ctx) => gitObject(ctx, s.repo, String(s.sha)),
  },
  Commit: {
    id: (s) => `C_kwEmu${s.sha}`,
    oid: (s) => s.sha,
    abbreviatedOid: (s) => String(s.sha).slice(0, 7),
    url: (s, _a, ctx) => `${repoHtml(ctx.state, s.repo)}/commit/${s.sha}`,
    message: async (s, _a, ctx) => displayMessage((await loadCommit(ctx, s.repo, String(s.sha))).message),
    messageHeadline: async (s, _a, ctx) => (await loadCommit(ctx, s.repo, String(s.sha))).message.split('\n')[0],
    committedDate: async (s, _a, ctx) => (await loadCommit(ctx, s.repo, String(s.sha))).committer.date,
    authoredDate: async (s, _a, ctx) => (await loadCommit(ctx, s.repo, String(s.sha))).author.date,
    author: async (s, _a, ctx) => ({
      __typename: 'GitActor',
      repo: s.repo,
      actor: (await loadCommit(ctx, s.repo, String(s.sha))).author,
    }),
    committer: async (s, _a, ctx) => ({
      __typename: 'GitActor',
      repo: s.repo,
      actor: (await loadCommit(ctx, s.repo, String(s.sha))).committer,
    }),
    // GitHub: the tree entry at a path of the commit, or null.
    file: async (s, args) => {
      const path = String(args.path).replace(/^\/+|\/+$/g, '');
      if (!path || path.split('/').includes('..')) return null;
      const [entry] = await s.repo.git.listTree(String(s.sha), { paths: [path] });
      if (!entry || entry.path !== path) return null;
      const slash = path.lastIndexOf('/');
      return {
        __typename: 'TreeEntry',
        repo: s.repo,
        entry: { ...entry, path: path.slice(slash + 1) },
        dir: slash === -1 ? '' : path.slice(0, slash),
      };
    },
    tree: async (s, _a, ctx) => ({
      __typename: 'Tree',
      repo: s.repo,
      sha: (await loadCommit(ctx, s.repo, String(s.sha))).tree,
      path: '',
    }),
    parents: async (s, args, ctx) => {
      const parents = (await loadCommit(ctx, s.repo, String(s.sha))).parents;
      return connection(
        'CommitConnection',
        s.repo,
        parents,
        window(parents, args, 'parents').map((sha) => commitObject(s.repo, sha)),
      );
    },
  },
  GitActor: {
    name: (s) => (s.actor as { name: string }).name,
    email: (s) => (s.actor as { email: string }).email,
    date: (s) => (s.actor as { date: string }).date,
  },
  Tree: {
    id: (s) => `T_kwEmu${s.sha}`,
    oid: (s) => s.sha,
    abbreviatedOid: (s) => String(s.sha).slice(0, 7),
    entries: async (s) =>
      (await s.repo.git.listTree(String(s.sha))).map((entry) => ({
        __typename: 'TreeEntry',
        repo: s.repo,
        entry,
        dir: s.path,
      })),
  },
  TreeEntry: {
    name: (s) => (s.entry as TreeListing).path,
    path: (s) => (s.dir ? `${s.dir}/${(s.entry as TreeListing).path}` : (s.entry as TreeListing).path),
    type: (s) => (s.entry as TreeListing).type,
    // GraphQL reports the mode as the decimal value of git's octal mode (100644 → 33188).
    mode: (s) => parseInt((s.entry as TreeListing).mode, 8),
    oid: (s) => (s.entry as TreeListing).sha,
    size: (s) => (s.entry as TreeListing).size ?? 0,
    object: (s, _a, ctx) => {
      const entry = s.entry as TreeListing;
      if (entry.type === 'commit') return null;
      return gitObject(ctx, s.repo, entry.sha, s.dir ? `${s.dir}/${entry.path}` : entry.path);
    },
  },
  Blob: {
    id: (s) => `B_kwEmu${s.sha}`,
    oid: (s) => s.sha,
    abbreviatedOid: (s) => String(s.sha).slice(0, 7),
    byteSize: async (s, _a, ctx) => (await loadBlob(ctx, s.repo, String(s.sha))).length,
    // git's heuristic: a NUL byte in the first 8000 bytes means binary.
    isBinary: async (s, _a, ctx) => (await loadBlob(ctx, s.repo, String(s.sha))).subarray(0, 8000).includes(0),
    isTruncated: () => false,
    text: async (s, _a, ctx) => {
      const content = await loadBlob(ctx, s.repo, String(s.sha));
      return content.subarray(0, 8000).includes(0) ? null : content.toString('utf8');
    },
  },
  PullRequestConnection: connectionFields,
  CommitConnection: connectionFields,
  LabelConnection: connectionFields,
  UserConnection: connectionFields,
  ReviewRequestConnection: connectionFields,
  PullRequestReviewConnection: connectionFields,
  User: {
    login: (s) => String(s.login),
    id: (s, _a, ctx) => nodeId('U', userId(ctx.state, String(s.login))),
  },
  Team: {
    slug: (s) => String(s.slug),
    name: (s) => String(s.slug),
  },
  ReviewRequest: {
    requestedReviewer: (s) => s.reviewer,
  },
  PullRequest: {
    id: (s) => p(s).nodeId,
    number: (s) => p(s).number,
    url: (s, _a, ctx) => `${repoHtml(ctx.state, s.repo)}/pull/${p(s).number}`,
    permalink: (s, _a, ctx) => `${repoHtml(ctx.state, s.repo)}/pull/${p(s).number}`,
    title: (s) => p(s).title,
    body: (s) => p(s).body ?? '',
    state: (s) => p(s).state.toUpperCase(),
    closed: (s) => p(s).state === 'closed',
    merged: () => false,
    isDraft: (s) => p(s).draft,
    // The emulator has no forks: every head branch lives in the base repository.
    isCrossRepository: () => false,
    createdAt: (s) => p(s).createdAt,
    updatedAt: (s) => p(s).updatedAt,
    headRefName: (s) => p(s).headRef,
    headRefOid: (s) => headSha(s.repo, p(s)),
    baseRefName: (s) => p(s).baseRef,
    baseRefOid: (s) => baseSha(s.repo, p(s)),
    labels: (s, args) => {
      // orderBy defaults to { field: CREATED_AT, direction: ASC } in GitHub's schema
      const order = (args.orderBy ?? { field: 'CREATED_AT', direction: 'ASC' }) as { field: string; direction: string };
      const labels = p(s)
        .labels.map((name) => findLabel(s.repo, name))
        .filter((l): l is LabelState => l !== undefined);
      labels.sort((a, b) => (order.field === 'NAME' ? a.name.localeCompare(b.name) : a.id - b.id));
      if (order.direction === 'DESC') labels.reverse();
      return connection(
        'LabelConnection',
        s.repo,
        labels,
        window(labels, args, 'labels').map((label) => ({ __typename: 'Label', repo: s.repo, label })),
      );
    },
    autoMergeRequest: (s) => (p(s).autoMerge ? { __typename: 'AutoMergeRequest', repo: s.repo, pull: p(s) } : null),
    assignees: (s, args) => {
      const users = p(s).assignees.map((login) => ({ __typename: 'User', repo: s.repo, login }));
      return connection('UserConnection', s.repo, users, window(users, args, 'assignees'));
    },
    reviewRequests: (s, args) => {
      const requests = [
        ...p(s).reviewers.map((login) => ({ __typename: 'User', repo: s.repo, login })),
        ...p(s).teamReviewers.map((slug) => ({ __typename: 'Team', repo: s.repo, slug })),
      ].map((reviewer) => ({ __typename: 'ReviewRequest', repo: s.repo, reviewer }));
      return connection('ReviewRequestConnection', s.repo, requests, window(requests, args, 'reviewRequests'));
    },
    // The emulator models no reviews.
    latestReviews: (s, args) =>
      connection('PullRequestReviewConnection', s.repo, [], window([], args, 'latestReviews')),
    mergeStateStatus: async (s) => mergeState(s.repo, p(s), await headSha(s.repo, p(s))),
  },
  AutoMergeRequest: {
    mergeMethod: (s) => p(s).autoMerge!.mergeMethod,
    enabledAt: (s) => p(s).autoMerge!.enabledAt,
    commitHeadline: (s) => p(s).autoMerge!.commitHeadline ?? null,
    commitBody: (s) => p(s).autoMerge!.commitBody ?? null,
    pullRequest: (s) => pullSource(s.repo, p(s)),
  },
  Label: {
    id: (s) => (s.label as LabelState).nodeId,
    name: (s) => (s.label as LabelState).name,
    color: (s) => (s.label as LabelState).color,
    description: (s) => (s.label as LabelState).description,
  },
  Mutation: {
    convertPullRequestToDraft: (_s, args, ctx) =>
      setDraft(ctx, args.input as DraftInput, true, 'ConvertPullRequestToDraftPayload'),
    markPullRequestReadyForReview: (_s, args, ctx) =>
      setDraft(ctx, args.input as DraftInput, false, 'MarkPullRequestReadyForReviewPayload'),
    updateRefs: (_s, args, ctx) => updateRefs(ctx, args.input as Parameters<typeof updateRefs>[1]),
    enablePullRequestAutoMerge: async (_s, args, ctx) => {
      const input = args.input as {
        pullRequestId: string;
        mergeMethod?: 'MERGE' | 'SQUASH' | 'REBASE';
        commitHeadline?: string;
        commitBody?: string;
        expectedHeadOid?: string;
        clientMutationId?: string;
      };
      for (const repo of ctx.state.repos.values()) {
        const pull = repo.pulls.find((candidate) => candidate.nodeId === input.pullRequestId);
        if (!pull) continue;
        if (pull.state !== 'open') throw new GitHubGraphQLError('UNPROCESSABLE', 'Pull request is not open');
        if (pull.draft) throw new GitHubGraphQLError('UNPROCESSABLE', 'Pull request Pull request is in draft state');
        // GitHub enables auto-merge only while the PR waits for something (a required review or check).
        const status = mergeState(repo, pull, await headSha(repo, pull));
        if (['CLEAN', 'UNSTABLE', 'HAS_HOOKS'].includes(status))
          throw new GitHubGraphQLError(
            'UNPROCESSABLE',
            `Pull request Pull request is in ${status.toLowerCase()} status`,
          );
        if (input.expectedHeadOid && input.expectedHeadOid !== (await headSha(repo, pull))) {
          throw new GitHubGraphQLError(
            'UNPROCESSABLE',
            'The expected head oid does not match the head of the pull request',
          );
        }
        pull.autoMerge = {
          mergeMethod: input.mergeMethod ?? 'MERGE',
          enabledBy: ctx.state.login,
          enabledAt: now(),
          commitHeadline: input.commitHeadline,
          commitBody: input.commitBody,
        };
        pull.updatedAt = now();
        return {
          __typename: 'EnablePullRequestAutoMergePayload',
          repo,
          pull,
          clientMutationId: input.clientMutationId ?? null,
        };
      }
      throw new GitHubGraphQLError(
        'NOT_FOUND',
        `Could not resolve to a node with the global id of '${input.pullRequestId}'`,
      );
    },
  },
  UpdateRefsPayload: {
    clientMutationId: (s) => s.clientMutationId,
  },
  ConvertPullRequestToDraftPayload: {
    clientMutationId: (s) => s.clientMutationId,
    pullRequest: (s) => pullSource(s.repo, p(s)),
  },
  MarkPullRequestReadyForReviewPayload: {
    clientMutationId: (s) => s.clientMutationId,
    pullRequest: (s) => pullSource(s.repo, p(s)),
  },
  EnablePullRequestAutoMergePayload: {
    clientMutationId: (s) => s.clientMutationId,
    pullRequest: (s) => pullSource(s.repo, p(s)),
  },
};

interface DraftInput {
  pullRequestId: string;
  clientMutationId?: string;
}

function findPullByNodeId(state: EmulatorState, id: string): { repo: RepoState; pull: PullState } {
  for (const repo of state.repos.values()) {
    const pull = repo.pulls.find((candidate) => candidate.nodeId === id);
    if (pull) return { repo, pull };
  }
  throw new GitHubGraphQLError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
}

/** convertPullRequestToDraft / markPullRequestReadyForReview: GitHub refuses them on a closed pull request. */
function setDraft(ctx: Context, input: DraftInput, draft: boolean, payload: string): Source {
  const { repo, pull } = findPullByNodeId(ctx.state, input.pullRequestId);
  if (pull.state !== 'open') throw new GitHubGraphQLError('UNPROCESSABLE', `Pull request #${pull.number} is closed`);
  if (pull.draft !== draft) {
    pull.draft = draft;
    pull.updatedAt = now();
  }
  return { __typename: payload, repo, pull, clientMutationId: input.clientMutationId ?? null };
}

const fieldResolver: GraphQLFieldResolver<Source, Context> = (source, args, ctx, info) => {
  const resolver = RESOLVERS[info.parentType.name]?.[info.fieldName];
  if (!resolver) throw new GraphQLNotImplemented(`${info.parentType.name}.${info.fieldName}`);
  return resolver(source, args, ctx);
};

// --- request handling ------------------------------------------------------------------------------------------------

export interface GraphQLOutcome {
  body: { data?: unknown; errors?: unknown[] };
  /** Operation name, else the root fields (e.g. `repository`), for the request log and fault matching. */
  operation?: string;
  /** Client queries GitHub would reject, and fields the emulator lacks: both fail the test. */
  violations: string[];
}

/** graphql-js wording → GitHub's (graphql-ruby) wording and `extensions.code`, for the common validation errors. */
function githubValidationError(error: GraphQLError): Record<string, unknown> {
  const base = { locations: error.locations, path: error.path };
  let m = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(error.message);
  if (m)
    return {
      ...base,
      message: `Field '${m[1]}' doesn't exist on type '${m[2]}'`,
      extensions: { code: 'undefinedField', typeName: m[2], fieldName: m[1] },
    };
  m = /^Field "(\w+)" argument "(\w+)" of type "(.+)" is required, but it was not provided\./.exec(error.message);
  if (m)
    return {
      ...base,
      message: `Field '${m[1]}' is missing required arguments: ${m[2]}`,
      extensions: { code: 'missingRequiredArguments', className: 'Field', name: m[1], arguments: m[2] },
    };
  m = /^Unknown argument "(\w+)" on field "\w+\.(\w+)"\./.exec(error.message);
  if (m)
    return {
      ...base,
      message: `Field '${m[2]}' doesn't accept argument '${m[1]}'`,
      extensions: { code: 'argumentNotAccepted', name: m[2], typeName: 'Field', argumentName: m[1] },
    };
  return { ...base, message: error.message, extensions: { code: 'validationError' } };
}

function operationLabel(document: DocumentNode, operationName?: string): string | undefined {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return undefined;
  if (operation.name) return operation.name.value;
  return operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '…')).join(',');
}

/** The label a request is logged and fault-matched under, or undefined when it does not parse. */
export function graphqlOperationOf(request: { query?: unknown; operationName?: unknown }): string | undefined {
  if (typeof request.query !== 'string') return undefined;
  try {
    return operationLabel(
      parse(request.query),
      typeof request.operationName === 'string' ? request.operationName : undefined,
    );
  } catch {
    return undefined;
  }
}

export async function runGraphQL(
  state: EmulatorState,
  request: { query?: unknown; variables?: unknown; operationName?: unknown },
): Promise<GraphQLOutcome> {
  if (typeof request.query !== 'string') {
    return {
      body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      violations: ['GraphQL request without a query string'],
    };
  }
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : String(error);
    return {
      body: { errors: [{ message, locations: (error as GraphQLError).locations }] },
      violations: [`GraphQL syntax error: ${message}`],
    };
  }
  const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
  const operation = operationLabel(document, operationName);
  const invalid = validate(schema(), document);
  if (invalid.length > 0) {
    const errors = invalid.map(githubValidationError);
    return {
      body: { errors },
      operation,
      violations: errors.map((e) => `GraphQL query invalid against GitHub's schema: ${e.message}`),
    };
  }
  const result = await execute({
    schema: schema(),
    document,
    variableValues: (request.variables ?? undefined) as Record<string, unknown> | undefined,
    operationName,
    contextValue: { state, loaders: new Map() } satisfies Context,
    fieldResolver: fieldResolver as GraphQLFieldResolver<unknown, unknown>,
    typeResolver: (value) => (value as Source).__typename,
  });
  const violations: string[] = [];
  const errors = result.errors?.map((error) => {
    const original = error.originalError;
    if (original instanceof GraphQLNotImplemented) {
      violations.push(`GraphQL: emulator does not implement ${original.message}`);
      return {
        message: `emulator does not implement ${original.message}`,
        path: error.path,
        locations: error.locations,
        type: 'EMULATOR_NOT_IMPLEMENTED',
      };
    }
    if (original instanceof GitHubGraphQLError)
      return {
        ...(original.type ? { type: original.type } : {}),
        path: error.path,
        locations: error.locations,
        message: original.message,
      };
    if (original && !(original instanceof GraphQLError))
      violations.push(`GraphQL resolver crashed: ${original.stack ?? original.message}`);
    return { message: error.message, path: error.path, locations: error.locations };
  });
  const body: GraphQLOutcome['body'] = {};
  if (result.data !== undefined) body.data = result.data;
  if (errors && errors.length > 0) body.errors = errors;
  return { body, operation, violations };
}
