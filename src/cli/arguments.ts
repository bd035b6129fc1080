// `stagecoach` command line: parsed with node:util parseArgs, checked before anything runs. Every flag is one row of
// FLAGS (the commands it goes with, its help line): add a flag there and the parser, `--help` and the checks follow.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { COMMANDS, type CommandName } from '../core/config/index.js';
import { didYouMean, suggest } from '../core/config/did-you-mean.js';
import { parseDuration } from '../core/duration.js';
import { UsageError } from '../core/errors.js';

export interface CliArguments {
  command: CommandName;
  from?: string;
  to?: string;
  base?: string;
  head: string;
  /** Absent: the current folder, or the git top-level above it when that holds the config. */
  repo?: string;
  config?: string;
  stages: string[];
  only: string[];
  images: string[];
  plainHttp: string[];
  registryCa?: string;
  json: boolean;
  live: boolean;
  /** plan/promote --source live: the source stage's versions from its clusters instead of its folder. */
  sourceLive: boolean;
  /** wait: the stage, the commit, how long, how long stable (seconds). */
  waitStage?: string;
  waitCommit?: string;
  timeoutSeconds?: number;
  stableForSeconds?: number;
  exitCode: boolean;
  commit: boolean;
  allowDowngrade: boolean;
  skipStages: boolean;
  dryRun: boolean;
  debug: boolean;
}

interface Flag {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  default?: string;
  /** The value's name in help (`STAGE`). */
  value?: string;
  /** Every command when absent. */
  commands?: readonly CommandName[];
  help: string;
  /** What one command's help says instead (`--stage` names the stage to wait for in wait). */
  helpFor?: Partial<Record<CommandName, { help: string; value?: string }>>;
  /** The name a user writes when it differs from the parser's (wait's `--commit` is parsed as `wait-commit`). */
  written?: string;
}

const PLANNING = ['plan', 'promote'] as const;

export const FLAGS: Record<string, Flag> = {
  from: { type: 'string', value: 'STAGE', commands: PLANNING, help: 'the stage whose versions are promoted' },
  to: {
    type: 'string',
    value: 'STAGE',
    commands: [...PLANNING, 'verify'],
    help: 'the stage whose files are rewritten',
    helpFor: { verify: { help: 'check the changes to this stage only' } },
  },
  image: {
    type: 'string',
    multiple: true,
    value: 'REF',
    commands: PLANNING,
    help: 'the registry as the source: REPO:TAG, REPO@DIGEST, or a bare REPO whose tag policy picks the newest tag (repeatable; replaces --from)',
  },
  only: {
    type: 'string',
    multiple: true,
    value: 'GLOB',
    commands: PLANNING,
    help: 'only images or workloads matching GLOB (repeatable)',
  },
  base: { type: 'string', value: 'REV', commands: ['verify'], help: 'the branch or commit the change goes into' },
  head: { type: 'string', value: 'REV', default: 'HEAD', commands: ['verify'], help: 'the change (default HEAD)' },
  repo: {
    type: 'string',
    value: 'DIR',
    help: 'the config repository (default: the current folder, or its git top-level when that holds the config)',
  },
  config: { type: 'string', value: 'FILE', help: 'pipeline config, relative to the repo (default: stagecoach.yaml)' },
  stage: {
    type: 'string',
    multiple: true,
    value: 'NAME=PATHS',
    commands: ['plan', 'promote', 'status', 'wait'],
    helpFor: {
      wait: { help: 'the stage to wait for (a stage of stagecoach.yaml with a live: section)', value: 'STAGE' },
    },
    help: 'define a stage without a config file (repeat, in promotion order; PATHS: folders, files or globs, comma-separated)',
  },
  'plain-http': {
    type: 'string',
    multiple: true,
    value: 'HOST',
    help: 'reach this registry over http (repeatable; for local registries)',
  },
  'registry-ca': {
    type: 'string',
    value: 'FILE',
    help: 'PEM of a CA to trust for registries (besides the system ones)',
  },
  json: { type: 'boolean', help: 'print the result as JSON' },
  live: {
    type: 'boolean',
    commands: ['status'],
    help: 'read the clusters of stages with live: (read-only) and show what runs under each version',
  },
  source: {
    type: 'string',
    value: 'live',
    commands: PLANNING,
    help: "live: take the versions that run on the --from stage's ready pods (its live: clusters) instead of its files; refused while that stage is mid-rollout",
  },
  'wait-commit': {
    type: 'string',
    value: 'SHA',
    commands: ['wait'],
    written: 'commit',
    help: 'the commit the stage must have applied (default: HEAD)',
  },
  timeout: { type: 'string', value: 'DURATION', commands: ['wait'], help: 'how long to wait (default 15m)' },
  'stable-for': {
    type: 'string',
    value: 'DURATION',
    commands: ['wait'],
    help: 'how long the rollout must stay healthy before it counts (default 0s)',
  },
  'exit-code': { type: 'boolean', commands: ['plan'], help: 'exit 3 when there is something to promote' },
  commit: { type: 'boolean', commands: ['promote'], help: 'also commit the change on a new local branch' },
  'allow-downgrade': { type: 'boolean', commands: ['promote'], help: 'allow versions that go backwards (a rollback)' },
  'skip-stages': {
    type: 'boolean',
    commands: ['promote'],
    help: 'allow a promotion over a stage, or back up the pipeline',
  },
  'dry-run': { type: 'boolean', commands: ['promote'], help: 'compute and print, write nothing' },
  debug: { type: 'boolean', help: 'print stack traces on errors' },
  help: { type: 'boolean', short: 'h', help: 'this text; `stagecoach <command> --help` for one command' },
  version: { type: 'boolean', short: 'V', help: "print Stagecoach's version" },
};

interface CommandHelp {
  usage: string;
  summary: string;
  examples: string[];
}

export const COMMAND_HELP: Record<CommandName, CommandHelp> = {
  plan: {
    usage: 'stagecoach plan (--from STAGE | --image REF...) --to STAGE [flags]',
    summary: 'Show what promoting one stage into the next (or setting image versions) would change. Writes nothing.',
    examples: [
      'stagecoach plan --from dev --to staging',
      'stagecoach plan --image ghcr.io/acme/api:1.6.0 --to dev',
      'stagecoach plan --from staging --to production --only "ghcr.io/acme/*" --exit-code',
    ],
  },
  promote: {
    usage: 'stagecoach promote (--from STAGE | --image REF...) --to STAGE [flags]',
    summary: "Rewrite the target stage's files to the versions the source runs, once the target's gates pass.",
    examples: [
      'stagecoach promote --from dev --to staging',
      'stagecoach promote --from dev --to staging --dry-run',
      'stagecoach promote --from staging --to production --commit',
      'stagecoach promote --image ghcr.io/acme/api --to dev   # the newest tag by policy',
    ],
  },
  status: {
    usage: 'stagecoach status [flags]',
    summary:
      'A table of every image in every stage: behind (a promotion is pending) and drift (not from upstream) marked.',
    examples: ['stagecoach status', 'stagecoach status --json | jq .rows'],
  },
  verify: {
    usage: 'stagecoach verify --base REV [--head REV] [--to STAGE] [flags]',
    summary:
      'Check that a change (a pull request) only sets versions that already run in the stage before it, exist in the registry and have soaked. Reads git objects; runs nothing.',
    examples: ['stagecoach verify --base origin/main', 'stagecoach verify --base main --head pr-42 --to production'],
  },
  wait: {
    usage: 'stagecoach wait --stage STAGE [--commit SHA] [--timeout 15m] [--stable-for 30s] [flags]',
    summary:
      "After a promotion merges: wait until the stage's clusters (its live: section) applied the commit and rolled it out; each phase printed once; fails fast on a stuck rollout.",
    examples: [
      'stagecoach wait --stage staging',
      'stagecoach wait --stage production --commit 1a2b3c4 --timeout 20m --stable-for 1m',
    ],
  },
};

const EXIT_CODES =
  'Exit codes: 0 ok, 1 promotion failed or refused (verify: the check failed; wait: failed or unreachable), 2 usage or config error, 3 (plan --exit-code) changes pending, 4 (wait) timed out while still rolling out.';

function duration(flag: string, text: string, problems: string[]): number | undefined {
  try {
    return parseDuration(text);
  } catch (error) {
    problems.push(`${flag}: ${(error as Error).message}`);
    return undefined;
  }
}

/** `  --name VALUE   help`, the help wrapped at about 100 columns under itself. */
function flagLine(name: string, flag: Flag, command?: CommandName): string {
  const own = command ? flag.helpFor?.[command] : undefined;
  const value = own?.value ?? flag.value;
  const label = `${flag.short ? `-${flag.short}, ` : ''}--${flag.written ?? name}${value ? ` ${value}` : ''}`;
  const lines: string[] = [];
  for (const word of (own?.help ?? flag.help).split(' ')) {
    if (lines.length > 0 && lines[lines.length - 1].length + word.length < 75) lines[lines.length - 1] += ` ${word}`;
    else lines.push(word);
  }
  return lines.map((line, index) => `  ${(index === 0 ? label : '').padEnd(22)} ${line}`).join('\n');
}

const flagsOf = (command: CommandName | undefined, own: boolean) =>
  Object.entries(FLAGS).filter(([, flag]) =>
    own ? flag.commands?.includes(command as CommandName) : flag.commands === undefined,
  );

export function usage(command?: CommandName): string {
  if (!command) {
    return [
      'Usage: stagecoach <command> [flags]',
      '',
      'Commands:',
      ...COMMANDS.map((name) => `  ${name.padEnd(9)} ${COMMAND_HELP[name].summary}`),
      '',
      'Flags for every command:',
      ...flagsOf(undefined, false).map(([name, flag]) => flagLine(name, flag)),
      '',
      'Run "stagecoach <command> --help" for its flags and examples. Registry credentials come from the Docker config',
      '($DOCKER_CONFIG or ~/.docker/config.json).',
      '',
      EXIT_CODES,
    ].join('\n');
  }
  const help = COMMAND_HELP[command];
  return [
    `Usage: ${help.usage}`,
    '',
    help.summary,
    '',
    'Flags:',
    ...flagsOf(command, true).map(([name, flag]) => flagLine(name, flag, command)),
    '',
    'Flags for every command:',
    ...flagsOf(undefined, false).map(([name, flag]) => flagLine(name, flag)),
    '',
    'Examples:',
    ...help.examples.map((example) => `  ${example}`),
    '',
    EXIT_CODES,
  ].join('\n');
}

export type ParsedCli = CliArguments | { help: true; command?: CommandName } | { version: true };

/** An unknown `--flag`, with the closest known one. */
function unknownFlag(argv: string[]): UsageError | undefined {
  const names = Object.keys(FLAGS);
  for (const arg of argv) {
    if (arg === '--') break;
    const match = /^--([^=]+)/.exec(arg) ?? /^-([^-])$/.exec(arg);
    if (!match) continue;
    const name = match[1];
    if (names.includes(name) || Object.values(FLAGS).some((flag) => flag.short === name)) continue;
    const close = suggest(name, names);
    return new UsageError(
      `Unknown flag "${arg.split('=')[0]}"${close ? `; did you mean "--${close}"?` : ''} Run "stagecoach --help" for the flags.`,
    );
  }
  return undefined;
}

function parse(argv: string[]) {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, flag]) => [
      name,
      {
        type: flag.type,
        ...(flag.multiple ? { multiple: true, default: [] as string[] } : {}),
        ...(flag.short ? { short: flag.short } : {}),
        ...(flag.default !== undefined ? { default: flag.default } : flag.type === 'boolean' ? { default: false } : {}),
      },
    ]),
  );
  try {
    const parsed = parseArgs({ args: argv, allowPositionals: true, options: options as ParseArgsConfig['options'] });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
  } catch (error) {
    throw (
      unknownFlag(argv) ??
      new UsageError(`${(error as Error).message.replace(/\.$/, '')}. Run "stagecoach --help" for the flags.`)
    );
  }
}

/** Problems of flags that do not fit the command or each other, all at once. */
function misfits(command: CommandName, values: Record<string, unknown>, argv: string[]): string[] {
  const problems: string[] = [];
  const given = (name: string) => argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  for (const [name, flag] of Object.entries(FLAGS)) {
    if (!flag.commands || flag.commands.includes(command) || !given(name)) continue;
    problems.push(
      name === 'stage' && command === 'verify'
        ? "--stage does not go with verify: it reads the base revision's stagecoach.yaml"
        : `--${name} goes with ${flag.commands.join(' and ')}`,
    );
  }
  if (command === 'verify' && !values.base)
    problems.push('verify needs --base REV (the branch or commit the change goes into)');
  if (command === 'plan' || command === 'promote') {
    const images = values.image as string[];
    if (!values.from && images.length === 0)
      problems.push(`${command} needs --from STAGE (the stage whose versions are promoted) or --image REF`);
    if (values.from && images.length > 0)
      problems.push('--from and --image exclude each other: promote from a stage or from the registry');
    if (!values.to) problems.push(`${command} needs --to STAGE (the stage whose files are rewritten)`);
  }
  if (values.source !== undefined && values.source !== 'live' && values.source !== 'git')
    problems.push(`--source: expected live or git, got "${String(values.source)}"`);
  else if (values.source === 'live' && !values.from && (command === 'plan' || command === 'promote'))
    problems.push('--source live goes with plan or promote --from STAGE (the stage whose clusters are read)');
  if (command === 'wait') {
    const stages = values.stage as string[];
    if (stages.length !== 1 || stages[0].includes('='))
      problems.push('wait needs --stage NAME (one stage of stagecoach.yaml with a live: section)');
  }
  if (values.commit && values['dry-run']) problems.push('--commit and --dry-run exclude each other');
  return problems;
}

/** wait's options, in seconds; their problems join the others. */
function waitOptions(command: CommandName, values: Record<string, unknown>, problems: string[]) {
  if (command !== 'wait') return {};
  const stage = (values.stage as string[])[0];
  const timeoutSeconds = duration('--timeout', (values.timeout as string | undefined) ?? '15m', problems);
  const stableForSeconds = duration('--stable-for', (values['stable-for'] as string | undefined) ?? '0', problems);
  return {
    ...(stage && !stage.includes('=') ? { waitStage: stage } : {}),
    ...(values['wait-commit'] ? { waitCommit: values['wait-commit'] as string } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(stableForSeconds !== undefined ? { stableForSeconds } : {}),
  };
}

export function parseCliArguments(argv: string[]): ParsedCli {
  // wait's --commit takes a value; promote's --commit is a switch: the command, written first, decides.
  if (argv[0] === 'wait')
    argv = argv.map((a) => (a === '--commit' ? '--wait-commit' : a.replace(/^--commit=/, '--wait-commit=')));
  const { values, positionals } = parse(argv);
  const [first, ...extra] = positionals;
  const command = (COMMANDS as readonly string[]).includes(first) ? (first as CommandName) : undefined;
  if (values.version) return { version: true };
  if (values.help || first === 'help') {
    const named = first === 'help' ? extra[0] : first;
    return {
      help: true,
      ...((COMMANDS as readonly string[]).includes(named) ? { command: named as CommandName } : {}),
    };
  }
  if (!first) throw new UsageError(`Name a command: ${COMMANDS.join(', ')}. Run "stagecoach --help" for more.`);
  if (!command)
    throw new UsageError(
      `Unknown command "${first}": expected one of ${COMMANDS.join(', ')}${didYouMean(first, COMMANDS)}`.replace(
        /[^?]$/,
        '$&.',
      ),
    );
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}": flags take the form --name value.`);
  const problems = misfits(command, values, argv);
  const wait = waitOptions(command, values, problems);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    command,
    from: values.from as string | undefined,
    to: values.to as string | undefined,
    base: values.base as string | undefined,
    head: values.head as string,
    repo: values.repo as string | undefined,
    config: values.config as string | undefined,
    stages: command === 'wait' ? [] : (values.stage as string[]),
    only: values.only as string[],
    images: values.image as string[],
    plainHttp: values['plain-http'] as string[],
    registryCa: values['registry-ca'] as string | undefined,
    json: values.json as boolean,
    live: values.live as boolean,
    sourceLive: values.source === 'live',
    ...wait,
    exitCode: values['exit-code'] as boolean,
    commit: values.commit as boolean,
    allowDowngrade: values['allow-downgrade'] as boolean,
    skipStages: values['skip-stages'] as boolean,
    dryRun: values['dry-run'] as boolean,
    debug: values.debug as boolean,
  };
}
