// What the PR step sees of GitHub: the base branch, the promotion branch and its open pull request (one snapshot).

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
  /** What the PR carries (read with the snapshot; absent: nothing). Logins and names as GitHub spells them. */
  labels?: string[];
  assignees?: string[];
  /** Users whose review is requested, or who reviewed. */
  reviewers?: string[];
  /** Teams (slugs) whose review is requested. */
  teamReviewers?: string[];
  /** Someone reviewed (a team's request is gone once a member reviewed for it). */
  reviewed?: boolean;
  autoMerge?: boolean;
  /** GitHub's mergeStateStatus (CLEAN, BLOCKED, UNSTABLE…); UNKNOWN while it computes. */
  mergeState?: string;
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
