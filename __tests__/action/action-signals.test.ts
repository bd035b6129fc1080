// A cancelled job: the runner sends SIGINT (then SIGTERM) to the action. The running gate's process group is stopped, its
// scratch copy removed, the checkout untouched, and the step ends with 130/143 (the action's TypeScript entry via tsx).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleRepo, git } from '../support/example-repo.js';

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

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)(
  'a promote dry run cancelled by %s during a gate: exit %d, the gate stopped, nothing left behind',
  async (signal, exitCode) => {
    const marks = mkdtempSync(path.join(tmpdir(), 'stagecoach-marks-'));
    const repo = exampleRepo();
    const config = path.join(repo, 'stagecoach.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        '    paths: [envs/staging]\n',
        `    paths: [envs/staging]\n    gates:\n      commands:\n        - name: slow\n          run: echo "$PWD" > ${marks}/scratch; sleep 300 & echo $! > ${marks}/sleep; wait\n`,
      ),
    );
    git(repo, 'commit', '-qam', 'gate');
    const outputs = path.join(marks, 'output');
    writeFileSync(outputs, '');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/action/index.ts'], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_WORKSPACE: repo,
        GITHUB_OUTPUT: outputs,
        GITHUB_STEP_SUMMARY: path.join(marks, 'summary'),
        INPUT_COMMAND: 'promote',
        INPUT_FROM: 'dev',
        INPUT_TO: 'staging',
        'INPUT_DRY-RUN': 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
    const sleeper = Number(await waitFor(path.join(marks, 'sleep')));
    const scratch = await waitFor(path.join(marks, 'scratch'));
    child.kill(signal);
    expect(await exit).toBe(exitCode);
    expect(stderr).toContain(`stagecoach: interrupted by ${signal}; stopping and cleaning up`);
    expect(running(sleeper)).toBe(false);
    expect(existsSync(scratch)).toBe(false);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  },
  120_000,
);
