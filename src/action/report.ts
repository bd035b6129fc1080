// What the action tells: annotations, outputs within GitHub's limits (the whole JSON in a file beside them), the
// resolved inputs at debug level and the log's closing line.
import path from 'node:path';
import type { Plan } from '../core/plan-types.js';
import { fitJson } from '../core/report/json-output.js';
import { planTotals, targetSkipped } from '../core/report/job-summary.js';
import type { ActionIo } from '../adapters/action-io.js';
import type { ActionInputs } from './inputs.js';

/** Annotations name files relative to the workspace (GitHub's expectation); the engine's are relative to the config repo. */
export function workspacePath(inputs: ActionInputs, file: string): string {
  return path.relative(inputs.workspace, path.join(inputs.workingDirectory, file)).split(path.sep).join('/');
}

/** One notice per skipped target file (what the promotion cannot write); the source's skips only at debug level. */
function annotate(io: ActionIo, plan: Plan, inputs: ActionInputs): void {
  const seen = new Set<string>();
  for (const item of targetSkipped(plan)) {
    if (seen.has(item.file)) continue;
    seen.add(item.file);
    io.log('notice', `Skipped, never written: ${item.reason}`, {
      file: workspacePath(inputs, item.file),
      line: item.line,
    });
  }
  for (const item of plan.skipped.filter((skipped) => skipped.fromSource))
    io.log('debug', `Skipped in the source stage: ${item.file}:${item.line}: ${item.reason}`);
  for (const item of plan.warnings)
    io.log(
      'warning',
      item.message,
      item.file ? { file: workspacePath(inputs, item.file), line: item.line, column: item.column } : undefined,
    );
}

/** Sets output `name` (compact, cut when too large) and `name-file`: the whole JSON in the job's temp folder. */
export function setJsonOutput(io: ActionIo, name: string, value: object): void {
  const file = io.saveFile(`${name}.json`, JSON.stringify(value, null, 2));
  io.setOutput(`${name}-file`, file);
  io.setOutput(name, fitJson(value, file));
}

export function reportPlan(io: ActionIo, plan: Plan, inputs: ActionInputs): void {
  setJsonOutput(io, 'plan', plan);
  io.setOutput('changes', String(plan.changes.length));
  annotate(io, plan, inputs);
  io.log(
    'info',
    plan.changes.length === 0
      ? `Nothing to promote from ${plan.from} to ${plan.to}.`
      : `Plan ${plan.from} → ${plan.to}: ${planTotals(plan)}.`,
  );
}

/** The inputs as resolved (defaults applied), for a debug run; the token and registry passwords never. */
export function logInputs(io: ActionIo, inputs: ActionInputs): void {
  const { token: _token, registry, ...rest } = inputs;
  const shown = {
    ...rest,
    registry: {
      hosts: Object.keys(registry.credentials ?? {}),
      dockerConfig: registry.dockerConfig !== undefined,
      caCertificates: registry.caCertificates !== undefined,
      plainHttp: registry.plainHttp ?? [],
    },
  };
  for (const [name, value] of Object.entries(shown)) io.log('debug', `input ${name}: ${JSON.stringify(value)}`);
}

/** The last line of a promote run: what happened to the pull request, so a rerun that changed nothing reads so. */
export function publishedLine(published: { operation: string; url?: string; number?: number } | undefined): string {
  if (!published) return 'No pull request: a gate failed (on-gate-failure: fail).';
  const pr = published.url ? ` ${published.url}` : '';
  switch (published.operation) {
    case 'created':
      return `Opened pull request${pr}.`;
    case 'updated':
      return `Updated pull request${pr} with the new plan.`;
    case 'unchanged':
      return `Pull request${pr} already holds this plan: nothing changed.`;
    case 'closed':
      return `Closed pull request${pr}: there is nothing left to promote.`;
    default:
      return 'Nothing to promote: no pull request.';
  }
}
