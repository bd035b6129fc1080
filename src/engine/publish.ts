// The PR step: commit the promotion through the Git Data API onto its branch and open, update or close its pull request.
import type { GitHub, OpenPullRequest, RepoRef, Snapshot } from '../adapters/github/index.js';
import type { PullRequestPolicy } from '../core/config/index.js';
import type { Plan } from '../core/plan-types.js';
import { commitSubject, renderCommitMessage } from '../core/report/commit-message.js';
import { code, escapeMarkdown } from '../core/report/markdown.js';
import { parsePromotionBlock, planHash, renderPullRequestBody } from '../core/report/pull-request-body.js';
import { PromotionError, UsageError } from '../core/errors.js';

export interface PublishRequest {
  owner: string;
  repo: string;
  /** Base branch; default: the repository's default branch. */
  base?: string;
  from: string;
  to: string;
  policy: PullRequestPolicy;
  /** Builds the promotion on a base commit: the plan, the full new text of every changed file (repo-relative paths) and
   *  which of them are executable. Called with the base head, and again with the new head when the base moved (bounded). */
  build(baseSha: string): Promise<{ plan: Plan; files: Record<string, string>; executable?: string[] }>;
  /** The plan a promotion commit `head` carried out on the target stage since `base`: how a concurrent run's PR body
   *  is rebuilt from its commit when our late body write covered it. */
  describe(base: string, head: string): Promise<Plan>;
  sourceCommit?: { sha: string; url?: string };
  /** Markdown section with gate results, rendered (and escaped) by the caller. */
  gateReport?: string;
  /** Forces a draft (gate failure with onFailure: draft). */
  draft?: boolean;
  /** The gates' outcome, when gates ran: recorded in the commit (Stagecoach-Gates) so the PR can be rebuilt from it. */
  gates?: 'passed' | 'failed';
}

export interface PublishResult {
  operation: 'created' | 'updated' | 'unchanged' | 'closed' | 'none';
  number?: number;
  url?: string;
  branch: string;
  commitSha?: string;
  /** API requests this promotion made (REST and GraphQL; retries not counted). */
  requests: number;
  /** What GitHub refused while decorating the PR (a reviewer who is no collaborator, auto-merge disabled…). */
  warnings?: string[];
  /** `unchanged` because a concurrent promotion holds a later plan (its hash). */
  supersededBy?: string;
}

export interface PublishOptions {
  /** Clock for the plan's build time (the later of two concurrent plans wins). */
  now?: () => Date;
  /** Rebuilds when the base moved (default 3). */
  maxRebuilds?: number;
  /** Retries after losing a race for the branch or the PR to a concurrent promotion (default 6). */
  maxRaces?: number;
}

/** The branch for a (source, target) pair, from the policy's template, made a valid ref name (git check-ref-format). */
export function promotionBranch(template: string, from: string, to: string): string {
  const clean = (text: string) =>
    text
      // eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
      .replace(/[\u0000-\u0020\u007f~^:?*[\\]+/g, '-')
      .replace(/\.{2,}/g, '.')
      .replace(/@\{/g, '-')
      .replace(/\/{2,}/g, '/');
  const name = clean(template.replace(/\{from\}/g, from.replace(/\//g, '-')).replace(/\{to\}/g, to.replace(/\//g, '-')))
    .split('/')
    .map((part) => part.replace(/^\.+/, '').replace(/\.lock$/, '-lock'))
    .filter(Boolean)
    .join('/')
    .replace(/[./]+$/, '');
  if (!name || name === '@')
    throw new UsageError(`The pull request branch template "${template}" gives no usable branch name`);
  return name;
}

const TRAILER_PLAN = 'Stagecoach-Plan';
const TRAILER_BUILT_AT = 'Stagecoach-Built-At';
const TRAILER_GATES = 'Stagecoach-Gates';
const TRAILER_SOURCE = 'Stagecoach-Source-Commit';

interface Built {
  plan: Plan;
  files: Record<string, string>;
  executable?: string[];
  hash: string;
  builtAt: string;
  base: Snapshot['base'];
}

interface PlanIdentity {
  hash: string;
  builtAt: string;
}

function trailer(message: string, key: string): string | undefined {
  return new RegExp(`^${key}: *(\\S+) *$`, 'm').exec(message)?.[1];
}

/** Plans ordered by build time, ties by hash, so of two concurrent promotions exactly one is later. */
function isLater(a: PlanIdentity, b: PlanIdentity): boolean {
  return a.builtAt > b.builtAt || (a.builtAt === b.builtAt && a.hash > b.hash);
}

interface HeldPlan extends PlanIdentity {
  /** The branch head: the commit that holds the plan, and its parent (the base it was built on). */
  commit: string;
  parent: string;
  /** The commit's subject: the plan's PR title. */
  subject: string;
  gates?: string;
  sourceCommit?: string;
}

/** The plan the promotion branch's head commit holds (its trailers), on whatever base it was built. */
function branchPlan(snapshot: Snapshot): HeldPlan | undefined {
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

/** The PR body for a plan held on the branch, rebuilt from its commit (or, when that could not be read, naming it). */
function rebuiltBody(request: PublishRequest, held: HeldPlan, described: Plan | Error, gateDraft: boolean): string {
  const url = request.sourceCommit?.url;
  const sourceCommit = held.sourceCommit
    ? {
        sha: held.sourceCommit,
        ...(url && request.sourceCommit && url.endsWith(request.sourceCommit.sha)
          ? { url: url.slice(0, -request.sourceCommit.sha.length) + held.sourceCommit }
          : {}),
      }
    : undefined;
  const empty: Plan = {
    from: request.from,
    to: request.to,
    source: request.from === 'images' ? 'images' : 'stage',
    changes: [],
    images: [],
    notPromoted: [],
    skipped: [],
    warnings: [],
  };
  const plan = described instanceof Error ? empty : described;
  const note =
    described instanceof Error
      ? ` Its changes could not be read back (${escapeMarkdown(described.message.slice(0, 500))}): see the commit ${code(held.commit.slice(0, 12))}.`
      : planHash(described) === held.hash
        ? ''
        : ' It may differ from what that run saw (another configuration or Stagecoach version): the commit is authoritative.';
  return renderPullRequestBody({
    plan,
    planHash: held.hash,
    commit: held.commit,
    builtAt: held.builtAt,
    rebuilt: true,
    ...(sourceCommit ? { sourceCommit } : {}),
    gateReport: [
      '#### Gates',
      '',
      held.gates
        ? `The gates ${escapeMarkdown(held.gates)} (commit trailer ${code(TRAILER_GATES)}); their report is in the job summary of the run that built this plan.`
        : 'No gates ran.',
      '',
      `_This description was rebuilt from the branch's commit: a concurrent, older promotion run had overwritten it.${note}_`,
    ].join('\n'),
    ...(gateDraft ? { gateDraft } : {}),
  });
}

export async function publishPromotion(
  github: GitHub,
  request: PublishRequest,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const { value, requests } = await github.measure(() => publish(github, request, options));
  return { ...value, requests };
}

async function publish(
  github: GitHub,
  request: PublishRequest,
  options: PublishOptions,
): Promise<Omit<PublishResult, 'requests'>> {
  const repo: RepoRef = { owner: request.owner, repo: request.repo };
  const branch = promotionBranch(request.policy.branch, request.from, request.to);
  const maxRebuilds = options.maxRebuilds ?? 3;
  const maxRaces = options.maxRaces ?? 6;
  const policy = request.policy;
  const gateDraft = request.draft === true && !policy.draft;
  const snapshot = () => github.snapshot(repo, request.base, branch);
  /** A failing gate turns an open PR into a draft; once it passes, a draft that only the gate made is ready again. */
  const draftChange = (wantDraft: boolean, isDraft: boolean, madeByGate: boolean): boolean | undefined =>
    wantDraft && !isDraft ? true : !wantDraft && madeByGate && isDraft ? false : undefined;
  // One time per run, kept through rebuilds: a run that started later wins, whatever bases it had to rebuild on.
  const builtAt = (options.now ?? (() => new Date()))().toISOString();

  /** Every base this run built on: a plan on any other base was not concurrent with this run, so its time says nothing
   *  (runner clocks differ); this run simply replaces it. */
  const bases = new Set<string>();
  const buildOn = async (base: Snapshot['base']): Promise<Built> => {
    bases.add(base.head);
    const { plan, files, executable } = await request.build(base.head);
    return { plan, files, ...(executable ? { executable } : {}), hash: planHash(plan), builtAt, base };
  };

  let snap = await snapshot();
  let built = await buildOn(snap.base);
  let commit: string | undefined;
  let created: { number: number; url: string } | undefined;
  /** Every plan hash this run put into the PR body (its own, before and after rebuilds, and plans it described). */
  const bodies = new Set<string>();
  /** Every commit this run made: a plan of its own is never "later" than its current one (rebuilds keep the time). */
  const ownCommits = new Set<string>();
  let rebuilds = 0;
  let races = 0;
  const warnings: string[] = [];
  const baseName = () => snap.base.name;

  const rebuild = async (fresh: Snapshot) => {
    rebuilds += 1;
    if (rebuilds > maxRebuilds) {
      throw new PromotionError(
        `The base branch ${baseName()} of ${repo.owner}/${repo.repo} kept moving while Stagecoach promoted ${request.from} → ${request.to}: ` +
          `gave up after rebuilding the promotion ${maxRebuilds} times. Run it again when pushes to ${baseName()} settle.`,
      );
    }
    snap = fresh;
    built = await buildOn(fresh.base);
    commit = undefined;
  };
  const lostRace = (fresh: Snapshot) => {
    races += 1;
    if (races > maxRaces) {
      throw new PromotionError(
        `Another promotion kept updating the branch ${branch} of ${repo.owner}/${repo.repo} (${maxRaces} conflicting writes): ` +
          `make sure only one workflow promotes ${request.from} → ${request.to} at a time (a \`concurrency:\` group).`,
      );
    }
    snap = fresh;
  };
  const finish = (
    operation: PublishResult['operation'],
    extra: Partial<PublishResult> = {},
  ): Omit<PublishResult, 'requests'> => ({
    operation,
    branch,
    ...extra,
    ...(warnings.length > 0 ? { warnings } : {}),
  });
  /** Rewrites the PR for the plan a later promotion committed to the branch, rebuilt from that commit alone. */
  const describeHeld = async (pr: OpenPullRequest, held: HeldPlan) => {
    const described = await request
      .describe(held.parent, held.commit)
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const failed = held.gates === 'failed';
    const body = rebuiltBody(request, held, described, failed && !policy.draft);
    const draft = draftChange(failed || policy.draft, pr.draft, parsePromotionBlock(pr.body)?.gateDraft === true);
    bodies.add(held.hash);
    await github.updatePullRequest(repo, pr, { title: held.subject, body, ...(draft !== undefined ? { draft } : {}) });
  };

  for (;;) {
    const pr = snap.pullRequest;
    const block = parsePromotionBlock(pr?.body);
    const ours: PlanIdentity = { hash: built.hash, builtAt: built.builtAt };
    const held = branchPlan(snap);
    // A promotion that started later holds the branch: it owns the PR. Branch moves are compare-and-swap, PR bodies are
    // not: a body this run wrote over it (landing late, after that run finished) is this run's to put right, from the
    // branch's commit, before anything else (a rebuild on a moved base could fail and leave it wrong).
    const rival =
      held &&
      held.hash !== built.hash &&
      !ownCommits.has(held.commit) &&
      (bases.has(held.parent) || held.parent === snap.base.head);
    if (held && rival && isLater(held, ours)) {
      if (pr && block && bodies.has(block.planHash) && block.planHash !== held.hash) {
        await describeHeld(pr, held);
        lostRace(await snapshot());
        continue;
      }
      return finish('unchanged', {
        ...(pr ? { number: pr.number, url: pr.url } : {}),
        commitSha: held.commit,
        supersededBy: held.hash,
      });
    }
    if (snap.base.head !== built.base.head) {
      await rebuild(snap);
      continue;
    }
    const heldHere = held && held.parent === snap.base.head ? held : undefined;

    if (built.plan.changes.length === 0) {
      if (!pr) return finish('none');
      await github.updatePullRequest(repo, pr, {
        close: {
          comment: `Closing: \`${request.to}\` already runs what \`${request.from}\` offers, so there is nothing left to promote. Stagecoach opens a new pull request when there is.`,
        },
      });
      return finish('closed', { number: pr.number, url: pr.url });
    }

    const wantDraft = pr && draftChange(request.draft === true, pr.draft, block?.gateDraft === true);
    if (
      pr &&
      !created &&
      block?.planHash === built.hash &&
      !block.rebuilt &&
      block.commit !== undefined &&
      snap.branch?.head === block.commit &&
      heldHere?.hash === built.hash &&
      wantDraft === undefined
    ) {
      return finish('unchanged', { number: pr.number, url: pr.url, commitSha: block.commit });
    }

    // The branch holds this very plan on this base (a rerun, or a concurrent run of the same plan): adopt its commit, so
    // the head does not move needlessly (which would rerun checks and may dismiss reviews).
    if (heldHere?.hash === built.hash) commit = heldHere.commit;
    commit ??= await github.commitFiles(repo, {
      baseTree: built.base.tree,
      parent: built.base.head,
      files: built.files,
      ...(built.executable ? { executable: built.executable } : {}),
      message: renderCommitMessage(built.plan, {
        [TRAILER_PLAN]: built.hash,
        [TRAILER_BUILT_AT]: built.builtAt,
        ...(request.gates ? { [TRAILER_GATES]: request.gates } : {}),
        ...(request.sourceCommit ? { [TRAILER_SOURCE]: request.sourceCommit.sha } : {}),
      }),
    });
    ownCommits.add(commit);

    if (snap.branch?.head !== commit) {
      // Compare-and-swap from the head this pass decided on: a concurrent write in between makes it fail, never lost.
      const expected = { repositoryId: snap.repositoryId, ...(snap.branch ? { head: snap.branch.head } : {}) };
      if (!(await github.setBranch(repo, branch, commit, expected))) {
        lostRace(await snapshot());
        continue;
      }
    }
    snap.branch = { head: commit, parents: [built.base.head], message: '' };

    const title = commitSubject(built.plan);
    const body = renderPullRequestBody({
      plan: built.plan,
      planHash: built.hash,
      commit,
      builtAt: built.builtAt,
      ...(request.sourceCommit ? { sourceCommit: request.sourceCommit } : {}),
      ...(request.gateReport ? { gateReport: request.gateReport } : {}),
      ...(gateDraft ? { gateDraft } : {}),
    });
    bodies.add(built.hash);
    const current = snap.pullRequest;
    if (!current) {
      const opened = await github.openPullRequest(repo, {
        head: branch,
        base: baseName(),
        title,
        body,
        draft: policy.draft || request.draft === true,
      });
      if (!opened) {
        lostRace(await snapshot());
        continue;
      }
      created = { number: opened.number, url: opened.url };
      warnings.push(
        ...(await github.decoratePullRequest(repo, opened, {
          labels: policy.labels,
          assignees: policy.assignees,
          reviewers: policy.reviewers,
          teamReviewers: policy.teamReviewers,
          // GitHub refuses auto-merge on a draft.
          autoMerge: policy.draft || request.draft ? false : policy.autoMerge,
          headSha: commit,
        })),
      );
      if (opened.baseSha !== built.base.head) {
        // The base moved while we worked: rebuild on the new head and update the PR just opened.
        await rebuild(await snapshot());
        continue;
      }
      return finish('created', { ...created, commitSha: commit });
    }

    const draft = draftChange(
      request.draft === true,
      current.draft,
      parsePromotionBlock(current.body)?.gateDraft === true,
    );
    const updated = await github.updatePullRequest(repo, current, {
      title,
      body,
      ...(draft !== undefined ? { draft } : {}),
    });
    // Another promotion may have written the branch or the body between our writes: check both agree with our plan.
    const check = await snapshot();
    if (check.base.head !== built.base.head) {
      // The next pass repairs the body if a later plan holds the branch, else rebuilds on the new base.
      snap = check;
      continue;
    }
    const shown = parsePromotionBlock(check.pullRequest?.body);
    // Our hash in a body another run rebuilt (its repair landing after our write) is not our full description.
    if (check.branch?.head === commit && shown?.planHash === built.hash && !shown.rebuilt) {
      return finish(created ? 'created' : 'updated', {
        ...(created ?? { number: updated.number, url: updated.url }),
        commitSha: commit,
      });
    }
    lostRace(check);
  }
}
