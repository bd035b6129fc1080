// What a promotion PR must carry (labels, assignees, reviewers, auto-merge) and what of it is missing. Applied right
// after opening and put back on later runs when missing: GitHub refuses auto-merge while a PR is mergeable at once.
import type { OpenPullRequest } from './state.js';

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface Decorations {
  labels: string[];
  assignees: string[];
  reviewers: string[];
  teamReviewers: string[];
  autoMerge: false | MergeMethod;
  /** Auto-merge only while the head is this commit. */
  headSha?: string;
}

/** GitHub refuses enablePullRequestAutoMerge in these states: the PR could be merged right now, nothing to wait for. */
export const MERGEABLE_AT_ONCE = ['CLEAN', 'UNSTABLE', 'HAS_HOOKS'];

const lacking = (wanted: string[], present: string[] | undefined) => {
  const have = new Set((present ?? []).map((name) => name.toLowerCase()));
  return wanted.filter((name) => !have.has(name.toLowerCase()));
};

export interface MissingDecorations {
  /** What to apply; undefined when nothing is missing. */
  decorations?: Decorations;
  /** Auto-merge is missing, but GitHub would refuse it now (the state it is in). */
  autoMergeRefused?: string;
}

/** What `wanted` asks for and `pr` lacks. A draft never gets auto-merge (GitHub refuses it on drafts). */
export function missingDecorations(wanted: Decorations, pr: OpenPullRequest, headSha: string): MissingDecorations {
  const missingAutoMerge = wanted.autoMerge !== false && !pr.draft && pr.autoMerge !== true;
  const refused = missingAutoMerge && pr.mergeState !== undefined && MERGEABLE_AT_ONCE.includes(pr.mergeState);
  const decorations: Decorations = {
    labels: lacking(wanted.labels, pr.labels),
    assignees: lacking(wanted.assignees, pr.assignees),
    reviewers: lacking(wanted.reviewers, pr.reviewers),
    teamReviewers: pr.reviewed ? [] : lacking(wanted.teamReviewers, pr.teamReviewers),
    autoMerge: missingAutoMerge && !refused ? wanted.autoMerge : false,
    headSha,
  };
  const any =
    decorations.labels.length + decorations.assignees.length + decorations.reviewers.length > 0 ||
    decorations.teamReviewers.length > 0 ||
    decorations.autoMerge !== false;
  return {
    ...(any ? { decorations } : {}),
    ...(refused ? { autoMergeRefused: pr.mergeState } : {}),
  };
}
