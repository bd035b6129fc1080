// The action under misuse: a missing summary file or working folder is reported as such, never "failed unexpectedly".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createActionIo } from '../../src/adapters/action-io.js';
import { run } from '../../src/action/run-action.js';
import { EXAMPLE, exampleRepo } from '../support/example-repo.js';

/** Runs the action in-process with the real @actions/core I/O and returns what it printed and its exit code. */
async function runWithCore(inputs: Record<string, string>, env: Record<string, string | undefined>) {
  const saved = { ...process.env };
  const savedExitCode = process.exitCode;
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  for (const name of Object.keys(process.env))
    if (name.startsWith('INPUT_') || name.startsWith('GITHUB_')) delete process.env[name];
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  process.stdout.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    process.exitCode = 0;
    await run(createActionIo(), process.env);
    return { stdout: printed.join(''), exitCode: process.exitCode };
  } finally {
    process.stdout.write = write;
    process.exitCode = savedExitCode;
    process.env = saved;
  }
}

describe('the action under misuse', () => {
  test('without GITHUB_STEP_SUMMARY the step warns and goes on', async () => {
    const result = await runWithCore(
      { command: 'status', 'working-directory': EXAMPLE },
      { GITHUB_WORKSPACE: path.dirname(EXAMPLE), GITHUB_STEP_SUMMARY: undefined, GITHUB_OUTPUT: undefined },
    );
    expect(result.stdout).toContain('::warning::No job summary written: GITHUB_STEP_SUMMARY is not set');
    expect(result.stdout).not.toContain('::error');
    expect(result.exitCode).toBe(0);
  });

  test('a working-directory that does not exist is an input error, not "failed unexpectedly"', async () => {
    const result = await runWithCore(
      { command: 'plan', from: 'dev', to: 'staging', 'working-directory': 'no-such-folder' },
      { GITHUB_WORKSPACE: path.dirname(EXAMPLE) },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('input working-directory: no such folder no-such-folder in the workspace');
    expect(result.stdout).not.toContain('unexpectedly');
  });

  test('annotations and failure messages never carry a raw escape sequence', async () => {
    const result = await runWithCore(
      { command: 'plan', from: 'dev', to: 'staging\u001b[2J', 'working-directory': EXAMPLE },
      { GITHUB_WORKSPACE: path.dirname(EXAMPLE) },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).not.toContain('\u001b');
  });

  test('an invalid GITHUB_EVENT_PATH file is named in one error line, never a stack', async () => {
    const repo = exampleRepo();
    const event = path.join(mkdtempSync(path.join(tmpdir(), 'stagecoach-event-')), 'event.json');
    writeFileSync(event, '{"pull_request": {"base": ');
    const result = await runWithCore(
      { command: 'verify', to: 'staging', 'working-directory': repo },
      { GITHUB_WORKSPACE: path.dirname(repo), GITHUB_EVENT_PATH: event },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^::error::The step's inputs need fixing:.*GITHUB_EVENT_PATH \S+ is not valid JSON/m);
    expect(result.stdout).toContain(event);
    expect(result.stdout).not.toMatch(/unexpectedly|at \w+ \(/);
  });

  test('promote over a stage is refused naming the stages unless input skip-stages is set', async () => {
    const inputs = {
      command: 'promote',
      from: 'dev',
      to: 'production',
      'dry-run': 'true',
      'working-directory': EXAMPLE,
    };
    const env = { GITHUB_WORKSPACE: path.dirname(EXAMPLE) };
    const refused = await runWithCore(inputs, env);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain(
      '::error::promote from dev to production skips staging (dev → staging → production): promote dev → staging first, or pass --skip-stages (input skip-stages) to go over it',
    );
    const allowed = await runWithCore({ ...inputs, 'skip-stages': 'true', 'allow-downgrade': 'true' }, env);
    expect(allowed.stdout).not.toContain('skips staging');
    expect(allowed.exitCode).toBe(0);
  });

  test('the action process with an invalid GITHUB_EVENT_PATH file fails in one line, no Node stack', () => {
    const event = path.join(mkdtempSync(path.join(tmpdir(), 'stagecoach-event-')), 'event.json');
    writeFileSync(event, 'not json');
    const { status, stdout, stderr } = spawnSync(process.execPath, ['--import', 'tsx', 'src/action/index.ts'], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        INPUT_COMMAND: 'verify',
        'INPUT_WORKING-DIRECTORY': exampleRepo(),
        GITHUB_WORKSPACE: tmpdir(),
        GITHUB_EVENT_PATH: event,
      },
    });
    expect(status).toBe(1);
    expect(stderr).toBe('');
    expect(stdout).toContain(`GITHUB_EVENT_PATH ${event} is not valid JSON`);
    expect(stdout).not.toMatch(/SyntaxError|at \w+ \(|node:internal/);
  }, 60_000);
});
