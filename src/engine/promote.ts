// A gated promotion published as one pull request: gates on the checked-out files (or the API's), then the PR step.
import { findStage, type Pipeline, type PullRequestPolicy } from '../core/config/index.js';
import { appliedPlan } from '../core/plan.js';
import { renderGateReport } from '../core/report/gate-report.js';
import type { PromotionContext } from '../core/report/pull-request-body.js';
import type { BlobText, GitHub, GitHubTreeReader, RepoRef, Snapshot } from '../adapters/github/index.js';
import { BATCH_SIZE, createGitHubFiles } from '../adapters/github-files.js';
import type { Git } from '../adapters/git.js';
import { createLocalFiles } from '../adapters/local-files.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import { PromotionError, UsageError } from '../core/errors.js';
import { releasesOf, runGatedPromotion, type GatedPromotion, type GatedPromotionDependencies } from './gate.js';
import { planStages, type PlanRequest } from './plan.js';
import { releaseNotes } from './release-notes.js';
import { renderPromotion } from './rewrite.js';
import { DEFAULT_CONFIG } from './load-config.js';
import { promotionBranch, publishPromotion, type PublishResult } from './publish.js';
import { scanStage, stageFiles as ownedFiles } from './scan.js';

export interface PullRequestPromotionDependencies extends Omit<GatedPromotionDependencies, 'files'> {
  github: GitHub & GitHubTreeReader;
  repo: RepoRef;
  /** The files the promotion is gated on and the commit they are at: a local checkout (`workTree`), or the API's
   *  (`seed` takes texts read at `head` with a snapshot query, so that they cost no request of their own). */
  checkout: {
    files: GatedPromotionDependencies['files'];
    head: string;
    workTree: boolean;
    seed?: (files: ReadonlyMap<string, BlobText>) => void;
  };
}

export interface PullRequestPromotionRequest {
  pipeline: Pipeline;
  plan: PlanRequest;
  allowDowngrade: boolean;
  /** Allow a promotion over a stage or back up the pipeline. */
  skipStages?: boolean;
  base?: string;
  policy: PullRequestPolicy;
  onGateFailure: 'fail' | 'draft';
  sourceCommit?: { sha: string; url?: string };
  /** Who promoted and from which run, for the pull request body (its head is filled in by the PR step). */
  context?: Omit<PromotionContext, 'head'>;
  /** Called once the gates ran, before anything is published. */
  onGated?: (gated: GatedPromotion) => void;
}

export interface PullRequestPromotion {
  gated: GatedPromotion;
  /** Absent when a gate failed and onGateFailure is `fail`: no pull request was opened. */
  published?: PublishResult;
}

export type Checkout = PullRequestPromotionDependencies['checkout'];

/** The config repo to gate on: the local checkout when there is one (a git work tree), else the base branch's head read
 *  through the API (cross-repo promotions need no checkout), its config file read in the same query as the head. */
export async function openCheckout(deps: {
  github: GitHub & GitHubTreeReader;
  repo: RepoRef;
  git?: Pick<Git, 'head'>;
  workDir?: string;
  base?: string;
  config?: string;
}): Promise<Checkout> {
  const head = deps.git ? await deps.git.head() : undefined;
  if (head && deps.workDir) return { files: createLocalFiles(deps.workDir), head, workTree: true };
  const snapshot = await deps.github.snapshot(deps.repo, deps.base, 'stagecoach', [deps.config ?? DEFAULT_CONFIG]);
  const files = createGitHubFiles(deps.github, deps.repo, snapshot.base.head);
  if (snapshot.files) files.seed(snapshot.files);
  return { files, head: snapshot.base.head, workTree: false, seed: (texts) => files.seed(texts) };
}

/** The files a plan of `from` → `to` reads (the scan's selection), at most one GraphQL batch of them. */
async function stageFiles(files: RepoFiles, pipeline: Pipeline, names: (string | undefined)[]): Promise<string[]> {
  const found = new Set<string>();
  for (const stage of pipeline.stages.filter((candidate) => names.includes(candidate.name))) {
    // A path that names nothing is the scan's to report.
    const owned = await ownedFiles(files, pipeline, stage).catch(() => []);
    for (const { file } of owned) found.add(file);
  }
  return [...found].slice(0, BATCH_SIZE);
}

/** Without a checkout: the PR step's first snapshot, read with the texts the plan needs (one query instead of two). */
async function prefetch(deps: PullRequestPromotionDependencies, request: PullRequestPromotionRequest) {
  const { seed, files, head } = deps.checkout;
  if (!seed) return undefined;
  const from = request.plan.images ? 'images' : (request.plan.from ?? '');
  const branch = promotionBranch(request.policy.branch, from, request.plan.to);
  const paths = await stageFiles(files, request.pipeline, [request.plan.from, request.plan.to]);
  const snapshot = await deps.github.snapshot(deps.repo, request.base, branch, paths);
  // Texts at another head (the base moved meanwhile) are not the gated ones: the reads then go as usual.
  if (snapshot.base.head === head && snapshot.files) seed(snapshot.files);
  const { files: _texts, ...first } = snapshot;
  return first satisfies Snapshot;
}

/** The written files that are executable where they come from, so the API commit keeps their mode. */
async function executable(files: RepoFiles, written: Record<string, string>): Promise<string[]> {
  const modes = await Promise.all(Object.keys(written).map(async (file) => [file, await files.mode(file)] as const));
  return modes.filter(([, mode]) => mode === '100755').map(([file]) => file);
}

const key = (release: { image: string; version: { tag?: string; digest?: string } }) =>
  `${release.image}|${release.version.tag ?? ''}@${release.version.digest ?? ''}`;

export async function promoteWithPullRequest(
  deps: PullRequestPromotionDependencies,
  request: PullRequestPromotionRequest,
): Promise<PullRequestPromotion> {
  const { pipeline, plan: planRequest } = request;
  const { files, head: gatedOn, workTree } = deps.checkout;
  const stage = pipeline.stages.find((candidate) => candidate.name === planRequest.to);
  if (!workTree && stage && stage.gates.commands.length > 0) {
    throw new UsageError(
      `Stage ${stage.name} has command gates: they run in a checkout of the config repo (add actions/checkout before this step)`,
    );
  }
  const first = await prefetch(deps, request);
  const gated = await runGatedPromotion({ ...deps, files }, pipeline, planRequest, {
    allowDowngrade: request.allowDowngrade,
    skipStages: request.skipStages,
  });
  request.onGated?.(gated);
  if (!gated.passed && request.onGateFailure === 'fail') return { gated };
  const gatedReleases = new Set(releasesOf(gated.plan).map(key));
  // Labels only where the stage already has registry access (its registry gate): without it nothing is looked up.
  const notes =
    deps.registry && stage?.gates.registry && gated.plan.changes.length > 0
      ? await releaseNotes(deps.registry, gated.plan)
      : {};
  const context =
    request.context || Object.keys(notes).length > 0 ? { ...request.context, releaseNotes: notes } : undefined;
  const published = await publishPromotion(
    deps.github,
    {
      owner: deps.repo.owner,
      repo: deps.repo.repo,
      ...(request.base ? { base: request.base } : {}),
      from: gated.plan.from,
      to: gated.plan.to,
      policy: request.policy,
      ...(request.sourceCommit ? { sourceCommit: request.sourceCommit } : {}),
      ...(gated.gates.length > 0
        ? {
            gateReport: renderGateReport(gated.gates, { failureShown: !gated.passed, heading: '####' }),
            gateResults: gated.gates,
            gates: gated.passed ? 'passed' : 'failed',
          }
        : {}),
      ...(context ? { context } : {}),
      draft: !gated.passed || request.policy.draft,
      async build(baseSha) {
        if (baseSha === gatedOn)
          return { plan: gated.plan, files: gated.written, executable: await executable(files, gated.written) };
        // The base moved: plan again on it. The gates vouched for a set of versions; a plan that writes others must gate again.
        const moved = createGitHubFiles(deps.github, deps.repo, baseSha);
        const planned = await planStages(moved, pipeline, gated.request, deps.registry);
        if (releasesOf(planned.plan).some((release) => !gatedReleases.has(key(release)))) {
          throw new PromotionError(
            `The base branch moved while promoting and now asks for versions the gates did not check: run the promotion again`,
          );
        }
        const written = await renderPromotion(moved, pipeline, planned);
        return { plan: planned.plan, files: written, executable: await executable(moved, written) };
      },
      async describe(base, head) {
        // The commit lives on GitHub only (a concurrent run made it through the API): read both sides there.
        const [before, after] = await Promise.all(
          [base, head].map((sha) =>
            scanStage(createGitHubFiles(deps.github, deps.repo, sha), pipeline, findStage(pipeline, gated.plan.to)),
          ),
        );
        return appliedPlan(gated.plan.from, gated.plan.source, before, after);
      },
    },
    first ? { snapshot: first } : {},
  );
  return { gated, published };
}
