// The CLI's one job: arguments → engine → printed result and exit code.
import path from 'node:path';
import { renderPlanText } from '../core/report/plan-text.js';
import { renderStatusText } from '../core/report/status-text.js';
import { renderCommitMessage } from '../core/report/commit-message.js';
import { findStage } from '../core/config.js';
import { createGit } from '../adapters/git.js';
import { createLocalFiles } from '../adapters/local-files.js';
import { describeError, UsageError } from '../engine/errors.js';
import { loadPipeline } from '../engine/pipeline.js';
import { planStages, promoteStages } from '../engine/promotion.js';
import { readStatus } from '../engine/status.js';
import { parseCliArguments, USAGE, type CliArguments } from './arguments.js';
import { existsSync, statSync } from 'node:fs';

export interface CliIo {
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const EXIT_PENDING = 3;

function branchName(template: string, from: string, to: string): string {
  return template.replaceAll('{from}', from).replaceAll('{to}', to);
}

async function execute(args: CliArguments, io: CliIo): Promise<number> {
  const root = path.resolve(io.cwd, args.repo);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`--repo ${args.repo}: no such folder`);
  const files = createLocalFiles(root);
  const pipeline = await loadPipeline(files, { config: args.config, stages: args.stages });
  const print = (value: unknown, text: string) => io.stdout(args.json ? JSON.stringify(value, null, 2) : text);

  if (args.command === 'status') {
    const board = await readStatus(files, pipeline);
    print(board, renderStatusText(board));
    return 0;
  }
  const request = { from: args.from, to: args.to as string, only: args.only };
  if (args.command === 'plan') {
    const { plan } = await planStages(files, pipeline, request);
    print(plan, renderPlanText(plan));
    return args.exitCode && plan.changes.length > 0 ? EXIT_PENDING : 0;
  }
  const git = createGit(root);
  if (args.commit && !(await git.head())) throw new UsageError(`--commit: ${args.repo} is not a git repository with a commit`);
  // With --commit the branch is made before any file is written, so a taken branch name leaves the tree untouched.
  const { plan, written } = await promoteStages(files, pipeline, request, { allowDowngrade: args.allowDowngrade, dryRun: args.dryRun || args.commit });
  let commit: { branch: string; sha: string } | undefined;
  if (args.commit && plan.changes.length > 0) {
    const branch = branchName(findStage(pipeline, plan.to).pullRequest.branch, plan.from, plan.to);
    await git.createBranch(branch);
    for (const [file, text] of Object.entries(written)) await files.write(file, text);
    commit = { branch, sha: await git.commit(Object.keys(written), renderCommitMessage(plan)) };
  }
  const verb = args.dryRun ? 'Would write' : 'Wrote';
  const tail = plan.changes.length === 0 ? '' : `\n\n${verb} ${Object.keys(written).length} file(s)${commit ? `; committed ${commit.sha.slice(0, 12)} on branch ${commit.branch}` : ''}.`;
  print({ ...plan, written: Object.keys(written), ...(commit ? { commit } : {}) }, `${renderPlanText(plan)}${tail}`);
  return 0;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const args = parseCliArguments(argv);
    if (args === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    return await execute(args, io);
  } catch (error) {
    const { exitCode, message } = describeError(error, debug);
    io.stderr(`stagecoach: ${message}`);
    return exitCode;
  }
}
