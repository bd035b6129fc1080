// plan/promote --source live against a real control plane: the versions on the source stage's ready pods, refused
// mid-rollout, with a warning when live differs from the stage's git.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ActionIo } from '../../src/adapters/action-io.js';
import { run } from '../../src/action/run-action.js';
import { runCli } from '../../src/cli/run-cli.js';
import { type ControlPlane, createNamespace, startControlPlane } from '../support/kube-cluster.js';
import * as s from '../support/live-scenarios.js';

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
}, 120_000);
afterAll(async () => cp?.stop(), 60_000);

const manifest = (version: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/api:${version}\n`;

function repoFor(ns: string, stagingVersion: string): string {
  const repo = mkdtempSync(path.join(tmpdir(), 'stagecoach-source-live-'));
  writeFileSync(
    path.join(repo, 'stagecoach.yaml'),
    `clusters:\n  kind: { server: "${cp.server}", tokenEnv: KIND_TOKEN, caEnv: KIND_CA }\nstages:\n  - name: staging\n    path: envs/staging\n    live: { cluster: kind, agent: plain, namespaces: [${ns}] }\n  - name: production\n    path: envs/production\n`,
  );
  for (const [stage, version] of [
    ['staging', stagingVersion],
    ['production', '1.0.0'],
  ]) {
    mkdirSync(path.join(repo, 'envs', stage), { recursive: true });
    writeFileSync(path.join(repo, 'envs', stage, 'api.yaml'), manifest(version));
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.invalid', ...args], { cwd: repo });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'x');
  return repo;
}

async function cli(repo: string, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...args, '--repo', repo], {
    cwd: repo,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { KIND_TOKEN: 'admin-token', KIND_CA: cp.ca },
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('--source live (real control plane)', () => {
  test('refuses a stage that is mid-rollout, saying what runs where; nothing is written', async () => {
    await createNamespace(cp.api, 'mid');
    await s.midRollout(cp.api, 'mid', '1.5.2', '1.6.0');
    const repo = repoFor('mid', '1.6.0');
    const result = await cli(repo, ['promote', '--from', 'staging', '--to', 'production', '--source', 'live']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Refusing --source live (nothing was written):\n  staging is mid-rollout for ghcr.io/acme/api: 1.5.2 on 2 pods, 1.6.0 on 1 pod',
    );
    expect(readFileSync(path.join(repo, 'envs', 'production', 'api.yaml'), 'utf8')).toContain('api:1.0.0');
  });

  test("takes the version that runs; warns when it is not the one in the stage's git", async () => {
    await createNamespace(cp.api, 'hotfix');
    await s.healthyDeployment(cp.api, 'hotfix', '1.5.9');
    const drifted = JSON.parse(
      (
        await cli(repoFor('hotfix', '1.6.0'), [
          'plan',
          '--from',
          'staging',
          '--to',
          'production',
          '--source',
          'live',
          '--json',
        ])
      ).stdout,
    );
    expect(drifted.changes.map((c: { old: string; new: string }) => `${c.old}→${c.new}`)).toEqual(['1.0.0→1.5.9']);
    expect(drifted.warnings).toContainEqual(
      expect.objectContaining({
        message: 'live differs from git: ghcr.io/acme/api: staging runs 1.5.9 on its clusters, its git says 1.6.0',
      }),
    );
    const same = await cli(repoFor('hotfix', '1.5.9'), [
      'promote',
      '--from',
      'staging',
      '--to',
      'production',
      '--source',
      'live',
    ]);
    expect(same.code).toBe(0);
  });

  test('the action (command: plan, source: live): the plan takes what runs, the token is masked', async () => {
    await createNamespace(cp.api, 'action-live');
    await s.healthyDeployment(cp.api, 'action-live', '1.5.9');
    const repo = repoFor('action-live', '1.6.0');
    const outputs: Record<string, string> = {};
    const secrets: string[] = [];
    const failed: string[] = [];
    const inputs: Record<string, string> = {
      command: 'plan',
      from: 'staging',
      to: 'production',
      source: 'live',
      'working-directory': repo,
    };
    const io: ActionIo = {
      input: (name) => inputs[name] ?? '',
      setOutput: (name, value) => void (outputs[name] = value),
      summary: async () => undefined,
      log: () => undefined,
      setSecret: (value) => void secrets.push(value),
      fail: (message) => void failed.push(message),
      group: () => undefined,
      saveFile: () => '',
    };
    await run(io, { GITHUB_WORKSPACE: repo, KIND_TOKEN: 'admin-token', KIND_CA: cp.ca });
    expect(failed).toEqual([]);
    expect(secrets).toContain('admin-token');
    expect(JSON.parse(outputs.plan).changes.map((c: { new: string }) => c.new)).toEqual(['1.5.9']);
  });

  test('--source goes with plan or promote --from', async () => {
    const repo = repoFor('none', '1.6.0');
    const result = await cli(repo, ['status', '--source', 'live']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--source goes with plan and promote');
    const fromRegistry = await cli(repo, [
      'plan',
      '--image',
      'ghcr.io/acme/api:1.0.0',
      '--to',
      'production',
      '--source',
      'live',
    ]);
    expect(fromRegistry.code).toBe(2);
    expect(fromRegistry.stderr).toContain('--source live goes with plan or promote --from STAGE');
  });
});
