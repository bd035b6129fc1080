import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommandStartError, createCommands, OUTPUT_TAIL_CHARS } from '../../src/adapters/commands.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const commands = createCommands({ killGraceMs: 300 });

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'stagecoach-commands-'));
}

/**
 * Whether `pid` is still running. A zombie counts as gone: it has exited and only waits for PID 1 to reap it,
 * which some container inits (including this sandbox's) never do.
 */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

function pids(file: string): number[] {
  const list = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
  expect(list.length).toBeGreaterThan(0);
  list.forEach((pid) => expect(Number.isInteger(pid) && pid > 1).toBe(true));
  return list;
}

describe('commands adapter', () => {
  test('a passing command: exit 0, stdout and stderr combined, run in cwd', async () => {
    const cwd = tempDir();
    const run = await commands.run('echo out; echo err >&2; pwd', { cwd, env, timeoutMs: 10_000 });
    expect(run).toMatchObject({ exitCode: 0, signal: null, timedOut: false });
    expect(run.output.split('\n')).toEqual(['out', 'err', cwd, '']);
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
  });

  test('a failing command reports its exit code and keeps its output', async () => {
    const run = await commands.run('echo building; echo "boom: bad manifest" >&2; exit 3', {
      cwd: tempDir(),
      env,
      timeoutMs: 10_000,
    });
    expect(run).toMatchObject({ exitCode: 3, signal: null, timedOut: false });
    expect(run.output).toBe('building\nboom: bad manifest\n');
  });

  test('the environment is exactly what is given: nothing leaks from the parent process', async () => {
    process.env.STAGECOACH_TEST_PARENT_ONLY = 'leaked';
    try {
      const run = await commands.run('echo "[$STAGECOACH_TEST_PARENT_ONLY][$GIVEN]"', {
        cwd: tempDir(),
        env: { ...env, GIVEN: 'yes' },
        timeoutMs: 10_000,
      });
      expect(run.output).toBe('[][yes]\n');
    } finally {
      delete process.env.STAGECOACH_TEST_PARENT_ONLY;
    }
  });

  test('a timeout kills the whole process group, forked children included', async () => {
    const cwd = tempDir();
    const pidFile = path.join(cwd, 'pids');
    const run = await commands.run(
      `sleep 100 & echo $! >> "${pidFile}"; sleep 100 & echo $! >> "${pidFile}"; echo $$ >> "${pidFile}"; echo started; wait`,
      {
        cwd,
        env,
        timeoutMs: 1500,
      },
    );
    expect(run.timedOut).toBe(true);
    expect(run.exitCode).toBeNull();
    expect(run.signal).toBe('SIGTERM');
    expect(run.output).toBe('started\n');
    const children = pids(pidFile);
    expect(children).toHaveLength(3);
    for (const pid of children) expect(running(pid)).toBe(false);
  });

  test('a command that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    const cwd = tempDir();
    const pidFile = path.join(cwd, 'pids');
    const run = await commands.run(`trap '' TERM; echo $$ > "${pidFile}"; while :; do sleep 1; done`, {
      cwd,
      env,
      timeoutMs: 1000,
    });
    expect(run).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    for (const pid of pids(pidFile)) expect(running(pid)).toBe(false);
  });

  test('background jobs left behind by a finished command are stopped too', async () => {
    const cwd = tempDir();
    const pidFile = path.join(cwd, 'pids');
    // One child keeps the output pipe open, one does not: neither may outlive the run.
    const run = await commands.run(
      `sleep 100 & echo $! >> "${pidFile}"; sleep 100 >/dev/null 2>&1 & echo $! >> "${pidFile}"; echo done`,
      {
        cwd,
        env,
        timeoutMs: 30_000,
      },
    );
    expect(run).toMatchObject({ exitCode: 0, timedOut: false, output: 'done\n' });
    for (const pid of pids(pidFile)) expect(running(pid)).toBe(false);
  });

  test('a process that leaves the group (setsid) and holds the output pipe does not hang the run', async () => {
    const cwd = tempDir();
    const pidFile = path.join(cwd, 'pids');
    const run = await commands.run(
      `setsid sh -c 'echo $$ > "${pidFile}.new"; mv "${pidFile}.new" "${pidFile}"; exec sleep 100' & until [ -e "${pidFile}" ]; do sleep 0.05; done; echo left`,
      { cwd, env, timeoutMs: 30_000 },
    );
    expect(run).toMatchObject({ exitCode: 0, timedOut: false, output: 'left\n' });
    // Out of reach of a process-group kill (a known limit); this test started it, so it stops it.
    for (const pid of pids(pidFile)) process.kill(pid, 'SIGKILL');
  });

  test('output larger than the cap is cut to its tail', async () => {
    // ~1 MiB of numbered lines on stdout, then a marker on stderr.
    const run = await commands.run(
      'i=0; while [ $i -lt 20000 ]; do echo "line $i ................................................"; i=$((i+1)); done; echo THE-END >&2',
      {
        cwd: tempDir(),
        env,
        timeoutMs: 60_000,
      },
    );
    expect(run.exitCode).toBe(0);
    expect(run.output.length).toBeLessThanOrEqual(OUTPUT_TAIL_CHARS);
    expect(run.output.length).toBeGreaterThan(OUTPUT_TAIL_CHARS - 100);
    expect(run.output.endsWith('line 19999 ................................................\nTHE-END\n')).toBe(true);
    expect(run.output).not.toContain('line 0 ');
  });

  test('multi-byte characters split across chunks survive', async () => {
    const run = await commands.run(`printf 'h\\303'; sleep 0.1; printf '\\251llo \\360\\237\\232\\242\\n'`, {
      cwd: tempDir(),
      env,
      timeoutMs: 10_000,
    });
    expect(run.output).toBe('héllo 🚢\n');
  });

  test('a missing working folder is a clear start error, and nothing runs', async () => {
    const cwd = path.join(tempDir(), 'missing');
    await expect(commands.run('touch ran', { cwd, env, timeoutMs: 10_000 })).rejects.toThrow(CommandStartError);
    await expect(commands.run('touch ran', { cwd, env, timeoutMs: 10_000 })).rejects.toThrow(
      `cannot run "touch ran": working folder ${cwd} does not exist`,
    );
    expect(existsSync(path.join(cwd, 'ran'))).toBe(false);
  });

  test('an environment value a process cannot carry is refused without echoing it', async () => {
    const cwd = tempDir();
    const attempt = commands.run('touch ran', { cwd, env: { ...env, API_KEY: 'hunter2\0x' }, timeoutMs: 10_000 });
    await expect(attempt).rejects.toThrow(
      'cannot run "touch ran": environment variable API_KEY holds a NUL byte, which a process environment cannot carry',
    );
    await expect(attempt).rejects.not.toThrow(/hunter2/);
    await expect(commands.run('true', { cwd, env: { 'A=B': '1' }, timeoutMs: 10_000 })).rejects.toThrow(
      CommandStartError,
    );
    expect(existsSync(path.join(cwd, 'ran'))).toBe(false);
  });

  test('an invalid timeout is refused', async () => {
    await expect(commands.run('true', { cwd: tempDir(), env, timeoutMs: 0 })).rejects.toThrow(RangeError);
  });
});
