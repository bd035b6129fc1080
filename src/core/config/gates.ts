// A stage's `gates:`: what must hold before a promotion INTO the stage opens its pull request (registry, soak,
// commands), and what a failure does.
import { isMap, isScalar } from 'yaml';
import {
  type Checker,
  type Entry,
  type KeyTree,
  describe,
  readBoolean,
  readDuration,
  readEnum,
  readList,
  readMap,
  readNonEmptyString,
} from './checker.js';

/** What a failed gate does: `fail` (no pull request) or `draft` (a draft pull request that shows the failure). */
export const GATE_FAILURE_MODES = ['fail', 'draft'] as const;
export type GateFailureMode = (typeof GATE_FAILURE_MODES)[number];

export interface CommandGate {
  name: string;
  run: string;
  timeoutSeconds: number;
  env: Record<string, string>;
}
/** The source stage's live health (promotion OUT of it into this stage): applied, rolled out, stable. */
export interface HealthGate {
  timeoutSeconds: number;
  stableForSeconds: number;
}
export interface Gates {
  registry: false | { pin: boolean };
  health: false | HealthGate;
  soakSeconds: number;
  commands: CommandGate[];
  onFailure: GateFailureMode;
}

const DEFAULT_COMMAND_TIMEOUT_SECONDS = 600;

const REGISTRY_KEYS = { pin: null } as const satisfies KeyTree;
const HEALTH_KEYS = { timeout: null, stableFor: null } as const satisfies KeyTree;
export const DEFAULT_HEALTH: HealthGate = { timeoutSeconds: 600, stableForSeconds: 30 };
// env's keys are the user's variable names: a leaf here.
const COMMAND_KEYS = { name: null, run: null, timeout: null, env: null } as const satisfies KeyTree;
export const GATE_KEYS = {
  registry: REGISTRY_KEYS,
  health: HEALTH_KEYS,
  soak: null,
  commands: COMMAND_KEYS,
  onFailure: null,
} as const satisfies KeyTree;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function defaultGates(): Gates {
  return { registry: false, health: false, soakSeconds: 0, commands: [], onFailure: 'fail' };
}

export function readGates(c: Checker, entry: Entry, path: string): Gates {
  const gates = defaultGates();
  const expected = 'a mapping such as "{ registry: true, soak: 1h }"';
  const fields = readMap(c, entry.value, entry.key, path, GATE_KEYS, expected);
  if (!fields) return gates;
  const registry = fields.get('registry');
  if (registry) gates.registry = readRegistry(c, registry, `${path}.registry`);
  const health = fields.get('health');
  if (health) gates.health = readHealth(c, health, `${path}.health`);
  const soak = fields.get('soak');
  if (soak) gates.soakSeconds = readDuration(c, soak.value, soak.key, `${path}.soak`) ?? 0;
  const commands = fields.get('commands');
  if (commands) gates.commands = readCommands(c, commands, `${path}.commands`);
  const onFailure = fields.get('onFailure');
  if (onFailure)
    gates.onFailure = readEnum(c, onFailure.value, onFailure.key, `${path}.onFailure`, GATE_FAILURE_MODES) ?? 'fail';
  return gates;
}

/** `true`, `false` or `{ pin: true }`. */
function readRegistry(c: Checker, entry: Entry, path: string): Gates['registry'] {
  const node = entry.value;
  if (isScalar(node) && typeof node.value === 'boolean') return node.value ? { pin: false } : false;
  if (!isMap(node)) {
    c.report(node ?? entry.key, path, `expected true, false or { pin: true }, got ${describe(node)}`);
    return false;
  }
  const options = readMap(c, node, entry.key, path, REGISTRY_KEYS, 'true, false or { pin: true }');
  const pin = options?.get('pin');
  return { pin: pin ? (readBoolean(c, pin.value, pin.key, `${path}.pin`) ?? false) : false };
}

/** `true`, `false` or `{ timeout, stableFor }`. */
function readHealth(c: Checker, entry: Entry, path: string): Gates['health'] {
  const node = entry.value;
  if (isScalar(node) && typeof node.value === 'boolean') return node.value ? { ...DEFAULT_HEALTH } : false;
  const what = 'true, false or { timeout: 10m, stableFor: 30s }';
  if (!isMap(node)) {
    c.report(node ?? entry.key, path, `expected ${what}, got ${describe(node)}`);
    return false;
  }
  const options = readMap(c, node, entry.key, path, HEALTH_KEYS, what);
  const gate = { ...DEFAULT_HEALTH };
  const timeout = options?.get('timeout');
  if (timeout)
    gate.timeoutSeconds = readDuration(c, timeout.value, timeout.key, `${path}.timeout`) ?? gate.timeoutSeconds;
  const stable = options?.get('stableFor');
  if (stable)
    gate.stableForSeconds = readDuration(c, stable.value, stable.key, `${path}.stableFor`) ?? gate.stableForSeconds;
  return gate;
}

function readCommands(c: Checker, entry: Entry, path: string): CommandGate[] {
  const expected = 'a list of commands such as "- { name: build, run: kustomize build envs/prod }"';
  return readList(c, entry, path, expected, (item, list, itemPath) => {
    const what = 'a command such as "{ name: build, run: kustomize build envs/prod }"';
    const fields = readMap(c, item, list, itemPath, COMMAND_KEYS, what);
    if (!fields || !item) return undefined;
    const run = fields.get('run');
    const command = run ? readNonEmptyString(c, run.value, run.key, `${itemPath}.run`, 'a command line') : undefined;
    if (!run)
      c.report(item, itemPath, 'missing "run:"; give the command to run, e.g. "run: kustomize build envs/prod"');
    const name = fields.get('name');
    const gate: CommandGate = {
      name:
        (name && readNonEmptyString(c, name.value, name.key, `${itemPath}.name`, 'a name for the check')) ||
        command ||
        '',
      run: command ?? '',
      timeoutSeconds: DEFAULT_COMMAND_TIMEOUT_SECONDS,
      env: {},
    };
    const timeout = fields.get('timeout');
    if (timeout) {
      const seconds = readDuration(c, timeout.value, timeout.key, `${itemPath}.timeout`);
      if (seconds === 0)
        c.report(timeout.value ?? timeout.key, `${itemPath}.timeout`, 'expected a duration above zero, e.g. 5m');
      else if (seconds !== undefined) gate.timeoutSeconds = seconds;
    }
    const env = fields.get('env');
    if (env) gate.env = readEnv(c, env, `${itemPath}.env`);
    return gate;
  });
}

/** Variable names to values; numbers and booleans are passed as written (`RETRIES: 3` is "3"). */
function readEnv(c: Checker, entry: Entry, path: string): Record<string, string> {
  const env: Record<string, string> = {};
  const node = entry.value;
  if (!isMap(node)) {
    c.report(
      node ?? entry.key,
      path,
      `expected a mapping of variable names to values, such as "{ FOO: bar }", got ${describe(node)}`,
    );
    return env;
  }
  for (const pair of node.items) {
    const key = c.resolve(pair.key);
    const name = isScalar(key) ? String(key.value) : '';
    if (!ENV_NAME.test(name)) {
      c.report(
        key ?? node,
        path,
        `"${name}" is not a variable name; use letters, digits and _, not starting with a digit`,
      );
      continue;
    }
    const value = c.resolve(pair.value);
    if (isScalar(value) && value.value !== null && typeof value.value !== 'object') {
      env[name] = typeof value.value === 'string' ? value.value : String(value.source ?? value.value);
    } else c.report(value ?? key ?? node, `${path}.${name}`, `expected a value, got ${describe(value)}`);
  }
  return env;
}
