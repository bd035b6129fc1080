// The CLI's one job: arguments → engine → printed result and exit code.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { findStage } from '../core/config/index.js';
import { renderCommitMessage } from '../core/report/commit-message.js';
import { renderGateText } from '../core/report/gate-report.js';
import { renderPlanText } from '../core/report/plan-text.js';
import { renderStatusText } from '../core/report/status-text.js';
import { renderVerifyText } from '../core/report/verify-report.js';
import { createCommands } from '../adapters/commands.js';
import { createGit } from '../adapters/git.js';
import { createLocalFiles } from '../adapters/local-files.js';
import { dockerConfigPath } from '../adapters/docker-config.js';
import { createRegistryOnDemand, type RegistryOptions } from '../adapters/registry.js';
import { describeError, PromotionError, UsageError } from '../core/errors.js';
import { quoteControlInMessage } from '../core/report/terminal-text.js';
import { definedEnvironment, runGatedPromotion } from '../engine/gate.js';
import { loadPipeline } from '../engine/load-config.js';
import { planRequestFor, planStages } from '../engine/plan.js';
import { promotionBranch } from '../engine/publish.js';
import { readStatus } from '../engine/status.js';
import { verifyPullRequest } from '../engine/verify.js';
import { parseCliArguments, USAGE, type CliArguments } from './arguments.js';

export interface CliIo {
  cwd: string;
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

async function execute(args: CliArguments, io: CliIo): Promise<number> {
  const root = path.resolve(io.cwd, args.repo);
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
  const pipeline = await loadPipeline(files, { config: args.config, stages: args.stages });
  if (args.command === 'status') {
    const board = await readStatus(files, pipeline);
    print(board, renderStatusText(board));
    return 0;
  }
  const request = planRequestFor(args.to as string, args.only, args.images, args.from);
  if (args.command === 'plan') {
    const { plan } = await planStages(files, pipeline, request, registry);
    print(plan, renderPlanText(plan));
    return args.exitCode && plan.changes.length > 0 ? EXIT_PENDING : 0;
  }

  if (args.commit && !(await git.head()))
    throw new UsageError(`--commit: ${args.repo} is not a git repository with a commit`);
  const result = await runGatedPromotion(
    { files, workDir: root, git, registry, commands: createCommands(), now, baseEnv: definedEnvironment(io.env ?? {}) },
    pipeline,
    request,
    { allowDowngrade: args.allowDowngrade, keep: false },
  );
  const { plan, written, gates } = result;
  const gateText = gates.length > 0 ? `\n\nGates:\n${renderGateText(gates)}` : '';
  if (!result.passed) {
    if (args.json) io.stdout(JSON.stringify({ ...plan, gates, written: [] }, null, 2));
    throw new PromotionError(`${renderPlanText(plan)}${gateText}\n\nA gate failed: nothing was written.`);
  }
  let commit: { branch: string; sha: string } | undefined;
  if (!args.dryRun && plan.changes.length > 0) {
    // With --commit the branch is made before any file is written, so a taken branch name leaves the tree untouched.
    const branch = promotionBranch(findStage(pipeline, plan.to).pullRequest.branch, plan.from, plan.to);
    if (args.commit) await git.createBranch(branch);
    for (const [file, text] of Object.entries(written)) await files.write(file, text);
    if (args.commit) commit = { branch, sha: await git.commit(Object.keys(written), renderCommitMessage(plan)) };
  }
  const verb = args.dryRun ? 'Would write' : 'Wrote';
  const tail =
    plan.changes.length === 0
      ? ''
      : `\n\n${verb} ${Object.keys(written).length} file(s)${commit ? `; committed ${commit.sha.slice(0, 12)} on branch ${commit.branch}` : ''}.`;
  print(
    { ...plan, gates, written: Object.keys(written), ...(commit ? { commit } : {}) },
    `${renderPlanText(plan)}${gateText}${tail}`,
  );
  return 0;
}

export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  // The last line of defence: no ESC sequence from a file or registry reaches the terminal raw (fields are quoted earlier).
  const io: CliIo = {
    ...rawIo,
    stdout: (text) => rawIo.stdout(quoteControlInMessage(text)),
    stderr: (text) => rawIo.stderr(quoteControlInMessage(text)),
  };
  try {
    const args = parseCliArguments(argv);
    if (args === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    return await execute(args, io);
  } catch (error) {
    const { exitCode, message } = describeError(error, { debug, debugHint: 'run with --debug for details' });
    io.stderr(`stagecoach: ${message}`);
    return exitCode;
  }
}
