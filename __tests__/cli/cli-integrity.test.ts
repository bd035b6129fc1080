// Integrity of `promote` under signals, concurrency, misbehaving gates, hand edits and broken output: real CLI processes
// (the TypeScript entry through tsx), real git repositories and real gate process groups.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../../src/cli/run-cli.js';
import { exampleRepo, git } from '../support/example-repo.js';

const API = 'envs/staging/api-deployment.yaml';
const PROMOTE = ['promote', '--from', 'dev', '--to', 'staging'];

async function cli(args: string[], options: { lockWaitMs?: number } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    cwd: process.cwd(),
    ...options,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The example repo with command gates on staging (`run` as a YAML block), committed. */
function gatedRepo(run: string): string {
  const repo = exampleRepo();
  const config = path.join(repo, 'stagecoach.yaml');
  const indented = run
    .trim()
    .split('\n')
    .map((line) => `            ${line}`)
    .join('\n');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      '    paths: [envs/staging]\n',
      `    paths: [envs/staging]\n    gates:\n      commands:\n        - name: check\n          run: |\n${indented}\n`,
    ),
  );
  git(repo, 'commit', '-qam', 'gates');
  return repo;
}

interface CliProcess {
  child: ChildProcess;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function spawnCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exit };
}

async function waitFor(file: string, withinMs = 60_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  while (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`${file} never appeared`);
    await sleep(50);
  }
  return readFileSync(file, 'utf8').trim();
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

/** A gate that records where it runs and the pid of a long sleep it leaves in its group, then waits. */
function slowGate(marks: string): string {
  return `echo "$PWD" > ${marks}/scratch\ncp ${API} ${marks}/seen.yaml\nsleep 300 &\necho $! > ${marks}/sleep\nwait`;
}

describe('promote under signals and concurrency (real processes)', () => {
  test.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s during a gate: exit %d, the gate group stopped, the working tree untouched, scratch copy and lock removed',
    async (signal, exitCode) => {
      const marks = mkdtempSync(path.join(tmpdir(), 'stagecoach-marks-'));
      const repo = gatedRepo(slowGate(marks));
      const original = readFileSync(path.join(repo, API), 'utf8');
      const run = spawnCli([...PROMOTE, '--repo', repo]);
      const sleeper = Number(await waitFor(path.join(marks, 'sleep')));
      const scratch = await waitFor(path.join(marks, 'scratch'));
      // The gate sees the promoted file in its scratch copy; the live tree holds the original all along.
      expect(readFileSync(path.join(marks, 'seen.yaml'), 'utf8')).toBe(original.replaceAll('1.4.0', '1.5.0'));
      expect(scratch.startsWith(repo)).toBe(false);
      expect(readFileSync(path.join(repo, API), 'utf8')).toBe(original);
      expect(existsSync(path.join(repo, '.git/stagecoach.lock'))).toBe(true);
      run.child.kill(signal);
      const result = await run.exit;
      expect(result.code).toBe(exitCode);
      expect(result.stderr).toMatch(new RegExp(`^stagecoach: interrupted by ${signal}`));
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(running(sleeper)).toBe(false);
      expect(existsSync(scratch)).toBe(false);
      expect(existsSync(path.join(repo, '.git/stagecoach.lock'))).toBe(false);
      expect(git(repo, 'status', '--porcelain')).toBe('');
    },
    120_000,
  );

  test('while a gate runs: plan reads the committed versions, and a second promote fails naming the lock and its holder', async () => {
    const marks = mkdtempSync(path.join(tmpdir(), 'stagecoach-marks-'));
    const repo = gatedRepo(slowGate(marks));
    const first = spawnCli([...PROMOTE, '--repo', repo]);
    try {
      await waitFor(path.join(marks, 'sleep'));
      const plan = await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo, '--json']);
      expect(plan.code).toBe(0);
      expect(JSON.parse(plan.stdout).changes).toHaveLength(6);
      const second = await cli([...PROMOTE, '--repo', repo], { lockWaitMs: 300 });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`Stagecoach process ${first.child.pid} on `);
      expect(second.stderr).toContain(`holds the lock ${path.join(repo, '.git/stagecoach.lock')}`);
    } finally {
      first.child.kill('SIGTERM');
      await first.exit;
    }
    expect(git(repo, 'status', '--porcelain')).toBe('');
  }, 120_000);

  test('a lock left by a killed promotion is taken over', async () => {
    const repo = exampleRepo();
    writeFileSync(
      path.join(repo, '.git/stagecoach.lock'),
      JSON.stringify({ pid: 2 ** 22 + 1, host: (await import('node:os')).hostname(), since: '2020-01-01T00:00:00Z' }),
    );
    const result = await cli([...PROMOTE, '--repo', repo], { lockWaitMs: 300 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(path.join(repo, '.git/stagecoach.lock'))).toBe(false);
  });
});

describe('promote with misbehaving gates and hand edits', () => {
  test('a gate that deletes and adds files is reported; the working tree gets only the promotion', async () => {
    const repo = gatedRepo(`rm ${API}\necho made > new-file.txt\nrm -rf envs/production`);
    const result = await cli([...PROMOTE, '--repo', repo]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /added new-file\.txt; deleted envs\/production\/.*envs\/staging\/api-deployment\.yaml.* \(in the scratch copy it ran in; the working tree is untouched\)/,
    );
    expect(existsSync(path.join(repo, 'new-file.txt'))).toBe(false);
    expect(git(repo, 'status', '--porcelain').split('\n')).toHaveLength(5);
    expect(readFileSync(path.join(repo, API), 'utf8')).toContain('ghcr.io/acme/api:1.5.0');
  });

  test('a failing gate writes nothing, and the tree was never written meanwhile', async () => {
    const repo = gatedRepo(`grep -q 1.5.0 ${API} || exit 9\nexit 3`);
    const result = await cli([...PROMOTE, '--repo', repo]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed with exit code 3[\s\S]*A gate failed: nothing was written\./);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('a file that is not UTF-8 is skipped with its line and never rewritten', async () => {
    const repo = exampleRepo();
    const file = path.join(repo, API);
    const bytes = Buffer.concat([readFileSync(file), Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    writeFileSync(file, bytes);
    git(repo, 'commit', '-qam', 'a Latin-1 comment');
    const lines = bytes.toString('latin1').split('\n').length - 1;
    const plan = await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo, '--json']);
    expect(JSON.parse(plan.stdout).skipped).toContainEqual({
      file: API,
      line: lines,
      reason: expect.stringMatching(/not UTF-8/),
    });
    expect((await cli([...PROMOTE, '--repo', repo])).code).toBe(0);
    expect(readFileSync(file)).toEqual(bytes);
  });
});

describe('promote --commit commits only the promotion', () => {
  test('refuses when a target file holds an uncommitted hand edit; nothing written, no branch', async () => {
    const repo = exampleRepo();
    const edited = `${readFileSync(path.join(repo, API), 'utf8')}# hand edit, not committed\n`;
    writeFileSync(path.join(repo, API), edited);
    const result = await cli([...PROMOTE, '--repo', repo, '--commit']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Cannot commit the promotion \(nothing was written\):\n {2}envs\/staging\/api-deployment\.yaml differs from HEAD: commit or stash/,
    );
    expect(readFileSync(path.join(repo, API), 'utf8')).toBe(edited);
    expect(git(repo, 'status', '--porcelain')).toBe(`M ${API}`); // the helper trims the leading space
    expect(git(repo, 'branch', '--list', 'stagecoach/*')).toBe('');
  });

  test('checks the git identity and the index lock before any gate or branch', async () => {
    const repo = exampleRepo();
    git(repo, 'config', 'user.name', '');
    writeFileSync(path.join(repo, '.git/index.lock'), '');
    const result = await cli([...PROMOTE, '--repo', repo, '--commit']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^stagecoach: --commit: git has no identity to commit with \(.*empty ident name/);
    expect(result.stderr).toContain(`${path.join(repo, '.git/index.lock')} exists: another git command is running`);
    expect(git(repo, 'branch', '--list', 'stagecoach/*')).toBe('');
  });

  test('a commit that fails switches back, deletes the branch and restores the files', async () => {
    const repo = exampleRepo();
    git(repo, 'config', 'commit.gpgsign', 'true');
    git(repo, 'config', 'gpg.program', 'false');
    const result = await cli([...PROMOTE, '--repo', repo, '--commit']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /The promotion was not committed: .*\n[\s\S]*switched back to main and deleted branch stagecoach\/dev-to-staging; the files are as they were\./,
    );
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(repo, 'branch', '--list', 'stagecoach/*')).toBe('');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });
});

describe('broken output streams', () => {
  test('a reader that went away (stagecoach status | head): exit 141 quietly, as git', async () => {
    const run = spawnCli(['status', '--repo', exampleRepo()]);
    run.child.stdout?.destroy();
    const result = await run.exit;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(141);
  }, 60_000);

  test('a full disk on stdout: one line, exit 1, no stack', async () => {
    const child = spawn(
      'sh',
      ['-c', `"${process.execPath}" --import tsx src/cli/index.ts status --repo "${exampleRepo()}" > /dev/full`],
      { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(stderr).toBe('stagecoach: cannot write the output: ENOSPC: no space left on device, write\n');
    expect(code).toBe(1);
  }, 60_000);
});
