// The plan a promotion commit holds, read from its trailers, and which of two concurrent plans is the later one.
import type { Snapshot } from './state.js';

export const TRAILER_PLAN = 'Stagecoach-Plan';
export const TRAILER_BUILT_AT = 'Stagecoach-Built-At';
export const TRAILER_GATES = 'Stagecoach-Gates';
export const TRAILER_SOURCE = 'Stagecoach-Source-Commit';

export interface PlanIdentity {
  hash: string;
  builtAt: string;
}

export interface HeldPlan extends PlanIdentity {
  /** The branch head: the commit that holds the plan, and its parent (the base it was built on). */
  commit: string;
  parent: string;
  /** The commit's subject: the plan's PR title. */
  subject: string;
  gates?: string;
  sourceCommit?: string;
}

function trailer(message: string, key: string): string | undefined {
  return new RegExp(`^${key}: *(\\S+) *$`, 'm').exec(message)?.[1];
}

/** Plans ordered by build time, ties by hash, so of two concurrent promotions exactly one is later. */
export function isLater(a: PlanIdentity, b: PlanIdentity): boolean {
  return a.builtAt > b.builtAt || (a.builtAt === b.builtAt && a.hash > b.hash);
}

/** The plan the promotion branch's head commit holds (its trailers), on whatever base it was built. */
export function heldPlan(snapshot: Pick<Snapshot, 'branch'>): HeldPlan | undefined {
  const branch = snapshot.branch;
  if (!branch || branch.parents.length !== 1) return undefined;
  const hash = trailer(branch.message, TRAILER_PLAN);
  const builtAt = trailer(branch.message, TRAILER_BUILT_AT);
  const gates = trailer(branch.message, TRAILER_GATES);
  const sourceCommit = trailer(branch.message, TRAILER_SOURCE);
  if (!hash || !builtAt) return undefined;
  return {
    hash,
    builtAt,
    commit: branch.head,
    parent: branch.parents[0],
    subject: branch.message.split('\n')[0],
    ...(gates ? { gates } : {}),
    ...(sourceCommit ? { sourceCommit } : {}),
  };
}
