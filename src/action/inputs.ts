// The action's inputs: read, masked and checked all at once, before anything runs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDuration } from '../core/duration.js';
import {
  COMMANDS,
  GATE_FAILURE_MODES,
  MERGE_METHODS,
  type CommandName,
  type GateFailureMode,
  type PullRequestPolicy,
} from '../core/config/index.js';
import type { ActionIo } from '../adapters/action-io.js';
import { dockerConfigPath } from '../adapters/docker-config.js';
import { INVALID_EVENT_PATH } from '../adapters/event-file.js';
import type { RegistryCredentials, RegistryOptions } from '../adapters/registry.js';
import { UsageError } from '../core/errors.js';

export interface ActionInputs {
  command: CommandName;
  from: string;
  to: string;
  images: string[];
  only: string[];
  config?: string;
  workspace: string;
  workingDirectory: string;
  dryRun: boolean;
  /** status: read the clusters of stages with live:. */
  live: boolean;
  /** plan/promote `source: live`: the source stage's versions from its clusters. */
  sourceLive: boolean;
  /** wait: the commit, how long, how long stable (seconds). */
  wait?: { commit?: string; timeoutSeconds: number; stableForSeconds: number };
  allowDowngrade: boolean;
  skipStages: boolean;
  token: string;
  repository?: { owner: string; repo: string };
  base?: string;
  /** Overrides of the target stage's pullRequest policy. */
  policy: Partial<PullRequestPolicy>;
  onGateFailure?: GateFailureMode;
  registry: RegistryOptions;
  /** verify: the revisions to compare; default from the pull_request event. */
  baseSha?: string;
  headSha?: string;
}

function list(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

function parseBoolean(name: string, value: string, problems: string[]): boolean | undefined {
  if (value === '') return undefined;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  problems.push(`input ${name}: expected true or false, got "${value}"`);
  return undefined;
}

/** `HOST=USERNAME:PASSWORD` per line; each password is masked before anything can log it. */
function parseCredentials(io: ActionIo, value: string, problems: string[]): Record<string, RegistryCredentials> {
  const credentials: Record<string, RegistryCredentials> = {};
  value
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .forEach((line, index) => {
      const match = /^([^=\s]+)=([^:]+):(.+)$/.exec(line);
      if (!match) {
        const secret = line.split(':').slice(1).join(':');
        if (secret) io.setSecret(secret);
        problems.push(`input registry-credentials, line ${index + 1}: expected HOST=USERNAME:PASSWORD`);
        return;
      }
      io.setSecret(match[3]);
      credentials[match[1]] = { username: match[2], password: match[3] };
    });
  return credentials;
}

/** The commits a pull_request event compares, or those of a merge queue's merge_group event (its parent and its head). */
function eventPullRequest(env: NodeJS.ProcessEnv, problems: string[]): { base?: string; head?: string } {
  const setAside = env[INVALID_EVENT_PATH];
  if (setAside) problems.push(`GITHUB_EVENT_PATH ${setAside} is not valid JSON: the runner writes the event there`);
  if (!env.GITHUB_EVENT_PATH || !existsSync(env.GITHUB_EVENT_PATH)) return {};
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { base?: { sha?: string }; head?: { sha?: string } };
      merge_group?: { base_sha?: string; head_sha?: string };
    };
    if (event?.merge_group) return { base: event.merge_group.base_sha, head: event.merge_group.head_sha };
    return { base: event?.pull_request?.base?.sha, head: event?.pull_request?.head?.sha };
  } catch (error) {
    const why = error instanceof SyntaxError ? 'is not valid JSON' : `cannot be read (${(error as Error).message})`;
    problems.push(`GITHUB_EVENT_PATH ${env.GITHUB_EVENT_PATH} ${why}: the runner writes the event there`);
    return {};
  }
}

function readRepository(io: ActionIo, env: NodeJS.ProcessEnv, needed: boolean, problems: string[]) {
  const value = io.input('repository') || env.GITHUB_REPOSITORY || '';
  if (!value) {
    if (needed) problems.push('input repository: no repository given and GITHUB_REPOSITORY is not set');
    return undefined;
  }
  const match = /^([A-Za-z0-9-_.]+)\/([A-Za-z0-9-_.]+)$/.exec(value);
  if (match && !/^\.+$/.test(match[1]) && !/^\.+$/.test(match[2])) return { owner: match[1], repo: match[2] };
  problems.push(`input repository: expected OWNER/NAME, got "${value}"`);
  return undefined;
}

/** The pull request inputs that override the target stage's pullRequest policy. */
function readPolicy(io: ActionIo, problems: string[]): Partial<PullRequestPolicy> {
  const policy: Partial<PullRequestPolicy> = {};
  for (const [input, field] of [
    ['labels', 'labels'],
    ['reviewers', 'reviewers'],
    ['team-reviewers', 'teamReviewers'],
    ['assignees', 'assignees'],
  ] as const) {
    if (io.input(input)) policy[field] = list(io.input(input));
  }
  const draft = parseBoolean('draft', io.input('draft'), problems);
  if (draft !== undefined) policy.draft = draft;
  const autoMerge = io.input('auto-merge');
  if (autoMerge === 'false') policy.autoMerge = false;
  else if ((MERGE_METHODS as readonly string[]).includes(autoMerge))
    policy.autoMerge = autoMerge as PullRequestPolicy['autoMerge'];
  else if (autoMerge)
    problems.push(
      `input auto-merge: expected ${['false', ...MERGE_METHODS].join(', ').replace(/, (\w+)$/, ' or $1')}, got "${autoMerge}"`,
    );
  if (io.input('branch')) policy.branch = io.input('branch');
  return policy;
}

/** Registry access: credentials (masked already), the Docker config, a CA file and plain-http hosts. */
function readRegistry(
  io: ActionIo,
  env: NodeJS.ProcessEnv,
  workspace: string,
  credentials: Record<string, RegistryCredentials>,
  problems: string[],
): () => RegistryOptions {
  const caFile = io.input('registry-ca');
  if (caFile && !existsSync(path.resolve(workspace, caFile)))
    problems.push(`input registry-ca: no such file ${caFile}`);
  const dockerConfigFile = io.input('docker-config') || dockerConfigPath(env) || '';
  if (io.input('docker-config') && !existsSync(path.resolve(workspace, dockerConfigFile)))
    problems.push(`input docker-config: no such file ${dockerConfigFile}`);
  const resolved = dockerConfigFile ? path.resolve(workspace, dockerConfigFile) : '';
  // Read only once every input checked out: nothing is read for a step that fails on its inputs.
  return () => ({
    credentials,
    ...(resolved && existsSync(resolved) ? { dockerConfig: readFileSync(resolved, 'utf8') } : {}),
    ...(caFile ? { caCertificates: readFileSync(path.resolve(workspace, caFile), 'utf8') } : {}),
    plainHttp: list(io.input('plain-http')),
  });
}

function readWorkingDirectory(io: ActionIo, workspace: string, problems: string[]): string {
  const workingDirectory = path.resolve(workspace, io.input('working-directory') || '.');
  if (io.input('working-directory') && !(existsSync(workingDirectory) && statSync(workingDirectory).isDirectory()))
    problems.push(
      `input working-directory: no such folder ${io.input('working-directory')} in the workspace (check out the config repository there first)`,
    );
  return workingDirectory;
}

/** The stages (or images) a command plans between. */
function readStages(io: ActionIo, command: string, problems: string[]): { from: string; to: string; images: string[] } {
  const from = io.input('from');
  const to = io.input('to');
  const images = list(io.input('images'));
  const plans = command === 'plan' || command === 'promote';
  if (plans && !from && images.length === 0)
    problems.push(`input from: ${command} needs the source stage (or input images)`);
  if (from && images.length > 0)
    problems.push('inputs from and images exclude each other: promote from a stage or from the registry');
  if (plans && !to) problems.push(`input to: ${command} needs the target stage`);
  return { from, to, images };
}

/** Whether live cluster state is read: `live` for status, `source: live` for plan and promote. */
function readLive(
  io: ActionIo,
  command: string,
  from: string,
  problems: string[],
): { live: boolean; sourceLive: boolean } {
  const live = parseBoolean('live', io.input('live'), problems) ?? false;
  if (live && command !== 'status') problems.push('input live: goes with command: status');
  const sourceInput = io.input('source');
  if (sourceInput && sourceInput !== 'live' && sourceInput !== 'git')
    problems.push(`input source: expected live or git, got "${sourceInput}"`);
  if (sourceInput === 'live' && !((command === 'plan' || command === 'promote') && from))
    problems.push(
      'input source: live goes with command plan or promote and input from (the stage whose clusters are read)',
    );
  return { live, sourceLive: sourceInput === 'live' };
}

function readWait(
  io: ActionIo,
  env: NodeJS.ProcessEnv,
  to: string,
  problems: string[],
): NonNullable<ActionInputs['wait']> {
  if (!to) problems.push('input to: wait needs the stage to wait for');
  const seconds = (name: string, fallback: string) => {
    try {
      return parseDuration(io.input(name) || fallback);
    } catch (error) {
      problems.push(`input ${name}: ${(error as Error).message}`);
      return 0;
    }
  };
  const commit = io.input('commit') || env.GITHUB_SHA;
  return {
    ...(commit ? { commit } : {}),
    timeoutSeconds: seconds('timeout', '15m'),
    stableForSeconds: seconds('stable-for', '0'),
  };
}

/** The base and head verify compares: inputs first, else the pull request (or merge group) of the event. */
function readRange(
  io: ActionIo,
  env: NodeJS.ProcessEnv,
  command: string,
  problems: string[],
): { baseSha?: string; headSha?: string } {
  const pr = command === 'verify' ? eventPullRequest(env, problems) : {};
  const baseSha = io.input('base-sha') || pr.base;
  const headSha = io.input('head-sha') || pr.head;
  if (command === 'verify' && !baseSha)
    problems.push('input base-sha: verify runs on pull_request and merge_group events (or give base-sha and head-sha)');
  return { baseSha, headSha };
}

export function readInputs(io: ActionIo, env: NodeJS.ProcessEnv): ActionInputs {
  const problems: string[] = [];
  // Mask first: nothing below may log a secret before it is registered.
  const token = io.input('github-token');
  if (token) io.setSecret(token);
  const credentials = parseCredentials(io, io.input('registry-credentials'), problems);

  const command = io.input('command') || 'plan';
  if (!(COMMANDS as readonly string[]).includes(command))
    problems.push(`input command: expected one of ${COMMANDS.join(', ')}, got "${command}"`);
  const { from, to, images } = readStages(io, command, problems);
  const dryRun = parseBoolean('dry-run', io.input('dry-run'), problems) ?? false;
  const { live, sourceLive } = readLive(io, command, from, problems);
  const wait = command === 'wait' ? readWait(io, env, to, problems) : undefined;
  const allowDowngrade = parseBoolean('allow-downgrade', io.input('allow-downgrade'), problems) ?? false;
  const skipStages = parseBoolean('skip-stages', io.input('skip-stages'), problems) ?? false;
  const publishes = command === 'promote' && !dryRun;
  if (publishes && !token)
    problems.push(
      'input github-token: promote opens a pull request and needs a token with contents: write and pull-requests: write (the default is github.token)',
    );
  const repository = readRepository(io, env, publishes, problems);
  const policy = readPolicy(io, problems);
  const onGateFailure = io.input('on-gate-failure');
  if (onGateFailure && !(GATE_FAILURE_MODES as readonly string[]).includes(onGateFailure))
    problems.push(`input on-gate-failure: expected ${GATE_FAILURE_MODES.join(' or ')}, got "${onGateFailure}"`);

  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const workingDirectory = readWorkingDirectory(io, workspace, problems);
  const registry = readRegistry(io, env, workspace, credentials, problems);
  const { baseSha, headSha } = readRange(io, env, command, problems);

  if (problems.length > 0)
    throw new UsageError(`The step's inputs need fixing:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    command: command as CommandName,
    from,
    to,
    images,
    only: list(io.input('only')),
    config: io.input('config') || undefined,
    workspace,
    workingDirectory,
    dryRun,
    live,
    sourceLive,
    ...(wait ? { wait } : {}),
    allowDowngrade,
    skipStages,
    token,
    ...(repository ? { repository } : {}),
    ...(io.input('base') ? { base: io.input('base') } : {}),
    policy,
    ...(onGateFailure ? { onGateFailure: onGateFailure as GateFailureMode } : {}),
    registry: registry(),
    ...(baseSha ? { baseSha } : {}),
    ...(headSha ? { headSha } : {}),
  };
}
