// `stagecoach` command line: parsed with node:util parseArgs, checked before anything runs.
import { parseArgs } from 'node:util';
import { UsageError } from '../engine/errors.js';

export const COMMANDS = ['plan', 'promote', 'status'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface CliArguments {
  command: CommandName;
  from?: string;
  to?: string;
  repo: string;
  config?: string;
  stages: string[];
  only: string[];
  json: boolean;
  exitCode: boolean;
  commit: boolean;
  allowDowngrade: boolean;
  dryRun: boolean;
  debug: boolean;
}

export const USAGE = `Usage: stagecoach <command> [flags]

Commands:
  plan     --from A --to B   show what promoting stage A into stage B would change
  promote  --from A --to B   rewrite stage B's files to the versions stage A runs
  status                     a table of every image in every stage, with drift marked

Flags:
  --repo DIR           the config repository (default: the current folder)
  --config FILE        pipeline config, relative to the repo (default: stagecoach.yaml)
  --stage NAME=PATHS   define a stage without a config file (repeat, in promotion order; PATHS comma-separated)
  --only GLOB          only images or workloads matching GLOB (repeatable)
  --json               print the plan or status as JSON
  --exit-code          plan: exit 3 when there is something to promote
  --commit             promote: also commit the change on a new local branch
  --allow-downgrade    promote: allow versions that go backwards (a rollback)
  --dry-run            promote: compute and print, write nothing
  --debug              print stack traces on errors
  -h, --help           this text

Exit codes: 0 ok, 1 promotion failed or refused, 2 usage or config error, 3 (plan --exit-code) changes pending.`;

export function parseCliArguments(argv: string[]): CliArguments | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        repo: { type: 'string', default: '.' },
        config: { type: 'string' },
        stage: { type: 'string', multiple: true, default: [] },
        only: { type: 'string', multiple: true, default: [] },
        json: { type: 'boolean', default: false },
        'exit-code': { type: 'boolean', default: false },
        commit: { type: 'boolean', default: false },
        'allow-downgrade': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        debug: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\.$/, '')}. Run "stagecoach --help" for the flags.`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return 'help';
  const [command, ...extra] = positionals;
  if (!command) throw new UsageError(`Name a command: ${COMMANDS.join(', ')}. Run "stagecoach --help" for more.`);
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`Unknown command "${command}": expected one of ${COMMANDS.join(', ')}.`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}": flags take the form --name value.`);
  const problems: string[] = [];
  if (command !== 'status') {
    if (!values.from) problems.push(`${command} needs --from STAGE (the stage whose versions are promoted)`);
    if (!values.to) problems.push(`${command} needs --to STAGE (the stage whose files are rewritten)`);
  }
  if (values['exit-code'] && command !== 'plan') problems.push('--exit-code goes with plan');
  for (const flag of ['commit', 'allow-downgrade', 'dry-run'] as const) {
    if (values[flag] && command !== 'promote') problems.push(`--${flag} goes with promote`);
  }
  if (values.commit && values['dry-run']) problems.push('--commit and --dry-run exclude each other');
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    command: command as CommandName,
    from: values.from,
    to: values.to,
    repo: values.repo as string,
    config: values.config,
    stages: values.stage as string[],
    only: values.only as string[],
    json: values.json as boolean,
    exitCode: values['exit-code'] as boolean,
    commit: values.commit as boolean,
    allowDowngrade: values['allow-downgrade'] as boolean,
    dryRun: values['dry-run'] as boolean,
    debug: values.debug as boolean,
  };
}
