// `stagecoach` command line: parsed with node:util parseArgs, checked before anything runs.
import { parseArgs } from 'node:util';
import { COMMANDS, type CommandName } from '../core/config/index.js';
import { parseDuration } from '../core/duration.js';
import { UsageError } from '../core/errors.js';

export interface CliArguments {
  command: CommandName;
  from?: string;
  to?: string;
  base?: string;
  head: string;
  repo: string;
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
  dryRun: boolean;
  debug: boolean;
}

export const USAGE = `Usage: stagecoach <command> [flags]

Commands:
  plan     --from A --to B   show what promoting stage A into stage B would change
           --image REF --to B      ... or what setting image versions in stage B would change
  promote  --from A --to B   rewrite stage B's files to the versions stage A runs (after B's gates pass)
           --image REF --to B      ... or to the versions named (REPO:TAG, REPO@DIGEST, or REPO: newest by policy)
  status                     a table of every image in every stage, with drift marked
           [--live]                ... and what runs: the live line under each version (stages with live:)
  wait     --stage S [--commit SHA] [--timeout 15m] [--stable-for 30s]
                             after a promotion merges: wait until stage S (its live: clusters) has applied the commit
                             and rolled it out; each phase printed once; fails fast on a stuck rollout
  verify   --base REV [--head REV] [--to B]
                             check that a change (a pull request) only sets versions that already run in the stage
                             before it, exist in the registry and have soaked; reads git objects, runs nothing

Flags:
  --repo DIR           the config repository (default: the current folder)
  --config FILE        pipeline config, relative to the repo (default: stagecoach.yaml)
  --stage NAME=PATHS   define a stage without a config file (repeat, in promotion order; PATHS comma-separated)
  --only GLOB          only images or workloads matching GLOB (repeatable)
  --image REF          the registry as the source: REPO:TAG, REPO@DIGEST, or a bare REPO whose tag policy in
                       stagecoach.yaml picks the newest tag (repeatable; replaces --from)
  --plain-http HOST    reach this registry over http (repeatable; for local registries)
  --registry-ca FILE   PEM of a CA to trust for registries (besides the system's)
                       Registry credentials come from the Docker config ($DOCKER_CONFIG or ~/.docker/config.json).
  --json               print the plan or status as JSON
  --live               status: read the clusters of stages with live: (read-only) and show what runs
  --source live        plan/promote --from S: take the versions that run on S's ready pods (S's live: clusters), not
                       S's files; refused while S is mid-rollout
  --exit-code          plan: exit 3 when there is something to promote
  --commit             promote: also commit the change on a new local branch
  --allow-downgrade    promote: allow versions that go backwards (a rollback)
  --dry-run            promote: compute and print, write nothing
  --base REV, --head REV   verify: the revisions to compare (head defaults to HEAD)
  --debug              print stack traces on errors
  -h, --help           this text

Exit codes: 0 ok, 1 promotion failed or refused (verify: the check failed; wait: failed or unreachable), 2 usage or config error, 3 (plan --exit-code) changes pending, 4 (wait) timed out while still rolling out.`;

function duration(flag: string, text: string, problems: string[]): number | undefined {
  try {
    return parseDuration(text);
  } catch (error) {
    problems.push(`${flag}: ${(error as Error).message}`);
    return undefined;
  }
}

export function parseCliArguments(argv: string[]): CliArguments | 'help' {
  // wait's --commit takes a value; promote's --commit is a switch: the command, written first, decides.
  if (argv[0] === 'wait')
    argv = argv.map((a) => (a === '--commit' ? '--wait-commit' : a.replace(/^--commit=/, '--wait-commit=')));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        base: { type: 'string' },
        head: { type: 'string', default: 'HEAD' },
        repo: { type: 'string', default: '.' },
        config: { type: 'string' },
        stage: { type: 'string', multiple: true, default: [] },
        only: { type: 'string', multiple: true, default: [] },
        image: { type: 'string', multiple: true, default: [] },
        'plain-http': { type: 'string', multiple: true, default: [] },
        'registry-ca': { type: 'string' },
        json: { type: 'boolean', default: false },
        live: { type: 'boolean', default: false },
        'wait-commit': { type: 'string' },
        source: { type: 'string' },
        timeout: { type: 'string' },
        'stable-for': { type: 'string' },
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
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new UsageError(`Unknown command "${command}": expected one of ${COMMANDS.join(', ')}.`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}": flags take the form --name value.`);
  const problems: string[] = [];
  if (command === 'verify' && !values.base)
    problems.push('verify needs --base REV (the branch or commit the change goes into)');
  if (command !== 'verify' && values.base) problems.push('--base goes with verify');
  if (command === 'verify' && (values.stage as string[]).length > 0)
    problems.push("--stage does not go with verify: it reads the base revision's stagecoach.yaml");
  if (command === 'plan' || command === 'promote') {
    const images = values.image as string[];
    if (!values.from && images.length === 0)
      problems.push(`${command} needs --from STAGE (the stage whose versions are promoted) or --image REF`);
    if (values.from && images.length > 0)
      problems.push('--from and --image exclude each other: promote from a stage or from the registry');
    if (!values.to) problems.push(`${command} needs --to STAGE (the stage whose files are rewritten)`);
  }
  if (values['exit-code'] && command !== 'plan') problems.push('--exit-code goes with plan');
  if (values.live && command !== 'status') problems.push('--live goes with status');
  if (values.source !== undefined) {
    if (values.source !== 'live' && values.source !== 'git')
      problems.push(`--source: expected live or git, got "${values.source}"`);
    else if (values.source === 'live' && ((command !== 'plan' && command !== 'promote') || !values.from))
      problems.push('--source live goes with plan or promote --from STAGE (the stage whose clusters are read)');
  }
  const stages = values.stage as string[];
  let waitStage: string | undefined;
  let timeoutSeconds: number | undefined;
  let stableForSeconds: number | undefined;
  if (command === 'wait') {
    if (stages.length !== 1 || stages[0].includes('='))
      problems.push('wait needs --stage NAME (one stage of stagecoach.yaml with a live: section)');
    else waitStage = stages[0];
    timeoutSeconds = duration('--timeout', (values.timeout as string | undefined) ?? '15m', problems);
    stableForSeconds = duration('--stable-for', (values['stable-for'] as string | undefined) ?? '0', problems);
  } else {
    for (const flag of ['timeout', 'stable-for'] as const) if (values[flag]) problems.push(`--${flag} goes with wait`);
  }
  for (const flag of ['commit', 'allow-downgrade', 'dry-run'] as const) {
    if (values[flag] && command !== 'promote') problems.push(`--${flag} goes with promote`);
  }
  if (values.commit && values['dry-run']) problems.push('--commit and --dry-run exclude each other');
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    command: command as CommandName,
    from: values.from,
    to: values.to,
    base: values.base,
    head: values.head as string,
    repo: values.repo as string,
    config: values.config,
    stages: command === 'wait' ? [] : (values.stage as string[]),
    only: values.only as string[],
    images: values.image as string[],
    plainHttp: values['plain-http'] as string[],
    registryCa: values['registry-ca'],
    json: values.json as boolean,
    live: values.live as boolean,
    sourceLive: values.source === 'live',
    ...(waitStage ? { waitStage } : {}),
    ...(values['wait-commit'] ? { waitCommit: values['wait-commit'] as string } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(stableForSeconds !== undefined ? { stableForSeconds } : {}),
    exitCode: values['exit-code'] as boolean,
    commit: values.commit as boolean,
    allowDowngrade: values['allow-downgrade'] as boolean,
    dryRun: values['dry-run'] as boolean,
    debug: values.debug as boolean,
  };
}
