// The GitHub ports the engine uses (shaped by the promotion PR step and the API file reader), and what flows through them.
import { StagecoachError } from '../../core/errors.js';
import type { Decorations } from '../../core/publish/decorations.js';
import type { Snapshot } from '../../core/publish/state.js';

export type { Decorations } from '../../core/publish/decorations.js';
export type { BaseState, BranchState, OpenPullRequest, Snapshot } from '../../core/publish/state.js';

export interface RepoRef {
  owner: string;
  repo: string;
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

/** Where the branch must stand for a write to apply: absent (create it), or at `head` (move it from there). */
export interface BranchExpectation {
  head?: string;
  repositoryId: string;
}

/** The GitHub operations of a promotion pull request. */
export interface GitHub {
  /** The base, the branch and its PR; with `read`, also those files' texts at the base head, in the same query. */
  snapshot(repo: RepoRef, base: string | undefined, branch: string, read?: string[]): Promise<SnapshotWithFiles>;
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

/** A blob read through GraphQL: its text unless it is binary or too big for GraphQL (then read by `oid`). */
export interface BlobText {
  text?: string;
  oid?: string;
  binary: boolean;
  truncated: boolean;
}

export interface SnapshotWithFiles extends Snapshot {
  /** Files read at the base head with the snapshot (absent ones are missing there). */
  files?: Map<string, BlobText>;
}

/** Reading a commit's files without a checkout (adapters/github-files). */
export interface GitHubTreeReader {
  /** The entries under a tree (recursive); `truncated` when GitHub cut the listing short. */
  readTree(repo: RepoRef, treeish: string, recursive: boolean): Promise<{ entries: TreeEntry[]; truncated: boolean }>;
  /** Texts of `<commit>:<path>` objects in one GraphQL query; undefined for a missing, binary or truncated blob. */
  readTexts(repo: RepoRef, commit: string, paths: string[]): Promise<Map<string, BlobText>>;
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
