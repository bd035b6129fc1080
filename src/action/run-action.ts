// The action: inputs → engine → outputs. The one place that fails the step, whatever was thrown.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findStage, type Pipeline } from '../core/config/index.js';
import { renderPlanSummary, renderStatusSummary } from '../core/report/job-summary.js';
import { renderVerifySummary } from '../core/report/verify-report.js';
import { createActionIo, type ActionIo } from '../adapters/action-io.js';
import { createCommands } from '../adapters/commands.js';
import { createGit } from '../adapters/git.js';
import { createGitHub } from '../adapters/github/index.js';
import { createLocalFiles } from '../adapters/local-files.js';
import { createRegistryOnDemand } from '../adapters/registry.js';
import { readInputs, type ActionInputs } from './inputs.js';
import { logInputs, publishedLine, reportPlan, setJsonOutput, workspacePath } from './report.js';
import { describeError, PromotionError, UsageError } from '../core/errors.js';
import {
  definedEnvironment,
  runGatedPromotion,
  type GatedPromotion,
  type GatedPromotionDependencies,
} from '../engine/gate.js';
import type { PublishResult } from '../engine/publish.js';
import { checkStageNames, DEFAULT_CONFIG, loadPipeline } from '../engine/load-config.js';
import { planRequestFor, planStages, type OnPhase, type PlanRequest } from '../engine/plan.js';
import { openCheckout, promoteWithPullRequest } from '../engine/promote.js';
import { readStatus } from '../engine/status.js';
import { waitForRollout } from '../engine/wait.js';
import { scanStage } from '../engine/scan.js';
import { liveSourceVersions } from '../engine/live-source.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import { liveDependencies, readLive } from '../engine/live.js';
import { clusterSecrets } from '../adapters/cluster.js';
import { verifyPullRequest } from '../engine/verify.js';

/** The plan request; with `source: live`, the source stage's versions as they run on its clusters. */
async function requestFor(
  inputs: ActionInputs,
  files: RepoFiles,
  pipeline: Pipeline,
  env: NodeJS.ProcessEnv,
): Promise<PlanRequest> {
  const request = planRequest(inputs);
  if (!inputs.sourceLive || !inputs.from) return request;
  const source = await scanStage(files, pipeline, findStage(pipeline, inputs.from));
  return {
    ...request,
    live: await liveSourceVersions(pipeline, source, liveDependencies(inputs.workingDirectory, env)),
  };
}

/** wait: phases in the log, the outcome in outputs and the summary; the step fails unless it rolled out. */
async function waitStep(
  io: ActionIo,
  inputs: ActionInputs,
  files: RepoFiles,
  pipeline: Pipeline,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  maskClusterSecrets(io, pipeline, env);
  const stage = findStage(pipeline, inputs.to as string);
  if (stage.live.length === 0)
    throw new UsageError(
      `stage ${stage.name} has no live: section: say where it runs (stages[].live in stagecoach.yaml)`,
    );
  const options = inputs.wait as NonNullable<ActionInputs['wait']>;
  const deps = liveDependencies(inputs.workingDirectory, env);
  if (options.commit) {
    const sha = await deps.git.resolve(options.commit);
    if (!sha)
      throw new UsageError(
        `input commit: ${options.commit} is not in the checkout (use actions/checkout with fetch-depth: 0)`,
      );
    deps.commit = sha;
  }
  const source = await scanStage(files, pipeline, stage);
  const result = await waitForRollout(pipeline, source, { ...options, onPhase: (text) => io.log('info', text) }, deps);
  io.setOutput('rollout', result.outcome);
  io.setOutput('live', JSON.stringify(result.live));
  await io.summary(
    `## Rollout of ${stage.name}: ${result.outcome}\n\n${result.reasons.map((r) => `- ${r}`).join('\n')}\n`,
  );
  if (result.outcome !== 'succeeded')
    throw new PromotionError(`${stage.name}: ${result.outcome}: ${result.reasons.join('; ')}`);
}

/** Every cluster credential is masked before anything reads a cluster (or could print a value). */
function maskClusterSecrets(io: ActionIo, pipeline: Pipeline, env: NodeJS.ProcessEnv): void {
  for (const cluster of pipeline.clusters) for (const secret of clusterSecrets(cluster, env)) io.setSecret(secret);
}

function hasCheckout(inputs: ActionInputs): boolean {
  return existsSync(path.join(inputs.workingDirectory, inputs.config ?? DEFAULT_CONFIG));
}

function planRequest(inputs: ActionInputs): PlanRequest {
  return planRequestFor(inputs.to, inputs.only, inputs.images, inputs.from);
}

/** Each phase in its own log group. */
function phases(io: ActionIo): OnPhase {
  let open: string | undefined;
  return (phase, detail) => {
    // A phase told again (more files found) stays in its group; a gate of its own gets one.
    const name = phase === 'scan' ? `scan: ${detail.replace(/ \([\d,]+ files\)$/, '')}` : `${phase}: ${detail}`;
    if (name !== open) io.group(name);
    open = name;
  };
}

/** "promoted by @actor via run #N", from the run's environment. */
function runContext(env: NodeJS.ProcessEnv, repo: { owner: string; repo: string }) {
  const server = env.GITHUB_SERVER_URL;
  const repoUrl = server ? `${server}/${repo.owner}/${repo.repo}` : undefined;
  const runUrl =
    server && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY ?? `${repo.owner}/${repo.repo}`}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  return {
    ...(repoUrl ? { repoUrl } : {}),
    ...(env.GITHUB_ACTOR ? { actor: env.GITHUB_ACTOR } : {}),
    ...(runUrl && env.GITHUB_RUN_NUMBER ? { run: { number: env.GITHUB_RUN_NUMBER, url: runUrl } } : {}),
  };
}

/** promote with dry-run: the gated plan, its outputs and summary; nothing published. */
async function dryRun(
  io: ActionIo,
  inputs: ActionInputs,
  common: Omit<GatedPromotionDependencies, 'files'>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  io.group('config');
  const files = createLocalFiles(inputs.workingDirectory);
  const pipeline = await loadPipeline(files, { config: inputs.config });
  checkStageNames(pipeline, { 'input from': inputs.from || undefined, 'input to': inputs.to });
  maskClusterSecrets(io, pipeline, env);
  const request = await requestFor(inputs, files, pipeline, env);
  const gated = await runGatedPromotion({ ...common, files }, pipeline, request, {
    allowDowngrade: inputs.allowDowngrade,
    skipStages: inputs.skipStages,
  });
  io.group(undefined);
  reportPlan(io, gated.plan, inputs);
  io.setOutput('operation', 'none');
  io.log('info', 'Dry run: no pull request.');
  await io.summary(
    renderPlanSummary(gated.plan, { heading: 'Promotion plan (dry run)', gates: gated.gates, planFile: 'plan-file' }),
  );
  if (!gated.passed) throw new PromotionError(`A gate failed for ${gated.plan.to}: see the job summary.`);
}

/** What the PR step did: outputs, the log's last line, the summary; the step fails when a gate did. */
async function reportPublished(
  io: ActionIo,
  gated: GatedPromotion,
  published: PublishResult | undefined,
): Promise<void> {
  io.setOutput('operation', published?.operation ?? 'none');
  if (published) {
    io.setOutput('branch', published.branch);
    if (published.number !== undefined) io.setOutput('pull-request-number', String(published.number));
    if (published.url) io.setOutput('pull-request-url', published.url);
    if (published.commitSha) io.setOutput('commit-sha', published.commitSha);
    for (const warning of published.warnings ?? []) io.log('warning', warning);
  }
  io.log('info', `operation: ${published?.operation ?? 'none'}. ${publishedLine(published)}`);
  const heading = gated.passed
    ? `Promotion ${published?.operation ?? 'none'}`
    : published
      ? `Promotion ${published.operation} as a draft because a gate failed`
      : 'Promotion stopped by a gate';
  await io.summary(
    renderPlanSummary(gated.plan, {
      heading,
      gates: gated.gates,
      planFile: 'plan-file',
      ...(published?.url ? { pullRequest: { url: published.url, operation: published.operation } } : {}),
    }),
  );
  if (!gated.passed)
    throw new PromotionError(
      `A gate failed for ${gated.plan.to}${published?.url ? `; the draft pull request ${published.url} shows why` : '; no pull request was opened'}. See the job summary.`,
    );
}

async function promote(io: ActionIo, inputs: ActionInputs, env: NodeJS.ProcessEnv): Promise<void> {
  const registry = createRegistryOnDemand(inputs.registry);
  const now = Math.floor(Date.now() / 1000);
  const baseEnv = definedEnvironment(env);
  const local = hasCheckout(inputs);
  const git = local ? createGit(inputs.workingDirectory) : undefined;
  const commands = createCommands();
  const onPhase = phases(io);
  const live = liveDependencies(inputs.workingDirectory, env);
  const common = {
    workDir: inputs.workingDirectory,
    ...(git ? { git } : {}),
    registry,
    commands,
    now,
    baseEnv,
    onPhase,
    live,
  };

  if (inputs.dryRun) return dryRun(io, inputs, common, env);

  const repo = inputs.repository as { owner: string; repo: string };
  io.group('config');
  const github = createGitHub({
    token: inputs.token,
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
    ...(env.GITHUB_GRAPHQL_URL ? { graphqlUrl: env.GITHUB_GRAPHQL_URL } : {}),
    onWarning: (message) => io.log('warning', message),
  });
  const checkout = await openCheckout({
    github,
    repo,
    ...(git ? { git, workDir: inputs.workingDirectory } : {}),
    ...(inputs.base ? { base: inputs.base } : {}),
    ...(inputs.config ? { config: inputs.config } : {}),
  });
  const { files } = checkout;
  const pipeline: Pipeline = await loadPipeline(files, { config: inputs.config });
  checkStageNames(pipeline, { 'input from': inputs.from || undefined, 'input to': inputs.to });
  maskClusterSecrets(io, pipeline, env);
  const stage = findStage(pipeline, inputs.to);
  const policy = { ...stage.pullRequest, ...inputs.policy };
  const context = runContext(env, repo);
  const { gated, published } = await promoteWithPullRequest(
    { ...common, github, repo, checkout },
    {
      pipeline,
      plan: await requestFor(inputs, files, pipeline, env),
      allowDowngrade: inputs.allowDowngrade,
      skipStages: inputs.skipStages,
      ...(inputs.base ? { base: inputs.base } : {}),
      policy,
      onGateFailure: inputs.onGateFailure ?? stage.gates.onFailure,
      // The plan is reported before publishing, so that a GitHub failure still leaves the plan and its outputs.
      onGated: (planned) => {
        io.group(undefined);
        reportPlan(io, planned.plan, inputs);
        io.group('publish');
      },
      context,
      ...(checkout.workTree && env.GITHUB_SERVER_URL
        ? {
            sourceCommit: {
              sha: checkout.head,
              url: `${env.GITHUB_SERVER_URL}/${repo.owner}/${repo.repo}/commit/${checkout.head}`,
            },
          }
        : {}),
    },
  );
  io.group(undefined);
  await reportPublished(io, gated, published);
}

async function verify(io: ActionIo, inputs: ActionInputs): Promise<void> {
  const git = createGit(inputs.workingDirectory);
  const result = await verifyPullRequest(
    { git, registry: createRegistryOnDemand(inputs.registry), now: Math.floor(Date.now() / 1000) },
    {
      base: inputs.baseSha as string,
      head: inputs.headSha ?? 'HEAD',
      ...(inputs.to ? { to: inputs.to } : {}),
      ...(inputs.config ? { config: inputs.config } : {}),
    },
  );
  for (const change of result.changes) {
    for (const problem of change.problems)
      io.log('error', `${change.image} ${change.new}: ${problem}`, {
        file: workspacePath(inputs, change.file),
        line: change.line,
        column: change.column,
      });
  }
  for (const item of result.skipped) io.log('error', item.reason, { file: workspacePath(inputs, item.file), line: 1 });
  io.setOutput('passed', String(result.passed));
  setJsonOutput(io, 'verify', result);
  await io.summary(renderVerifySummary(result));
  if (!result.passed)
    throw new PromotionError(
      'verify failed: the pull request sets versions that have not passed through the stage before it (see the annotations and the job summary).',
    );
}

export async function run(io: ActionIo = createActionIo(), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const inputs = readInputs(io, env);
    logInputs(io, inputs);
    if (inputs.command === 'promote') return await promote(io, inputs, env);
    if (inputs.command === 'verify') return await verify(io, inputs);
    io.group('config');
    const files = createLocalFiles(inputs.workingDirectory);
    const pipeline = await loadPipeline(files, { config: inputs.config });
    if (inputs.command === 'wait') return await waitStep(io, inputs, files, pipeline, env);
    if (inputs.command === 'status') {
      io.group(undefined);
      maskClusterSecrets(io, pipeline, env);
      // The checkout's first-parent history tells behind from drift for unordered tags (fetch-depth: 0 shows it all).
      const git = createGit(inputs.workingDirectory);
      const head = await git.head();
      const board = await readStatus(files, pipeline, head ? { git, revision: head } : undefined);
      setJsonOutput(io, 'status', board);
      const live = inputs.live
        ? await readLive(pipeline, board, liveDependencies(inputs.workingDirectory, env))
        : undefined;
      if (live) io.setOutput('live', JSON.stringify(live));
      await io.summary(renderStatusSummary(board, live));
      return;
    }
    checkStageNames(pipeline, { 'input from': inputs.from || undefined, 'input to': inputs.to });
    maskClusterSecrets(io, pipeline, env);
    const request = await requestFor(inputs, files, pipeline, env);
    const { plan } = await planStages(files, pipeline, request, createRegistryOnDemand(inputs.registry), phases(io));
    io.group(undefined);
    reportPlan(io, plan, inputs);
    await io.summary(renderPlanSummary(plan, { planFile: 'plan-file' }));
  } catch (error) {
    io.group(undefined);
    io.fail(
      describeError(error, {
        debug: env.RUNNER_DEBUG === '1',
        debugHint: 're-run the job with debug logging enabled for details',
      }).message,
    );
  }
}
