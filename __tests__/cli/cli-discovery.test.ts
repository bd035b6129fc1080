// Run from a subfolder, the CLI finds stagecoach.yaml at the git top-level (as git and kustomize do), or names the
// folder it looked in.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { exampleRepo, git } from '../support/example-repo.js';

async function cli(args: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { cwd, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

test('from a stage subfolder, plan reads the stagecoach.yaml at the git top-level', async () => {
  const repo = exampleRepo();
  const fromRoot = await cli(['plan', '--from', 'dev', '--to', 'staging', '--json'], repo);
  const fromSub = await cli(['plan', '--from', 'dev', '--to', 'staging', '--json'], path.join(repo, 'envs/staging'));
  expect(fromSub.stderr).toBe('');
  expect(fromSub.code).toBe(0);
  expect(JSON.parse(fromSub.stdout).changes.length).toBeGreaterThan(0);
  expect(fromSub.stdout).toBe(fromRoot.stdout);
});

test('a git repository without stagecoach.yaml: the message names the top-level it looked in', async () => {
  const repo = mkdtempSync(path.join(tmpdir(), 'stagecoach-discovery-'));
  git(repo, 'init', '-q', '-b', 'main');
  mkdirSync(path.join(repo, 'envs/dev'), { recursive: true });
  writeFileSync(path.join(repo, 'envs/dev/a.yaml'), 'image: nginx:1.27\n');
  const result = await cli(['status'], path.join(repo, 'envs/dev'));
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`No stagecoach.yaml in ${repo} (the git top-level of the current folder)`);
});

test('outside any git repository: the current folder, named', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-no-git-'));
  const result = await cli(['status'], dir);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`No stagecoach.yaml in ${dir} (the current folder)`);
});
