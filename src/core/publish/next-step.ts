// The PR step's decision, pure: from what GitHub shows (a snapshot), this run's plan and what the run has done so far,
// the one next step. The engine (engine/publish.ts) executes it and asks again. Races are settled here: branch moves are
// compare-and-swap and the later plan wins; PR bodies are not, so a body this run wrote over a later plan is repaired.
import { parsePromotionBlock, type PromotionBlock } from '../report/pull-request-body.js';
import { missingDecorations, type Decorations, type MissingDecorations } from './decorations.js';
import { heldPlan, isLater, type HeldPlan } from './held-plan.js';
import type { OpenPullRequest, Snapshot } from './state.js';

/** This run's plan, as built on one base. */
export interface BuiltPlan {
  hash: string;
  /** One time per run, kept through rebuilds: a run that started later wins, whatever bases it rebuilt on. */
  builtAt: string;
  /** The base commit it was built on. */
  base: string;
  /** How many references it changes (none: the target caught up). */
  changes: number;
  /** The run wants a draft (a gate failed with onFailure: draft). */
  draft: boolean;
  /** What the PR must carry (the policy's labels, assignees, reviewers and auto-merge). */
  decorations: Decorations;
}

/** What the run did so far: the engine keeps it, nextStep only reads it. */
export interface Memory {
  /** Every base this run built on: a plan on another base was not concurrent with this run, so its time says nothing. */
  bases: ReadonlySet<string>;
  /** Every commit this run made: a plan of its own is never "later" than its current one. */
  ownCommits: ReadonlySet<string>;
  /** Every plan hash this run put into the PR body (its own, and later plans it described). */
  bodies: ReadonlySet<string>;
  /** The commit that holds the built plan (made or adopted), until the next rebuild. */
  commit?: string;
  /** This run opened the PR. */
  created?: { number: number; url: string };
  /** This pass opened the PR, and GitHub answered with this base head. */
  opened?: { baseSha: string };
  /** The snapshot this run read right after updating the PR: the check that its writes stuck. */
  check?: Snapshot;
  /** This run put the PR's missing decorations on (once per run). */
  decorated?: boolean;
}

export type Step =
  /** A later plan holds the branch and the PR says so: it owns the PR. */
  | { kind: 'superseded'; held: HeldPlan }
  /** A later plan holds the branch, but the PR shows a body this run wrote: describe the later plan from its commit. */
  | { kind: 'repair-body'; held: HeldPlan; pullRequest: OpenPullRequest }
  /** The base moved: build the plan again on its head. */
  | { kind: 'rebuild' }
  /** Nothing left to promote: close the PR, or there is none. */
  | { kind: 'close'; pullRequest: OpenPullRequest }
  | { kind: 'none' }
  /** The PR already shows this plan at the branch head: nothing to write. */
  | { kind: 'unchanged'; pullRequest: OpenPullRequest; commit: string }
  /** The branch already holds this plan on this base (a rerun, or a concurrent run of the same plan): use its commit. */
  | { kind: 'adopt-commit'; commit: string }
  | { kind: 'commit' }
  /** Move (compare-and-swap from `from`) or create (no `from`) the branch onto `commit`. */
  | { kind: 'move-branch'; commit: string; from?: string }
  | { kind: 'open' }
  /** Title, body and (when it changes) draft state; the engine reads the snapshot again to check. */
  | { kind: 'update'; pullRequest: OpenPullRequest; draft?: boolean }
  /** A write of this run did not stick (another run wrote in between): decide again on this snapshot. */
  | { kind: 'lost-race' }
  /** Read GitHub again: the base moved under the PR just opened. */
  | { kind: 'recheck' }
  /** Labels, assignees, reviewers or auto-merge the PR lacks (or auto-merge GitHub would refuse now). */
  | ({ kind: 'decorate'; pullRequest: OpenPullRequest } & MissingDecorations)
  /** The PR shows this plan at the branch head. */
  | { kind: 'done'; operation: 'created' | 'updated'; number: number; url: string; commit: string };

/** A failing gate turns an open PR into a draft; once it passes, a draft that only the gate made is ready again. */
export function draftChange(wantDraft: boolean, isDraft: boolean, madeByGate: boolean): boolean | undefined {
  if (wantDraft && !isDraft) return true;
  if (!wantDraft && madeByGate && isDraft) return false;
  return undefined;
}

const baseMoved = (snapshot: Snapshot, built: BuiltPlan) => snapshot.base.head !== built.base;

/** A plan of another run, concurrent with this one (built on a base this run saw), that is later than ours. */
function laterRival(held: HeldPlan | undefined, snapshot: Snapshot, built: BuiltPlan, memory: Memory) {
  if (!held || held.hash === built.hash || memory.ownCommits.has(held.commit)) return undefined;
  const concurrent = memory.bases.has(held.parent) || held.parent === snapshot.base.head;
  return concurrent && isLater(held, built) ? held : undefined;
}

/** The PR body shows a plan this run wrote, not the later plan on the branch: a late write of ours to put right. */
const bodyIsOursOver = (block: PromotionBlock | undefined, held: HeldPlan, memory: Memory) =>
  block !== undefined && memory.bodies.has(block.planHash) && block.planHash !== held.hash;

/** The PR shows exactly this plan, in full, at the branch head, in the right draft state. */
function showsPlan(snapshot: Snapshot, built: BuiltPlan, block: PromotionBlock | undefined, held?: HeldPlan) {
  const pr = snapshot.pullRequest;
  return (
    pr !== undefined &&
    block?.planHash === built.hash &&
    !block.rebuilt &&
    block.commit !== undefined &&
    snapshot.branch?.head === block.commit &&
    held?.hash === built.hash &&
    held.parent === snapshot.base.head &&
    draftChange(built.draft, pr.draft, block.gateDraft === true) === undefined
  );
}

/** Our PR update stuck: the branch is at our commit and the body shows our plan in full (not another run's rebuild). */
const writeStuck = (snapshot: Snapshot, built: BuiltPlan, memory: Memory, block: PromotionBlock | undefined) =>
  snapshot.branch?.head === memory.commit && block?.planHash === built.hash && !block.rebuilt;

/** Before the run ends on a PR it owns: whatever the PR lacks, once. */
function decorate(pr: OpenPullRequest, head: string, built: BuiltPlan, memory: Memory): Step | undefined {
  if (memory.decorated) return undefined;
  const missing = missingDecorations(built.decorations, pr, head);
  return missing.decorations || missing.autoMergeRefused
    ? { kind: 'decorate', pullRequest: pr, ...missing }
    : undefined;
}

export function nextStep(snapshot: Snapshot, built: BuiltPlan, memory: Memory): Step {
  const pr = snapshot.pullRequest;
  const block = parsePromotionBlock(pr?.body);
  const held = heldPlan(snapshot);
  // Before anything else (a rebuild on a moved base could fail and leave a wrong body standing).
  const rival = laterRival(held, snapshot, built, memory);
  if (rival)
    return pr && bodyIsOursOver(block, rival, memory)
      ? { kind: 'repair-body', held: rival, pullRequest: pr }
      : { kind: 'superseded', held: rival };
  if (
    memory.check === snapshot &&
    pr &&
    memory.commit &&
    !baseMoved(snapshot, built) &&
    writeStuck(snapshot, built, memory, block)
  )
    return (
      decorate(pr, memory.commit, built, memory) ?? {
        kind: 'done',
        operation: memory.created ? 'created' : 'updated',
        number: pr.number,
        url: pr.url,
        commit: memory.commit,
      }
    );
  if (baseMoved(snapshot, built)) return { kind: 'rebuild' };
  if (memory.check === snapshot) return { kind: 'lost-race' };
  if (built.changes === 0) return pr ? { kind: 'close', pullRequest: pr } : { kind: 'none' };
  if (pr && !memory.created && showsPlan(snapshot, built, block, held)) {
    const commit = block?.commit as string;
    return decorate(pr, commit, built, memory) ?? { kind: 'unchanged', pullRequest: pr, commit };
  }
  // Adopting keeps the head where it is: moving it would rerun checks and may dismiss reviews.
  const heldHere = held && held.parent === snapshot.base.head ? held : undefined;
  if (heldHere?.hash === built.hash && memory.commit !== heldHere.commit)
    return { kind: 'adopt-commit', commit: heldHere.commit };
  if (!memory.commit) return { kind: 'commit' };
  if (snapshot.branch?.head !== memory.commit)
    return { kind: 'move-branch', commit: memory.commit, ...(snapshot.branch ? { from: snapshot.branch.head } : {}) };
  if (!pr) return { kind: 'open' };
  if (memory.opened && memory.created) {
    const decoration = decorate(pr, memory.commit, built, memory);
    if (decoration) return decoration;
    return memory.opened.baseSha === built.base
      ? { kind: 'done', operation: 'created', ...memory.created, commit: memory.commit }
      : { kind: 'recheck' };
  }
  const draft = draftChange(built.draft, pr.draft, block?.gateDraft === true);
  return { kind: 'update', pullRequest: pr, ...(draft !== undefined ? { draft } : {}) };
}
