// The `commands` gate: runs each of a stage's checks (from stagecoach.yaml) in a rewritten copy of the config repo, in order.
// The plan reaches a command only through STAGECOACH_* variables and the plan file, never through its command line.
import { CommandStartError, type Commands } from '../../adapters/commands.js';
import type { CommandGate } from '../../core/config/index.js';
import { formatDuration } from '../../core/duration.js';
import type { Plan } from '../../core/plan-types.js';
import type { GateResult } from '../../core/gate-result.js';
import type { TreeChanges } from '../../adapters/scratch-copy.js';

const OUTPUT_LINES = 40;

/**
 * What a check gets from Stagecoach's own environment: an allowlist. Its output lands in the job summary and the PR body,
 * and whoever can edit stagecoach.yaml (or a script it calls) could otherwise print or send away any credential the
 * runner holds (GITHUB_TOKEN, INPUT_GITHUB-TOKEN, GH_PAT, DATABASE_URL...). A check that needs more declares it in its own
 * `env:`. Not GITHUB_ENV, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STATE nor GITHUB_STEP_SUMMARY: through them a check could
 * change the steps that follow.
 */
const FORWARDED = new Set([
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'TMPDIR',
  'CI',
  ...[
    'ACTION',
    'ACTION_PATH',
    'ACTION_REF',
    'ACTION_REPOSITORY',
    'ACTIONS',
    'ACTOR',
    'ACTOR_ID',
    'API_URL',
    'BASE_REF',
    'EVENT_NAME',
    'EVENT_PATH',
    'GRAPHQL_URL',
    'HEAD_REF',
    'JOB',
    'REF',
    'REF_NAME',
    'REF_PROTECTED',
    'REF_TYPE',
    'REPOSITORY',
    'REPOSITORY_ID',
    'REPOSITORY_OWNER',
    'REPOSITORY_OWNER_ID',
    'RETENTION_DAYS',
    'RUN_ATTEMPT',
    'RUN_ID',
    'RUN_NUMBER',
    'SERVER_URL',
    'SHA',
    'TRIGGERING_ACTOR',
    'WORKFLOW',
    'WORKFLOW_REF',
    'WORKFLOW_SHA',
    'WORKSPACE',
  ].map((name) => `GITHUB_${name}`),
  ...['ARCH', 'DEBUG', 'ENVIRONMENT', 'NAME', 'OS', 'TEMP', 'TOOL_CACHE', 'WORKSPACE'].map((name) => `RUNNER_${name}`),
]);
/** Proxies are passed on only without credentials in them (`http://user:pass@proxy` is withheld). */
const PROXY = /^(HTTPS?_PROXY|NO_PROXY|ALL_PROXY)$/i;
/** Names whose value is a secret whatever it looks like: withheld values under them are masked in the published output. */
const SECRET_NAME =
  /TOKEN|SECRET|PASS|PWD|CRED|AUTH|KEY|PRIVATE|SESSION|COOKIE|WEBHOOK|DSN|SIGN|SALT|KUBECONFIG|URL|URI|CONN/i;
const MIN_MASKED = 4;

function hasUserinfo(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(value.trim());
}

function forwarded(name: string, value: string): boolean {
  return FORWARDED.has(name) || name.startsWith('LC_') || (PROXY.test(name) && !hasUserinfo(value));
}

/** `baseEnv` reduced to the allowlist: what a check starts from. */
export function forwardableEnvironment(baseEnv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(baseEnv).filter(([name, value]) => forwarded(name, value)));
}

/**
 * The withheld values a published output must not show: those of secret-like names, URLs with credentials (and their
 * password alone), and token-like strings. Plain values (a user name, a folder) are left alone: masking them everywhere
 * would garble the output for nothing.
 */
export function secretsToMask(baseEnv: Record<string, string>): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(baseEnv)) {
    if (forwarded(name, value) || name === 'PWD' || name === 'OLDPWD') continue;
    const tokenLike = /^[A-Za-z0-9+/=_.~-]{20,}$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
    if (!SECRET_NAME.test(name) && !hasUserinfo(value) && !tokenLike) continue;
    for (const part of [value, ...value.split(/\r?\n/), ...userinfoParts(value)])
      if (part.trim().length >= MIN_MASKED) secrets.add(part.trim());
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** The password (raw and decoded) of every `scheme://user:password@` in `value`. */
function userinfoParts(value: string): string[] {
  const parts: string[] = [];
  for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/([^/?#\s:@]*):([^/?#\s@]*)@/gi)) {
    parts.push(match[2]);
    try {
      parts.push(decodeURIComponent(match[2]));
    } catch {
      // not percent-encoded
    }
  }
  return parts;
}

/** `text` with every secret replaced by `***`, as GitHub masks its log. */
export function maskSecrets(text: string, secrets: string[]): string {
  let masked = text;
  for (const secret of secrets) masked = masked.split(secret).join('***');
  return masked;
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

export interface CommandGateContext {
  /** Where the commands run: a scratch copy of the config repo with the promotion written. */
  cwd: string;
  plan: Plan;
  planFile: string;
  baseEnv: Record<string, string>;
  /** The files a command added, deleted or changed in `cwd` (reported with its result; the working tree is untouched). */
  changes?: () => TreeChanges;
  /** Told as each command starts (the CLI's progress line). */
  onGate?: (name: string) => void;
}

/**
 * One result per command, in order; a failure does not stop the rest, so one run shows every broken check.
 * Environment, later wins: the allowlisted part of `baseEnv`, the command's own `env`, then the STAGECOACH_* values.
 */
export async function runCommandGates(
  commands: Commands,
  gates: CommandGate[],
  context: CommandGateContext,
): Promise<GateResult[]> {
  const base = forwardableEnvironment(context.baseEnv);
  const secrets = secretsToMask(context.baseEnv);
  const stagecoach = gateEnvironment(context.plan, context.planFile);
  const results: GateResult[] = [];
  for (const gate of gates) {
    const env = { ...base, ...gate.env, ...stagecoach };
    const label = `command "${gate.name}"${gate.name === gate.run ? '' : ` (${oneLine(gate.run)})`}`;
    const started = performance.now();
    context.onGate?.(gate.name);
    try {
      const run = await commands.run(gate.run, { cwd: context.cwd, env, timeoutMs: gate.timeoutSeconds * 1000 });
      const passed = run.exitCode === 0 && !run.timedOut;
      const why = run.timedOut
        ? `timed out after ${formatDuration(gate.timeoutSeconds)} and was stopped; raise its "timeout:" if it needs longer`
        : run.signal
          ? `was killed by ${run.signal}`
          : `failed with exit code ${run.exitCode}`;
      const changed = describeChanges(label, context.changes?.());
      results.push({
        gate: 'commands',
        name: gate.name,
        passed,
        durationMs: run.durationMs,
        details: [...(passed ? [] : [`${label} ${why}`]), ...changed],
        output: maskSecrets(lastLines(run.output, OUTPUT_LINES), secrets),
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

const LISTED = 10;

/** One line naming what a command added, deleted or changed in the scratch copy; none when it changed nothing. */
function describeChanges(label: string, changes: TreeChanges | undefined): string[] {
  if (!changes) return [];
  const list = (files: string[]) =>
    files.slice(0, LISTED).join(', ') + (files.length > LISTED ? ` and ${files.length - LISTED} more` : '');
  const parts = [
    changes.added.length > 0 ? `added ${list(changes.added)}` : '',
    changes.deleted.length > 0 ? `deleted ${list(changes.deleted)}` : '',
    changes.changed.length > 0 ? `changed ${list(changes.changed)}` : '',
  ].filter(Boolean);
  return parts.length === 0
    ? []
    : [`${label} ${parts.join('; ')} (in the scratch copy it ran in; the working tree is untouched)`];
}

function oneLine(text: string): string {
  const first = text.trim().split('\n')[0];
  return first.length < text.trim().length ? `${first} …` : first;
}

/** The last `count` lines, trailing blank lines dropped. */
function lastLines(output: string, count: number): string {
  return output.trimEnd().split('\n').slice(-count).join('\n');
}
