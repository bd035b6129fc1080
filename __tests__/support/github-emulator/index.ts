// A local GitHub (REST + GraphQL) for tests: real bare git repos behind GitHub's API, every exchange checked against
// GitHub's published OpenAPI description and GraphQL schema. Not a mock: state changes as on GitHub.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault, FaultMatch, Hold } from './faults.js';
import { GitRepo } from './git-store.js';
import { EmulatorServer, type RequestLogEntry } from './server.js';
import { nextId, nodeId, now, userId, type EmulatorState, type RepoState } from './state.js';

export type { Fault, FaultMatch, Hold } from './faults.js';
export type { RequestLogEntry } from './server.js';

export interface EmulatedPull {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  /** Branch names (no `refs/heads/`). */
  head: string;
  base: string;
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  assignees: string[];
  /** Set by the GraphQL enablePullRequestAutoMerge mutation; mergeMethod as the GraphQL enum (MERGE, SQUASH, REBASE). */
  autoMerge?: { mergeMethod: string };
  /** Issue comment bodies, oldest first. */
  comments: string[];
  nodeId: string;
}

export interface GitHubEmulator {
  /** REST root (use as GITHUB_API_URL / Octokit baseUrl): http://127.0.0.1:PORT */
  url: string;
  graphqlUrl: string;
  token: string;
  /** The account the token authenticates as (default `github-actions[bot]`). */
  login: string;
  /** Creates `owner/name` with one commit holding files; returns the bare repository's path (clone it to check). */
  createRepo(
    fullName: string,
    files: Record<string, string>,
    options?: {
      defaultBranch?: string;
      date?: string;
      /** Who can be assigned or asked for a review (default: anyone). */
      collaborators?: string[];
      /** Branch protection (default: one approving review required, so a new PR is BLOCKED and takes auto-merge). */
      protection?: { requiredReviews?: number; requiredChecks?: string[] };
    },
  ): Promise<string>;
  /** Changes the repository's branch protection (what a PR waits for before it can merge). */
  protect(fullName: string, protection: { requiredReviews?: number; requiredChecks?: string[] }): void;
  /** Sets a commit status (as CI reporting on the head). */
  setStatus(fullName: string, sha: string, context: string, state: 'pending' | 'success' | 'failure' | 'error'): void;
  /** Commits files (null deletes) on branch (created from the default branch when missing); returns the commit sha. */
  commit(
    fullName: string,
    branch: string,
    files: Record<string, string | null>,
    message: string,
    options?: { date?: string },
  ): Promise<string>;
  /** A file's text at a branch, tag or sha; undefined when absent. */
  readFile(fullName: string, ref: string, path: string): Promise<string | undefined>;
  /** The sha a branch points at; undefined when absent. */
  branchSha(fullName: string, branch: string): Promise<string | undefined>;
  pulls(fullName: string): EmulatedPull[];
  /** Arms a fault for the next `times` (default 1) matching requests. */
  inject(fault: Fault): void;
  /** Holds the next matching request in flight until released (a slow network), letting every other request through. */
  hold(match: Omit<FaultMatch, 'times'>): Hold;
  requests: RequestLogEntry[];
  /** Contract violations and unimplemented requests; non-empty means the test must fail (a test provoking one on purpose may empty it). */
  violations: string[];
  resetLog(): void;
  /** Test-only: corrupts the emulator's own responses to operationId (e.g. 'git/get-ref'), to prove the contract check catches it. */
  tamper(operationId: string, mutate: (body: unknown) => unknown): void;
  /** Stops the server and deletes the repositories; throws if violations were recorded. */
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  token?: string;
  login?: string;
}

export async function startGitHubEmulator(options: EmulatorOptions = {}): Promise<GitHubEmulator> {
  const root = await mkdtemp(join(tmpdir(), 'github-emulator-'));
  const state: EmulatorState = {
    url: '',
    token: options.token ?? `ghs_emulator${Math.random().toString(36).slice(2)}`,
    login: options.login ?? 'github-actions[bot]',
    repos: new Map(),
    userIds: new Map(),
    nextId: 1000,
  };
  // GITHUB_TOKEN's account, with its real id so e-mails and avatars look familiar.
  if (state.login === 'github-actions[bot]') state.userIds.set(state.login, 41898282);
  else userId(state, state.login);

  const server = new EmulatorServer(state);
  await server.init();
  const http = createServer((req, res) => server.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const emulator: GitHubEmulator = {
    url: state.url,
    graphqlUrl: `${state.url}/graphql`,
    token: state.token,
    login: state.login,
    requests: server.requests,
    violations: server.violations,

    createRepo: (fullName, files, repoOptions = {}) =>
      server.serialize(async () => {
        const [owner, name, extra] = fullName.split('/');
        if (
          !owner ||
          !name ||
          extra !== undefined ||
          !/^[\w.-]+$/.test(owner) ||
          !/^[\w.-]+$/.test(name) ||
          name.startsWith('.')
        ) {
          throw new Error(`"${fullName}" is not an owner/name repository name`);
        }
        if (state.repos.has(fullName.toLowerCase())) throw new Error(`repository ${fullName} already exists`);
        const defaultBranch = repoOptions.defaultBranch ?? 'main';
        await mkdir(join(root, owner), { recursive: true });
        const dir = join(root, owner, `${name}.git`);
        const git = await GitRepo.init(dir, defaultBranch);
        const id = nextId(state);
        const created = repoOptions.date ?? now();
        const repo: RepoState = {
          id,
          nodeId: nodeId('R', id),
          owner,
          name,
          fullName,
          defaultBranch,
          git,
          createdAt: created,
          pushedAt: created,
          pulls: [],
          labels: [],
          nextNumber: 1,
          ...(repoOptions.collaborators ? { collaborators: repoOptions.collaborators } : {}),
          protection: {
            requiredReviews: repoOptions.protection?.requiredReviews ?? 1,
            requiredChecks: repoOptions.protection?.requiredChecks ?? [],
          },
          statuses: new Map(),
        };
        state.repos.set(fullName.toLowerCase(), repo);
        userId(state, owner);
        await server.commitFiles(fullName, defaultBranch, files, 'Initial commit', repoOptions.date);
        return dir;
      }),

    commit: (fullName, branch, files, message, commitOptions = {}) =>
      server.serialize(() => server.commitFiles(fullName, branch, files, message, commitOptions.date)),

    readFile: (fullName, ref, path) =>
      server.serialize(async () => {
        const repo = server.requireRepo(fullName);
        const sha = await repo.git.resolve(`${ref}:${path}`);
        if (!sha || (await repo.git.objectType(sha)) !== 'blob') return undefined;
        return (await repo.git.readBlob(sha)).toString('utf8');
      }),

    branchSha: (fullName, branch) =>
      server.serialize(() => server.requireRepo(fullName).git.refSha(`refs/heads/${branch}`)),

    pulls: (fullName) =>
      server.requireRepo(fullName).pulls.map((pull) => ({
        number: pull.number,
        title: pull.title,
        body: pull.body,
        state: pull.state,
        draft: pull.draft,
        head: pull.headRef,
        base: pull.baseRef,
        labels: [...pull.labels],
        reviewers: [...pull.reviewers],
        teamReviewers: [...pull.teamReviewers],
        assignees: [...pull.assignees],
        ...(pull.autoMerge ? { autoMerge: { mergeMethod: pull.autoMerge.mergeMethod } } : {}),
        comments: pull.comments.map((c) => c.body),
        nodeId: pull.nodeId,
      })),

    protect: (fullName, protection) => {
      const repo = server.requireRepo(fullName);
      repo.protection = {
        requiredReviews: protection.requiredReviews ?? 0,
        requiredChecks: protection.requiredChecks ?? [],
      };
    },

    setStatus: (fullName, sha, context, status) => {
      const repo = server.requireRepo(fullName);
      const statuses = repo.statuses.get(sha) ?? new Map();
      statuses.set(context, status);
      repo.statuses.set(sha, statuses);
    },

    inject: (fault) => server.faults.add(fault),
    hold: (match) => server.faults.hold(match),

    resetLog: () => {
      server.requests.length = 0;
    },

    tamper: (operationId, mutate) => {
      server.tampering.set(operationId, mutate);
    },

    stop: async () => {
      await server.serialize(async () => undefined);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      server.close();
      await rm(root, { recursive: true, force: true });
      expectNoViolations(emulator);
    },
  };
  return emulator;
}

/** Throws (failing the test) with every recorded contract violation and unimplemented request. */
export function expectNoViolations(emulator: Pick<GitHubEmulator, 'violations'>): void {
  if (emulator.violations.length > 0) {
    throw new Error(
      `the GitHub emulator recorded ${emulator.violations.length} violation(s):\n- ${emulator.violations.join('\n- ')}`,
    );
  }
}
