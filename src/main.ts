// The action: inputs → engine → outputs. The one place that fails the step, whatever was thrown.
import path from 'node:path';
import { renderPlanSummary, renderStatusSummary } from './core/report/job-summary.js';
import type { Plan } from './core/plan-types.js';
import { createActionIo, type ActionIo } from './adapters/action-io.js';
import { createLocalFiles } from './adapters/local-files.js';
import { describeError, UsageError } from './engine/errors.js';
import { loadPipeline } from './engine/pipeline.js';
import { planStages, promoteStages } from './engine/promotion.js';
import { readStatus } from './engine/status.js';

const COMMANDS = ['plan', 'promote', 'status'];

export interface ActionInputs {
  command: 'plan' | 'promote' | 'status';
  from: string;
  to: string;
  config?: string;
  workspace: string;
  workingDirectory: string;
  only: string[];
  dryRun: boolean;
  allowDowngrade: boolean;
}

function parseBoolean(name: string, value: string, problems: string[]): boolean {
  if (value === '') return false;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  problems.push(`input ${name}: expected true or false, got "${value}"`);
  return false;
}

/** Reads and checks every input, reporting all problems at once before anything runs. */
export function readInputs(io: ActionIo, env: NodeJS.ProcessEnv): ActionInputs {
  const problems: string[] = [];
  const command = io.input('command') || 'plan';
  if (!COMMANDS.includes(command)) problems.push(`input command: expected one of ${COMMANDS.join(', ')}, got "${command}"`);
  const from = io.input('from');
  const to = io.input('to');
  if (command !== 'status' && !from) problems.push(`input from: ${command} needs the source stage`);
  if (command !== 'status' && !to) problems.push(`input to: ${command} needs the target stage`);
  const dryRun = parseBoolean('dry-run', io.input('dry-run'), problems);
  const allowDowngrade = parseBoolean('allow-downgrade', io.input('allow-downgrade'), problems);
  if (command === 'promote' && !dryRun) {
    problems.push('input dry-run: promote in the action opens pull requests in a coming release; set dry-run: true for now, or use the CLI');
  }
  if (problems.length > 0) throw new UsageError(`The step's inputs need fixing:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  return {
    command: command as ActionInputs['command'],
    from,
    to,
    config: io.input('config') || undefined,
    workspace,
    workingDirectory: path.resolve(workspace, io.input('working-directory') || '.'),
    only: io
      .input('only')
      .split(/[\n,]/)
      .map((glob) => glob.trim())
      .filter(Boolean),
    dryRun,
    allowDowngrade,
  };
}

/** Annotations name files relative to the workspace (GitHub's expectation), the plan relative to the config repo. */
function annotate(io: ActionIo, plan: Plan, inputs: ActionInputs): void {
  const where = (file: string) => path.relative(inputs.workspace, path.join(inputs.workingDirectory, file)).split(path.sep).join('/');
  for (const item of plan.skipped) io.log('warning', `Skipped: ${item.reason}`, { file: where(item.file), line: item.line });
  for (const item of plan.warnings) io.log('warning', item.message, { file: where(item.file), line: item.line, column: item.column });
}

function reportPlan(io: ActionIo, plan: Plan, inputs: ActionInputs): Promise<void> {
  io.setOutput('plan', JSON.stringify(plan));
  io.setOutput('changes', String(plan.changes.length));
  annotate(io, plan, inputs);
  io.log('info', `${plan.changes.length} change(s) from ${plan.from} to ${plan.to}`);
  return io.summary(renderPlanSummary(plan));
}

export async function run(io: ActionIo = createActionIo(), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const inputs = readInputs(io, env);
    const files = createLocalFiles(inputs.workingDirectory);
    const pipeline = await loadPipeline(files, { config: inputs.config });
    if (inputs.command === 'status') {
      const board = await readStatus(files, pipeline);
      io.setOutput('status', JSON.stringify(board));
      await io.summary(renderStatusSummary(board));
      return;
    }
    const request = { from: inputs.from, to: inputs.to, only: inputs.only };
    if (inputs.command === 'plan') {
      await reportPlan(io, (await planStages(files, pipeline, request)).plan, inputs);
      return;
    }
    const { plan } = await promoteStages(files, pipeline, request, { allowDowngrade: inputs.allowDowngrade, dryRun: inputs.dryRun });
    await reportPlan(io, plan, inputs);
  } catch (error) {
    io.fail(describeError(error, env.RUNNER_DEBUG === '1').message);
  }
}
