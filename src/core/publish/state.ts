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
