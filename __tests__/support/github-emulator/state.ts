// In-memory state GitHub keeps outside git: repositories' metadata, pull requests, labels, comments, users.
import type { GitRepo } from './git-store.js';

export interface LabelState {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
}

export interface CommentState {
  id: number;
  nodeId: string;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface AutoMergeState {
  mergeMethod: 'MERGE' | 'SQUASH' | 'REBASE';
  enabledBy: string;
  enabledAt: string;
  commitHeadline?: string;
  commitBody?: string;
}

export interface PullState {
  id: number;
  number: number;
  nodeId: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  headRef: string;
  /** Last known head commit: follows the branch while it exists. */
  headSha: string;
  baseRef: string;
  user: string;
  labels: string[];
  assignees: string[];
  reviewers: string[];
  teamReviewers: string[];
  autoMerge?: AutoMergeState;
  comments: CommentState[];
  maintainerCanModify: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface RepoState {
  id: number;
  nodeId: string;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  git: GitRepo;
  createdAt: string;
  pushedAt: string;
  pulls: PullState[];
  labels: LabelState[];
  /** Issues and pull requests share one number sequence, as on GitHub. */
  nextNumber: number;
  /** Who can be assigned or asked for a review; undefined: anyone (the emulator does not check). */
  collaborators?: string[];
  /** The base branches' protection: approving reviews and status check contexts a PR needs before it can merge. */
  protection: { requiredReviews: number; requiredChecks: string[] };
  /** Commit statuses: sha → context → state. */
  statuses: Map<string, Map<string, 'pending' | 'success' | 'failure' | 'error'>>;
}

/** Whether a login may be assigned or asked for a review in the repository. */
export function isCollaborator(repo: RepoState, login: string): boolean {
  return (
    repo.collaborators === undefined || repo.collaborators.some((name) => name.toLowerCase() === login.toLowerCase())
  );
}

/**
 * GitHub's mergeStateStatus for a PR whose head is `head`: BLOCKED while protection waits for a review or a required
 * check, UNSTABLE with a status that is not success, CLEAN when it could be merged right now (no conflicts modelled).
 */
export function mergeState(repo: RepoState, pull: PullState, head: string): string {
  if (pull.draft) return 'DRAFT';
  const statuses = repo.statuses.get(head) ?? new Map<string, string>();
  if (repo.protection.requiredReviews > 0) return 'BLOCKED';
  if (repo.protection.requiredChecks.some((context) => statuses.get(context) !== 'success')) return 'BLOCKED';
  if ([...statuses.values()].some((state) => state !== 'success')) return 'UNSTABLE';
  return 'CLEAN';
}

export interface EmulatorState {
  /** REST root, also the root of the fake html_url links. */
  url: string;
  token: string;
  /** The login the token authenticates as. */
  login: string;
  repos: Map<string, RepoState>;
  userIds: Map<string, number>;
  nextId: number;
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function nextId(state: EmulatorState): number {
  state.nextId += 1;
  return state.nextId;
}

export function userId(state: EmulatorState, login: string): number {
  let id = state.userIds.get(login.toLowerCase());
  if (id === undefined) {
    id = nextId(state);
    state.userIds.set(login.toLowerCase(), id);
  }
  return id;
}

/** Opaque global ids in GitHub's current style (`PR_kw…`); the kind prefix is what clients may look at. */
export function nodeId(prefix: string, ...parts: (string | number)[]): string {
  return `${prefix}_kwEmu${Buffer.from(parts.join(':')).toString('base64url')}`;
}

export function findRepo(state: EmulatorState, owner: string, name: string): RepoState | undefined {
  return state.repos.get(`${owner}/${name}`.toLowerCase());
}

export function findLabel(repo: RepoState, name: string): LabelState | undefined {
  return repo.labels.find((label) => label.name.toLowerCase() === name.toLowerCase());
}

/** Creates a label the way GitHub does when an unknown name is added to an issue (grey, no description). */
export function ensureLabel(
  state: EmulatorState,
  repo: RepoState,
  name: string,
  color = 'ededed',
  description: string | null = null,
): LabelState {
  const existing = findLabel(repo, name);
  if (existing) return existing;
  const id = nextId(state);
  const label: LabelState = { id, nodeId: nodeId('LA', repo.id, id), name, color, description };
  repo.labels.push(label);
  return label;
}

export function emailOf(login: string, id: number): string {
  return `${id}+${login}@users.noreply.github.com`;
}
