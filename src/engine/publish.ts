// The PR step: commit the promotion through the Git Data API onto its branch and open, update or close its pull request.
import type { GitHub, RepoRef, Snapshot } from '../adapters/github/index.js';
import type { PullRequestPolicy } from '../core/config/index.js';
import { PromotionError, UsageError } from '../core/errors.js';
import type { Plan } from '../core/plan-types.js';
import {
  TRAILER_BUILT_AT,
  TRAILER_GATES,
  TRAILER_PLAN,
  TRAILER_SOURCE,
  type HeldPlan,
} from '../core/publish/held-plan.js';
import type { Decorations } from '../core/publish/decorations.js';
import { draftChange, nextStep, type BuiltPlan, type Memory, type Step } from '../core/publish/next-step.js';
import { rebuiltBody } from '../core/publish/rebuilt-body.js';
import { commitSubject, fitTitle, renderCommitMessage } from '../core/report/commit-message.js';
import {
  parsePromotionBlock,
  planHash,
  renderPullRequestBody,
  type PromotionContext,
} from '../core/report/pull-request-body.js';
import type { GateResult } from '../core/gate-result.js';

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
  /** The gates' results: a failed gate is named at the top of the body. */
  gateResults?: GateResult[];
  /** Who promoted, from which run, the repository's web address and release-note links, for the body. */
  context?: PromotionContext;
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
  /** The first snapshot, when the caller already read it (with the stage's files, without a checkout). */
  snapshot?: Snapshot;
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

interface Built extends BuiltPlan {
  plan: Plan;
  files: Record<string, string>;
  executable?: string[];
  tree: string;
}

type Outcome = Omit<PublishResult, 'requests'>;

export async function publishPromotion(
  github: GitHub,
  request: PublishRequest,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const { value, requests } = await github.measure(() => new PublishRun(github, request, options).run());
  return { ...value, requests };
}

/** One run of the PR step: asks nextStep what to do, does it, and asks again until a step ends the run. */
class PublishRun {
  private readonly repo: RepoRef;
  private readonly branch: string;
  /** One time per run, kept through rebuilds: a run that started later wins, whatever bases it had to rebuild on. */
  private readonly builtAt: string;
  private readonly memory = {
    bases: new Set<string>(),
    ownCommits: new Set<string>(),
    bodies: new Set<string>(),
  } as Memory & { bases: Set<string>; ownCommits: Set<string>; bodies: Set<string> };
  private snapshot!: Snapshot;
  private built!: Built;
  private rebuilds = 0;
  private races = 0;
  private readonly warnings: string[] = [];

  constructor(
    private readonly github: GitHub,
    private readonly request: PublishRequest,
    private readonly options: PublishOptions,
  ) {
    this.repo = { owner: request.owner, repo: request.repo };
    this.branch = promotionBranch(request.policy.branch, request.from, request.to);
    this.builtAt = (options.now ?? (() => new Date()))().toISOString();
  }

  async run(): Promise<Outcome> {
    this.snapshot = this.options.snapshot ?? (await this.read());
    this.built = await this.build();
    for (;;) {
      const step = nextStep(this.snapshot, this.built, this.memory);
      const outcome = await this.execute(step);
      if (outcome) return outcome;
    }
  }

  private async execute(step: Step): Promise<Outcome | undefined> {
    switch (step.kind) {
      case 'superseded':
        return this.finish('unchanged', {
          ...this.pullRequestRef(),
          commitSha: step.held.commit,
          supersededBy: step.held.hash,
        });
      case 'repair-body':
        await this.repairBody(step.pullRequest, step.held);
        return this.lostRace(await this.read());
      case 'rebuild':
        return this.rebuild();
      case 'close':
        await this.github.updatePullRequest(this.repo, step.pullRequest, {
          close: {
            comment: `Closing: \`${this.request.to}\` already runs what \`${this.request.from}\` offers, so there is nothing left to promote. Stagecoach opens a new pull request when there is.`,
          },
        });
        return this.finish('closed', this.pullRequestRef());
      case 'none':
        return this.finish('none');
      case 'unchanged':
        return this.finish('unchanged', { ...this.pullRequestRef(), commitSha: step.commit });
      case 'adopt-commit':
        this.memory.commit = step.commit;
        return undefined;
      case 'commit':
        return this.commit();
      case 'move-branch':
        return this.moveBranch(step.commit, step.from);
      case 'open':
        return this.open();
      case 'update':
        return this.update(step);
      case 'lost-race':
        return this.lostRace(this.snapshot);
      case 'recheck':
        this.snapshot = await this.read();
        return undefined;
      case 'decorate':
        return this.decorate(step);
      case 'done':
        return this.finish(step.operation, { number: step.number, url: step.url, commitSha: step.commit });
    }
  }

  private read(): Promise<Snapshot> {
    return this.github.snapshot(this.repo, this.request.base, this.branch);
  }

  private async build(): Promise<Built> {
    const base = this.snapshot.base;
    this.memory.bases.add(base.head);
    const { plan, files, executable } = await this.request.build(base.head);
    const hash = planHash(plan);
    return {
      plan,
      files,
      ...(executable ? { executable } : {}),
      hash,
      builtAt: this.builtAt,
      base: base.head,
      tree: base.tree,
      changes: plan.changes.length,
      draft: this.request.draft === true,
      decorations: this.wanted(),
    };
  }

  private wanted(): Decorations {
    const { labels, assignees, reviewers, teamReviewers, autoMerge } = this.request.policy;
    return { labels, assignees, reviewers, teamReviewers, autoMerge };
  }

  private async rebuild(): Promise<undefined> {
    const maxRebuilds = this.options.maxRebuilds ?? 3;
    if ((this.rebuilds += 1) > maxRebuilds) {
      const base = this.snapshot.base.name;
      throw new PromotionError(
        `The base branch ${base} of ${this.repo.owner}/${this.repo.repo} kept moving while Stagecoach promoted ${this.request.from} → ${this.request.to}: ` +
          `gave up after rebuilding the promotion ${maxRebuilds} times. Run it again when pushes to ${base} settle.`,
      );
    }
    this.built = await this.build();
    this.memory.check = undefined;
    this.memory.commit = undefined;
    this.memory.opened = undefined;
    return undefined;
  }

  /** A write of this run lost to a concurrent promotion: decide again on `fresh` (bounded). */
  private lostRace(fresh: Snapshot): undefined {
    const maxRaces = this.options.maxRaces ?? 6;
    if ((this.races += 1) > maxRaces) {
      throw new PromotionError(
        `Another promotion kept updating the branch ${this.branch} of ${this.repo.owner}/${this.repo.repo} (${maxRaces} conflicting writes): ` +
          `make sure only one workflow promotes ${this.request.from} → ${this.request.to} at a time (a \`concurrency:\` group).`,
      );
    }
    this.snapshot = fresh;
    this.memory.check = undefined;
    return undefined;
  }

  /** Rewrites the PR for the plan a later promotion committed to the branch, rebuilt from that commit alone. */
  private async repairBody(pr: NonNullable<Snapshot['pullRequest']>, held: HeldPlan): Promise<void> {
    const described = await this.request
      .describe(held.parent, held.commit)
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const policyDraft = this.request.policy.draft;
    const failed = held.gates === 'failed';
    const body = rebuiltBody(this.request, held, described, failed && !policyDraft);
    const draft = draftChange(failed || policyDraft, pr.draft, parsePromotionBlock(pr.body)?.gateDraft === true);
    this.memory.bodies.add(held.hash);
    await this.github.updatePullRequest(this.repo, pr, {
      // Another run's commit subject: not necessarily made by this version, so fitted here too.
      title: fitTitle(held.subject),
      body,
      ...(draft !== undefined ? { draft } : {}),
    });
  }

  private message(): string {
    const { built, request } = this;
    return renderCommitMessage(built.plan, {
      [TRAILER_PLAN]: built.hash,
      [TRAILER_BUILT_AT]: built.builtAt,
      ...(request.gates ? { [TRAILER_GATES]: request.gates } : {}),
      ...(request.sourceCommit ? { [TRAILER_SOURCE]: request.sourceCommit.sha } : {}),
    });
  }

  private async commit(): Promise<undefined> {
    const { built } = this;
    this.memory.commit = await this.github.commitFiles(this.repo, {
      baseTree: built.tree,
      parent: built.base,
      files: built.files,
      ...(built.executable ? { executable: built.executable } : {}),
      message: this.message(),
    });
    this.memory.ownCommits.add(this.memory.commit);
    return undefined;
  }

  /** Compare-and-swap from the head this pass decided on: a concurrent write in between makes it fail, never lost. */
  private async moveBranch(commit: string, from: string | undefined): Promise<undefined> {
    const expected = { repositoryId: this.snapshot.repositoryId, ...(from ? { head: from } : {}) };
    if (!(await this.github.setBranch(this.repo, this.branch, commit, expected)))
      return this.lostRace(await this.read());
    this.snapshot = { ...this.snapshot, branch: { head: commit, parents: [this.built.base], message: this.message() } };
    return undefined;
  }

  private body(): string {
    const { built, request } = this;
    const gateDraft = request.draft === true && !request.policy.draft;
    this.memory.bodies.add(built.hash);
    return renderPullRequestBody({
      plan: built.plan,
      planHash: built.hash,
      commit: this.memory.commit,
      builtAt: built.builtAt,
      ...(request.sourceCommit ? { sourceCommit: request.sourceCommit } : {}),
      ...(request.gateReport ? { gateReport: request.gateReport } : {}),
      ...(request.gateResults ? { gates: request.gateResults } : {}),
      ...(request.context ? { context: { ...request.context, head: this.memory.commit ?? this.branch } } : {}),
      ...(gateDraft ? { gateDraft } : {}),
    });
  }

  private async open(): Promise<undefined> {
    const draft = this.request.policy.draft || this.request.draft === true;
    const input = {
      head: this.branch,
      base: this.snapshot.base.name,
      title: commitSubject(this.built.plan),
      body: this.body(),
      draft,
    };
    const opened = await this.github.openPullRequest(this.repo, input);
    if (!opened) return this.lostRace(await this.read());
    this.memory.created = { number: opened.number, url: opened.url };
    this.memory.opened = { baseSha: opened.baseSha };
    this.snapshot = {
      ...this.snapshot,
      pullRequest: {
        number: opened.number,
        nodeId: opened.nodeId,
        url: opened.url,
        title: input.title,
        body: input.body,
        draft,
      },
    };
    return undefined;
  }

  /** Whatever the PR lacks; what GitHub refuses is a warning, never a failed promotion. */
  private async decorate(step: Extract<Step, { kind: 'decorate' }>): Promise<undefined> {
    this.memory.decorated = true;
    const pr = step.pullRequest;
    if (step.decorations)
      this.warnings.push(...(await this.github.decoratePullRequest(this.repo, pr, step.decorations)));
    if (step.autoMergeRefused) {
      this.warnings.push(
        `Pull request #${pr.number}: auto-merge is not enabled yet: GitHub refuses it while the pull request can be merged at once (${step.autoMergeRefused.toLowerCase()} status, no check or review pending). Stagecoach enables it on a later run that finds a check pending; or merge it by hand.`,
      );
    }
    return undefined;
  }

  private async update(step: Extract<Step, { kind: 'update' }>): Promise<undefined> {
    await this.github.updatePullRequest(this.repo, step.pullRequest, {
      title: commitSubject(this.built.plan),
      body: this.body(),
      ...(step.draft !== undefined ? { draft: step.draft } : {}),
    });
    // Another promotion may have written the branch or the body between our writes: the next step checks both.
    this.snapshot = await this.read();
    this.memory.check = this.snapshot;
    return undefined;
  }

  private pullRequestRef(): Pick<PublishResult, 'number' | 'url'> {
    const pr = this.snapshot.pullRequest;
    return pr ? { number: pr.number, url: pr.url } : {};
  }

  private finish(operation: PublishResult['operation'], extra: Partial<PublishResult> = {}): Outcome {
    return {
      operation,
      branch: this.branch,
      ...extra,
      ...(this.warnings.length > 0 ? { warnings: this.warnings } : {}),
    };
  }
}
