// The `commands` gate: runs each of a stage's checks (from stagecoach.yaml) in the rewritten config repo, in order.
// The plan reaches a command only through STAGECOACH_* variables and the plan file, never through its command line.
import { CommandStartError, type Commands } from '../../adapters/commands.js';
import type { CommandGate } from '../../core/config/index.js';
import { formatDuration } from '../../core/duration.js';
import type { Plan } from '../../core/plan-types.js';
import type { GateResult } from '../../core/gate-result.js';

const OUTPUT_LINES = 40;

/**
 * Credentials are never handed to checks: a check's output lands in the job summary and the PR body, and whoever can
 * edit stagecoach.yaml (or a script it calls) could otherwise print or send away the token Stagecoach writes with
 * (GITHUB_TOKEN, INPUT_GITHUB-TOKEN, ACTIONS_RUNTIME_TOKEN, ...). A check that needs one declares it in its own `env:`.
 */
const CREDENTIAL_NAME = /TOKEN|SECRET|PASSW(OR)?D|CREDENTIAL|AUTH|API_?KEY|ACCESS_KEY|PRIVATE/i;
/** The action's own inputs (INPUT_REGISTRY-CREDENTIALS holds passwords) and the runner's internals. */
const RUNNER_PRIVATE = /^(INPUT_|ACTIONS_)/i;

/** `baseEnv` without the action's inputs, the runner's internals and the variables whose names look like credentials. */
export function forwardableEnvironment(baseEnv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(baseEnv).filter(([name]) => !CREDENTIAL_NAME.test(name) && !RUNNER_PRIVATE.test(name)),
  );
}

/** The STAGECOACH_* variables every check sees. */
export function gateEnvironment(plan: Plan, planFile: string): Record<string, string> {
  const files = [...new Set(plan.changes.map((change) => change.file))].sort();
  return {
    STAGECOACH_FROM: plan.from,
    STAGECOACH_TO: plan.to,
    STAGECOACH_PLAN_FILE: planFile,
    STAGECOACH_CHANGES: String(plan.changes.length),
    STAGECOACH_IMAGES: plan.images.map((image) => `${image.image}=${image.new}`).join('\n'),
    STAGECOACH_FILES: files.join('\n'),
  };
}

/**
 * One result per command, in order; a failure does not stop the rest, so one run shows every broken check.
 * Environment, later wins: `baseEnv` (credentials removed), the command's own `env`, then the STAGECOACH_* values.
 */
export async function runCommandGates(
  commands: Commands,
  gates: CommandGate[],
  context: { cwd: string; plan: Plan; planFile: string; baseEnv: Record<string, string> },
): Promise<GateResult[]> {
  const base = forwardableEnvironment(context.baseEnv);
  const stagecoach = gateEnvironment(context.plan, context.planFile);
  const results: GateResult[] = [];
  for (const gate of gates) {
    const env = { ...base, ...gate.env, ...stagecoach };
    const label = `command "${gate.name}"${gate.name === gate.run ? '' : ` (${oneLine(gate.run)})`}`;
    const started = performance.now();
    try {
      const run = await commands.run(gate.run, { cwd: context.cwd, env, timeoutMs: gate.timeoutSeconds * 1000 });
      const passed = run.exitCode === 0 && !run.timedOut;
      const why = run.timedOut
        ? `timed out after ${formatDuration(gate.timeoutSeconds)} and was stopped; raise its "timeout:" if it needs longer`
        : run.signal
          ? `was killed by ${run.signal}`
          : `failed with exit code ${run.exitCode}`;
      results.push({
        gate: 'commands',
        name: gate.name,
        passed,
        durationMs: run.durationMs,
        details: passed ? [] : [`${label} ${why}`],
        output: lastLines(run.output, OUTPUT_LINES),
      });
    } catch (error) {
      if (!(error instanceof CommandStartError)) throw error;
      results.push({
        gate: 'commands',
        name: gate.name,
        passed: false,
        durationMs: Math.round(performance.now() - started),
        details: [`${label} could not start: ${error.reason}`],
      });
    }
  }
  return results;
}

function oneLine(text: string): string {
  const first = text.trim().split('\n')[0];
  return first.length < text.trim().length ? `${first} …` : first;
}

/** The last `count` lines, trailing blank lines dropped. */
function lastLines(output: string, count: number): string {
  return output.trimEnd().split('\n').slice(-count).join('\n');
}
