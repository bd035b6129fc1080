// The CLI's one job: arguments → engine → printed result and exit code.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { findStage, type Pipeline } from '../core/config/index.js';
import { renderCommitMessage } from '../core/report/commit-message.js';
import { renderGateText } from '../core/report/gate-report.js';
import { renderPlanText } from '../core/report/plan-text.js';
import { renderStatusText } from '../core/report/status-text.js';
import { renderVerifyText } from '../core/report/verify-report.js';
import { createCommands } from '../adapters/commands.js';
import { createGit, type Git } from '../adapters/git.js';
import { createLocalFiles } from '../adapters/local-files.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import { acquireRepoLock } from '../adapters/repo-lock.js';
import { dockerConfigPath } from '../adapters/docker-config.js';
import { createRegistryOnDemand, type Registry, type RegistryOptions } from '../adapters/registry.js';
import { describeError, PromotionError, UsageError } from '../core/errors.js';
import { definedEnvironment, runGatedPromotion, type GatedPromotion } from '../engine/gate.js';
import { DEFAULT_CONFIG, loadPipeline } from '../engine/load-config.js';
import { findRepoRoot } from '../adapters/repo-root.js';
import { planRequestFor, planStages, type PlanRequest } from '../engine/plan.js';
import { promotionBranch } from '../engine/publish.js';
import { readStatus } from '../engine/status.js';
import { liveDependencies, readLive } from '../engine/live.js';
import { WAIT_EXIT_CODES, waitForRollout } from '../engine/wait.js';
import { scanStage } from '../engine/scan.js';
import { liveSourceVersions } from '../engine/live-source.js';
import { formatDuration } from '../core/duration.js';
import { verifyPullRequest } from '../engine/verify.js';
import { parseCliArguments, usage, type CliArguments } from './arguments.js';
import { createProgress, paint, wantsColour, type Progress } from './terminal.js';
import { checkStageNames } from '../engine/load-config.js';
import { quoteControlInMessage as quoteMessage, renderMarks } from '../core/report/terminal-text.js';

export interface CliIo {
  cwd: string;
  /** Whether stdout / stderr are terminals: colour and the progress line go there only. */
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  /** Writes to stderr as is (no newline added): the progress line and live gate output. */
  stderrRaw?(text: string): void;
  version?: string;
  /** How long `promote` waits for another promotion of the same repository (default 5 s). */
  lockWaitMs?: number;
  env?: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const EXIT_PENDING = 3;

/** Registry access for the CLI: flags, plus the user's Docker config.json (as `docker login` leaves it). */
function registryOptions(args: CliArguments, io: CliIo): RegistryOptions {
  const dockerConfig = dockerConfigPath(io.env ?? {});
  const ca = args.registryCa ? path.resolve(io.cwd, args.registryCa) : undefined;
  if (ca && !existsSync(ca)) throw new UsageError(`--registry-ca ${args.registryCa}: no such file`);
  return {
    ...(dockerConfig && existsSync(dockerConfig) ? { dockerConfig: readFileSync(dockerConfig, 'utf8') } : {}),
    ...(ca ? { caCertificates: readFileSync(ca, 'utf8') } : {}),
    plainHttp: args.plainHttp,
  };
}

async function execute(args: CliArguments, io: CliIo, progress: Progress): Promise<number> {
  const found = args.repo === undefined ? findRepoRoot(io.cwd, args.config ?? DEFAULT_CONFIG) : undefined;
  const root = found?.root ?? path.resolve(io.cwd, args.repo as string);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`--repo ${args.repo}: no such folder`);
  const files = createLocalFiles(root);
  const git = createGit(root);
  const registry = createRegistryOnDemand(registryOptions(args, io));
  const print = (value: unknown, text: string) => io.stdout(args.json ? JSON.stringify(value, null, 2) : text);
  const now = Math.floor(Date.now() / 1000);

  if (args.command === 'verify') {
    // verify reads the base revision's config, never the working tree's (which may be the pull request's).
    const result = await verifyPullRequest(
      { git, registry, now },
      { base: args.base as string, head: args.head, to: args.to, config: args.config },
    );
    print(result, renderVerifyText(result));
    return result.passed ? 0 : 1;
  }
  const lookedIn =
    found &&
    `${root} (${found.found === 'git top-level' ? 'the git top-level of the current folder' : 'the current folder'})`;
  const pipeline = await loadPipeline(files, { config: args.config, stages: args.stages, lookedIn });
  checkStageNames(pipeline, { '--from': args.from, '--to': args.to });
  if (args.command === 'status') {
    const head = await git.head();
    const board = await readStatus(files, pipeline, head ? { git, revision: head } : undefined);
    if (!args.live) {
      print(board, renderStatusText(board));
      return 0;
    }
    const live = await readLive(pipeline, board, liveDependencies(root, io.env ?? {}));
    print({ ...board, live }, renderStatusText(board, live));
    return 0;
  }
  if (args.command === 'wait') return waitCommand(args, io, root, pipeline, files);
  const request = planRequestFor(args.to as string, args.only, args.images, args.from);
  if (args.sourceLive) {
    const source = await scanStage(files, pipeline, findStage(pipeline, args.from as string));
    request.live = await liveSourceVersions(pipeline, source, liveDependencies(root, io.env ?? {}));
  }
  if (args.command === 'plan') {
    const { plan } = await planStages(files, pipeline, request, registry, (phase, detail) =>
      progress.phase(phase, detail),
    );
    progress.stop();
    print(plan, renderPlanText(plan));
    return args.exitCode && plan.changes.length > 0 ? EXIT_PENDING : 0;
  }

  return promote(args, io, { root, files, git, registry, now, print, progress }, pipeline, request);
}

/** wait: phases on stdout (stderr with --json), the outcome last; exit 0, 1 or 4. */
async function waitCommand(
  args: CliArguments,
  io: CliIo,
  root: string,
  pipeline: Pipeline,
  files: RepoFiles,
): Promise<number> {
  checkStageNames(pipeline, { '--stage': args.waitStage });
  const stage = findStage(pipeline, args.waitStage as string);
  if (stage.live.length === 0)
    throw new UsageError(
      `stage ${stage.name} has no live: section: say where it runs (stages[].live in stagecoach.yaml)`,
    );
  const deps = liveDependencies(root, io.env ?? {});
  if (args.waitCommit) {
    const sha = await deps.git.resolve(args.waitCommit);
    if (!sha)
      throw new UsageError(
        `--commit ${args.waitCommit}: no such commit in ${root} (fetch it, e.g. actions/checkout with fetch-depth: 0)`,
      );
    deps.commit = sha;
  }
  const source = await scanStage(files, pipeline, stage);
  const say = args.json ? io.stderr : io.stdout;
  const result = await waitForRollout(
    pipeline,
    source,
    { timeoutSeconds: args.timeoutSeconds ?? 900, stableForSeconds: args.stableForSeconds ?? 0, onPhase: say },
    deps,
  );
  const took = formatDuration(Math.round(result.elapsedMs / 1000));
  const text =
    result.outcome === 'succeeded'
      ? `${stage.name} rolled out (${took}).`
      : `${stage.name}: ${result.outcome === 'timeout' ? `timed out after ${took} while still rolling out` : result.outcome}:\n${result.reasons.map((r) => `  ${r}`).join('\n')}`;
  io.stdout(args.json ? JSON.stringify(result, null, 2) : text);
  return WAIT_EXIT_CODES[result.outcome];
}

interface PromoteContext {
  root: string;
  files: RepoFiles;
  git: Git;
  registry: Registry;
  now: number;
  print(value: unknown, text: string): void;
  progress: Progress;
}

/** `promote`: under the repository's lock, gate, then write every file (all or nothing) and, with --commit, commit them. */
async function promote(
  args: CliArguments,
  io: CliIo,
  { root, files, git, registry, now, print, progress }: PromoteContext,
  pipeline: Pipeline,
  request: PlanRequest,
): Promise<number> {
  if (args.commit) {
    // Before any gate runs: what would stop the commit anyway (no commit, no identity, a held index lock).
    const problems = await git.commitProblems(undefined, []);
    if (problems.length > 0) throw new UsageError(`--commit: ${problems.join('; ')}`);
  }
  const lock = await acquireRepoLock(root, { waitMs: io.lockWaitMs });
  try {
    const result = await runGatedPromotion(
      {
        files,
        workDir: root,
        git,
        registry,
        // On a terminal the gates' output shows as it comes; their tail is printed either way when one fails.
        commands: createCommands(
          io.stderrIsTTY && io.stderrRaw ? { echo: (text) => progress.output(quoteMessage(text)) } : {},
        ),
        now,
        baseEnv: definedEnvironment(io.env ?? {}),
        onPhase: (phase, detail) => progress.phase(phase, detail),
        live: liveDependencies(root, io.env ?? {}),
      },
      pipeline,
      request,
      { allowDowngrade: args.allowDowngrade, skipStages: args.skipStages },
    );
    progress.stop();
    const { plan, written, gates } = result;
    const gateText = gates.length > 0 ? `\n\nGates:\n${renderGateText(gates)}` : '';
    if (!result.passed) {
      if (args.json) io.stdout(JSON.stringify({ ...plan, gates, written: [] }, null, 2));
      throw new PromotionError(`${renderPlanText(plan)}${gateText}\n\nA gate failed: nothing was written.`);
    }
    const names = Object.keys(written);
    const commit = args.dryRun || names.length === 0 ? undefined : await write(args, pipeline, result, { files, git });
    const verb = args.dryRun ? 'Would write' : 'Wrote';
    const tail =
      plan.changes.length === 0
        ? ''
        : `\n\n${verb} ${names.length} file(s)${commit ? `; committed ${commit.sha.slice(0, 12)} on branch ${commit.branch}` : ''}.`;
    print(
      { ...plan, gates, written: names, ...(commit ? { commit } : {}) },
      `${renderPlanText(plan)}${gateText}${tail}`,
    );
    return 0;
  } finally {
    lock.release();
  }
}

/** Writes the promotion, all or nothing; with --commit on a new branch, after checking that only it gets committed. */
async function write(
  args: CliArguments,
  pipeline: Pipeline,
  { plan, written }: GatedPromotion,
  { files, git }: Pick<PromoteContext, 'files' | 'git'>,
): Promise<{ branch: string; sha: string } | undefined> {
  if (!args.commit) {
    await files.writeAll(written);
    return undefined;
  }
  const names = Object.keys(written);
  const branch = promotionBranch(findStage(pipeline, plan.to).pullRequest.branch, plan.from, plan.to);
  const problems = await git.commitProblems(branch, names);
  if (problems.length > 0)
    throw new PromotionError(`Cannot commit the promotion (nothing was written):\n  ${problems.join('\n  ')}`);
  const sha = await git.commitOnNewBranch(branch, names, renderCommitMessage(plan), () => files.writeAll(written));
  return { branch, sha };
}

export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  const env = rawIo.env ?? {};
  const colour = {
    out: wantsColour(env, rawIo.stdoutIsTTY ?? false),
    err: wantsColour(env, rawIo.stderrIsTTY ?? false),
  };
  const progress = createProgress((text) => rawIo.stderrRaw?.(text), !!rawIo.stderrIsTTY && !!rawIo.stderrRaw);
  // The last line of defence: no ESC sequence from a file or registry reaches the terminal raw (fields are quoted
  // earlier); our own marks become colour on a terminal and vanish elsewhere.
  const io: CliIo = {
    ...rawIo,
    stdout: (text) => {
      progress.clear();
      rawIo.stdout(renderMarks(quoteMessage(text), colour.out ? paint : undefined));
    },
    stderr: (text) => {
      progress.clear();
      rawIo.stderr(renderMarks(quoteMessage(text), colour.err ? paint : undefined));
    },
  };
  try {
    const args = parseCliArguments(argv);
    if ('version' in args) {
      io.stdout(`stagecoach ${rawIo.version ?? 'unknown'}`);
      return 0;
    }
    if ('help' in args) {
      io.stdout(usage(args.command));
      return 0;
    }
    return await execute(args, io, progress);
  } catch (error) {
    const { exitCode, message } = describeError(error, { debug, debugHint: 'run with --debug for details' });
    io.stderr(`stagecoach: ${message}`);
    return exitCode;
  } finally {
    progress.stop();
  }
}
