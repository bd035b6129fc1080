// The CLI on a terminal and in a pipe: colour, the progress line and live gate output only on a TTY (a real pseudo
// terminal from util-linux `script`), NO_COLOR and FORCE_COLOR respected; --version, per-command help, did you mean.
/* eslint-disable no-control-regex -- the test reads terminal escape sequences */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { createProgress, wantsColour } from '../../src/cli/terminal.js';
import { EXAMPLE, exampleRepo, git } from '../support/example-repo.js';

const ESC = '\u001b[';
const ENTRY = ['--import', 'tsx', path.resolve('src/cli/index.ts')];
const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
/** The environment without the colour switches, which a developer's shell may set. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NO_COLOR: _no, FORCE_COLOR: _force, ...rest } = process.env;
  return { ...rest, ...extra };
}

/** Runs the CLI (TypeScript entry) in a pseudo terminal: stdout and stderr both reach it, as on a developer's screen. */
function onTerminal(args: string[], env: Record<string, string> = {}) {
  const command = [process.execPath, ...ENTRY, ...args].map(quote).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: baseEnv({ TERM: 'xterm', ...env }),
    timeout: 60_000,
  });
  return { code: result.status, screen: result.stdout.replace(/\r\n/g, '\n') };
}

/** The same in pipes. */
function inPipes(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [...ENTRY, ...args], {
    encoding: 'utf8',
    env: baseEnv(env),
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    cwd: process.cwd(),
    env,
    version: '9.9.9',
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The example repo with a slow command gate on staging that prints before and after waiting. */
function slowGateRepo(run: string): string {
  const repo = exampleRepo();
  const config = path.join(repo, 'stagecoach.yaml');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      '    paths: [envs/staging]\n',
      `    paths: [envs/staging]\n    gates:\n      commands:\n        - name: render\n          run: ${JSON.stringify(run)}\n`,
    ),
  );
  git(repo, 'commit', '-qam', 'gates');
  return repo;
}

describe('colour', () => {
  test.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    [{ TERM: 'dumb' }, true, false],
  ])('wantsColour(%j, tty %s) is %s', (env, tty, wanted) => expect(wantsColour(env, tty)).toBe(wanted));

  test('on a terminal behind and drift stand out; in a pipe there is no escape sequence at all', () => {
    const screen = onTerminal(['status', '--repo', EXAMPLE]);
    expect(screen.code).toBe(0);
    expect(screen.screen).toContain(`1.4.0${ESC}33m (behind)${ESC}39m`);
    expect(screen.screen).toMatch(/1\.1\.1-hotfix\.1\u001b\[31m\u001b\[1m \(drift!\)/);
    // Columns stay aligned: the marks take no width.
    const rows = screen.screen.split('\n').filter((line) => line.includes('ghcr.io/acme/'));
    const column = (line: string) => line.replace(/\u001b\[\d+m/g, '').indexOf('  ', 30);
    expect(new Set(rows.map(column)).size).toBe(1);

    const piped = inPipes(['status', '--repo', EXAMPLE]);
    expect(piped.stdout).toContain('1.4.0 (behind)');
    expect(piped.stdout).not.toContain('\u001b');
    expect(onTerminal(['status', '--repo', EXAMPLE], { NO_COLOR: '1' }).screen).not.toContain('\u001b');
    expect(inPipes(['status', '--repo', EXAMPLE], { FORCE_COLOR: '1' }).stdout).toContain(`${ESC}33m (behind)`);
  });

  test('a downgrade is marked in colour on a terminal', () => {
    const repo = exampleRepo();
    const screen = onTerminal(['plan', '--from', 'staging', '--to', 'dev', '--repo', repo]);
    expect(screen.screen).toMatch(/\u001b\[35m\u001b\[1m \(downgrade\)/);
  });

  test('text from files cannot forge a mark', async () => {
    const { quoteControl } = await import('../../src/core/report/terminal-text.js');
    expect(quoteControl('a\ue0000red\ue001')).toBe('a\\ue0000red\\ue001');
  });
});

describe('progress and gate output', () => {
  test('on a terminal: the gate runs with a progress line, its output live; the failing tail printed', () => {
    const repo = slowGateRepo('echo rendering manifests; sleep 2; echo "Error: bad field" >&2; exit 3');
    const screen = onTerminal(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo]);
    expect(screen.code).toBe(1);
    expect(screen.screen).toMatch(/gate command "render" running [12] s…/);
    // Live output comes before the result, and the result repeats the tail.
    const live = screen.screen.indexOf('rendering manifests');
    const result = screen.screen.indexOf('FAILED');
    expect(live).toBeGreaterThanOrEqual(0);
    expect(live).toBeLessThan(result);
    expect(screen.screen.slice(result)).toContain('    | Error: bad field');
    // The progress line is cleared before the result is printed.
    expect(screen.screen).toContain('\r\u001b[2K');
  }, 60_000);

  test('in a pipe: no progress line, no live output, but the tail of the failing gate always', () => {
    const repo = slowGateRepo('echo rendering manifests; sleep 2; echo "Error: bad field" >&2; exit 3');
    const piped = inPipes(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo]);
    expect(piped.code).toBe(1);
    expect(piped.stderr).not.toContain('running');
    expect(piped.stderr).not.toContain('\u001b');
    expect(piped.stderr).toContain('output (last lines):');
    expect(piped.stderr).toContain('    | rendering manifests\n    | Error: bad field');
    expect(piped.stdout).toBe('');
  }, 60_000);

  test('the progress line waits its delay, steps aside for output and waits while a line is half written', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const written: string[] = [];
    const progress = createProgress((text) => written.push(text), true, { delayMs: 80, intervalMs: 10 });
    progress.phase('scan', 'dev, staging');
    await sleep(40);
    expect(written).toEqual([]);
    await sleep(100);
    expect(written[written.length - 1]).toBe('\r\u001b[2Kscanning dev, staging 0 s…');
    // More files found: the same scan, its clock kept, the count shown.
    progress.phase('scan', 'dev, staging (1,200 files)');
    await sleep(30);
    expect(written[written.length - 1]).toBe('\r\u001b[2Kscanning dev, staging (1,200 files) 0 s…');
    progress.output('rendering\n');
    expect(written.slice(-2)).toEqual(['\r\u001b[2K', 'rendering\n']);
    progress.output('half a line');
    const count = written.length;
    await sleep(60);
    expect(written.length).toBe(count);
    progress.stop();
    const off: string[] = [];
    const disabled = createProgress((text) => off.push(text), false, { delayMs: 0, intervalMs: 5 });
    disabled.phase('scan', 'dev');
    await sleep(30);
    expect(off).toEqual([]);
  });
});

describe('help, version and did you mean', () => {
  test('--version prints the version', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: 'stagecoach 9.9.9' });
    const packaged = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(inPipes(['--version']).stdout.trim()).toBe(`stagecoach ${packaged.version}`);
  });

  test.each([
    [
      'plan',
      ['--from STAGE', '--only GLOB', '--exit-code', 'stagecoach plan --from dev --to staging'],
      ['--commit', '--base REV'],
    ],
    [
      'promote',
      ['--dry-run', '--commit', '--allow-downgrade', 'stagecoach promote --from dev --to staging --dry-run'],
      ['  --exit-code'],
    ],
    ['verify', ['--base REV', '--head REV', 'stagecoach verify --base origin/main'], ['--dry-run', '--from STAGE']],
    ['status', ['stagecoach status --json'], ['--from STAGE', '--base REV']],
  ])('stagecoach %s --help shows its own flags and examples', async (command, present, absent) => {
    for (const form of [
      [command, '--help'],
      ['help', command],
      [command, '-h'],
    ]) {
      const help = await cli(form);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: stagecoach ${command}`));
      for (const text of present) expect(help.stdout).toContain(text);
      for (const text of absent) expect(help.stdout).not.toContain(text);
      expect(help.stdout).toContain('--repo DIR');
    }
  });

  test('the general help lists the commands', async () => {
    const help = await cli(['--help']);
    expect(help.stdout).toMatch(/^Usage: stagecoach <command> \[flags\]/);
    for (const command of ['plan', 'promote', 'status', 'verify'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test.each([
    [
      ['promot', '--from', 'dev', '--to', 'staging'],
      'Unknown command "promot": expected one of plan, promote, status, verify, wait; did you mean "promote"?',
    ],
    [['plan', '--form', 'dev', '--to', 'staging'], 'Unknown flag "--form"; did you mean "--from"?'],
    [['plan', '--from', 'dev', '--to', 'staging', '--dryrun'], 'Unknown flag "--dryrun"; did you mean "--dry-run"?'],
    [
      ['plan', '--from', 'dev', '--to', 'prod', '--repo', EXAMPLE],
      '--to prod: no stage is named "prod"; did you mean "production"? (the stages are dev, staging, production)',
    ],
    [
      ['promote', '--from', 'dve', '--to', 'staging', '--repo', EXAMPLE],
      '--from dve: no stage is named "dve"; did you mean "dev"?',
    ],
    [['plan', '--from', 'dev', '--to', 'staging', '--commit'], '--commit goes with promote'],
  ])('%j', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    // A usage mistake, not a config error.
    expect(result.stderr).not.toContain('Invalid pipeline configuration');
  });

  test('an --only or --image that names no image of the stage suggests the closest', async () => {
    const only = await cli([
      'plan',
      '--from',
      'dev',
      '--to',
      'staging',
      '--only',
      'ghcr.io/acme/apj',
      '--repo',
      EXAMPLE,
    ]);
    expect(only.stdout).toContain(
      '--only ghcr.io/acme/apj matches no image or workload in staging; did you mean "ghcr.io/acme/api"?',
    );
    const image = await cli(['plan', '--image', 'ghcr.io/acme/wbe:2.3.0', '--to', 'staging', '--repo', EXAMPLE]);
    expect(image.stdout).toContain('ghcr.io/acme/wbe 2.3.0: not in staging; did you mean "ghcr.io/acme/web"?');
  });
});
