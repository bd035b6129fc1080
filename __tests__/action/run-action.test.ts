import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ActionIo } from '../../src/adapters/action-io.js';
import { run } from '../../src/action/run-action.js';
import { runAction } from '../support/action-runner.js';
import { EXAMPLE, exampleRepo, git } from '../support/example-repo.js';

/** An ActionIo that records every call. */
function recordingIo(inputs: Record<string, string>) {
  const calls = {
    outputs: {} as Record<string, string>,
    summaries: [] as string[],
    logs: [] as string[],
    failed: [] as string[],
    secrets: [] as string[],
    files: {} as Record<string, string>,
  };
  const temp = mkdtempSync(path.join(tmpdir(), 'stagecoach-temp-'));
  const io: ActionIo = {
    input: (name) => inputs[name] ?? '',
    setOutput: (name, value) => void (calls.outputs[name] = value),
    summary: async (markdown) => void calls.summaries.push(markdown),
    log: (level, message, where) =>
      void calls.logs.push(`${level} ${where ? `${where.file}:${where.line} ` : ''}${message}`),
    group: (name) => void calls.logs.push(name === undefined ? 'endgroup' : `group ${name}`),
    saveFile: (name, text) => {
      const file = path.join(temp, name);
      writeFileSync(file, text);
      calls.files[file] = text;
      return file;
    },
    setSecret: (value) => void calls.secrets.push(value),
    fail: (message) => void calls.failed.push(message),
  };
  return { io, calls };
}

describe('the action (src/main.ts)', () => {
  test('plan sets the plan and changes outputs and writes the summary table', async () => {
    const { io, calls } = recordingIo({ command: 'plan', from: 'dev', to: 'staging', 'working-directory': EXAMPLE });
    await run(io, { GITHUB_WORKSPACE: path.dirname(EXAMPLE) });
    expect(calls.failed).toEqual([]);
    expect(calls.outputs.changes).toBe('6');
    expect(JSON.parse(calls.outputs.plan).to).toBe('staging');
    expect(calls.summaries.join('')).toContain(
      '| `ghcr.io/acme/web` | `HelmRelease/web` / `image` | `envs/staging/web-helmrelease.yaml:19` | `2.1.0` → `2.2.0` |',
    );
    // A skipped target file is one notice, not a warning; the log groups the phases and ends with the totals.
    expect(calls.logs).toContainEqual(
      expect.stringMatching(/^notice config-repo\/envs\/staging\/chart\/templates\/deployment\.yaml:\d+ Skipped/),
    );
    // The one warning: the api line's $imagepolicy marker names an ImagePolicy the example repo does not hold.
    expect(calls.logs.filter((line) => line.startsWith('warning'))).toEqual([
      expect.stringMatching(
        /^warning config-repo\/envs\/staging\/api-deployment\.yaml:23 .*flux-system:api, an ImagePolicy not in the repository/,
      ),
    ]);
    expect(calls.logs.filter((line) => line.startsWith('group'))).toEqual([
      'group config',
      'group scan: dev, staging',
      'group plan: dev → staging',
    ]);
    expect(calls.logs).toContain('info Plan dev → staging: 6 changes in 5 files (6 images).');
    expect(calls.logs).toContainEqual(expect.stringMatching(/^debug input to: "staging"$/));
    expect(calls.logs.join('\n')).not.toMatch(/input token/);
    // The whole plan is in a file the plan-file output names.
    expect(JSON.parse(calls.files[calls.outputs['plan-file']])).toEqual(JSON.parse(calls.outputs.plan));
  });

  test('an unknown stage is an input mistake with the closest stage and the list, not a config error', async () => {
    const { io, calls } = recordingIo({ command: 'plan', from: 'dev', to: 'prod', 'working-directory': EXAMPLE });
    await run(io, { GITHUB_WORKSPACE: path.dirname(EXAMPLE) });
    expect(calls.failed).toEqual([
      'input to prod: no stage is named "prod"; did you mean "production"? (the stages are dev, staging, production)',
    ]);
    expect(calls.outputs).toEqual({});
  });

  test('all input problems are reported at once and nothing runs', async () => {
    const { io, calls } = recordingIo({ command: 'promote', 'dry-run': 'maybe', 'working-directory': EXAMPLE });
    await run(io, {});
    expect(calls.failed).toHaveLength(1);
    expect(calls.failed[0]).toMatch(/input from/);
    expect(calls.failed[0]).toMatch(/input to/);
    expect(calls.failed[0]).toMatch(/input dry-run: expected true or false, got "maybe"/);
    expect(calls.failed[0]).toMatch(/input github-token: promote opens a pull request/);
    expect(calls.outputs).toEqual({});
  });

  test('a promote dry run writes nothing', async () => {
    const repo = exampleRepo();
    const { io, calls } = recordingIo({
      command: 'promote',
      from: 'dev',
      to: 'staging',
      'dry-run': 'true',
      'working-directory': repo,
    });
    await run(io, {});
    expect(calls.failed).toEqual([]);
    expect(calls.outputs.changes).toBe('6');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('anything thrown fails the step with a message, not only Error', async () => {
    const { io, calls } = recordingIo({ command: 'status', 'working-directory': EXAMPLE });
    const throwing: ActionIo = { ...io, summary: () => Promise.reject('summary file is not writable') };
    await run(throwing, {});
    expect(calls.failed).toEqual(['Stagecoach failed: summary file is not writable']);
  });
});

describe('the bundled action (dist/index.js) as GitHub runs it', () => {
  beforeAll(() => expect(existsSync('dist/index.js')).toBe(true));

  test('plan: outputs and job summary files', () => {
    const result = runAction(
      { command: 'plan', from: 'dev', to: 'staging', 'working-directory': 'examples/config-repo' },
      { GITHUB_WORKSPACE: process.cwd() },
    );
    expect(result.status).toBe(0);
    expect(result.outputs.changes).toBe('6');
    expect(JSON.parse(result.outputs.plan).changes).toHaveLength(6);
    expect(result.summary).toContain('## Promotion plan: `dev` → `staging`');
    expect(result.stdout).toMatch(
      /::notice file=examples\/config-repo\/envs\/staging\/chart\/templates\/deployment\.yaml,line=\d+::Skipped/,
    );
  });

  test('status: the board in the summary', () => {
    const result = runAction(
      { command: 'status', 'working-directory': 'examples/config-repo' },
      { GITHUB_WORKSPACE: process.cwd() },
    );
    expect(result.status).toBe(0);
    expect(result.summary).toContain('## Pipeline status');
    expect(JSON.parse(result.outputs.status).drift).toBe(1);
  });

  test('a config mistake fails the step with exit 1 and an ::error:: line, no stack trace', () => {
    const result = runAction(
      { command: 'plan', from: 'dev', to: 'nowhere', 'working-directory': 'examples/config-repo' },
      { GITHUB_WORKSPACE: process.cwd() },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/::error::.*nowhere/);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
  });
});
