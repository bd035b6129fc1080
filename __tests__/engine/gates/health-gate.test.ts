// gates.health against a real control plane: the source stage must be in sync and stay so for stableFor; it fails at
// once on a stuck rollout or an unreadable cluster, and at the timeout while still rolling out. The gate's clock is
// virtual (its sleeps advance it), the cluster is real.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalFiles } from '../../../src/adapters/local-files.js';
import { runCli } from '../../../src/cli/run-cli.js';
import { parseConfig } from '../../../src/core/config/index.js';
import { liveDependencies } from '../../../src/engine/live.js';
import { checkHealth } from '../../../src/engine/gates/health-gate.js';
import { scanStage } from '../../../src/engine/scan.js';
import { type ControlPlane, createNamespace, playKubelet, startControlPlane } from '../../support/kube-cluster.js';
import * as s from '../../support/live-scenarios.js';

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
}, 120_000);
afterAll(async () => cp?.stop(), 60_000);

const manifest = (version: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/api:${version}\n`;

/** A config repo whose staging stage runs in namespace `ns` (plain), with api at `version` in git. */
async function setup(
  ns: string,
  version: string,
  token = 'admin-token',
  live = true,
  health = '{ timeout: 10m, stableFor: 30s }',
) {
  const repo = mkdtempSync(path.join(tmpdir(), 'stagecoach-health-'));
  const config = `clusters:\n  kind: { server: "${cp.server}", tokenEnv: KIND_TOKEN, caEnv: KIND_CA }\nstages:\n  - name: staging\n    path: envs/staging\n${live ? `    live: { cluster: kind, agent: plain, namespaces: [${ns}] }\n` : ''}  - name: production\n    path: envs/production\n    gates:\n      health: ${health}\n`;
  writeFileSync(path.join(repo, 'stagecoach.yaml'), config);
  mkdirSync(path.join(repo, 'envs', 'staging'), { recursive: true });
  writeFileSync(path.join(repo, 'envs', 'staging', 'api.yaml'), manifest(version));
  mkdirSync(path.join(repo, 'envs', 'production'), { recursive: true });
  writeFileSync(path.join(repo, 'envs', 'production', 'api.yaml'), manifest('1.0.0'));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.invalid', 'add', '-A'], { cwd: repo });
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.invalid', 'commit', '-qm', 'x'], { cwd: repo });
  const pipeline = parseConfig(config, 'stagecoach.yaml');
  const source = await scanStage(createLocalFiles(repo), pipeline, pipeline.stages[0]);
  let clock = Date.now();
  let reads = 0;
  let onSleep: () => Promise<void> = async () => undefined;
  const deps = {
    ...liveDependencies(repo, { KIND_TOKEN: token, KIND_CA: cp.ca }),
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
      reads += 1;
      await onSleep();
    },
  };
  const gate = pipeline.stages[1].gates.health as { timeoutSeconds: number; stableForSeconds: number };
  const releases = [{ image: 'ghcr.io/acme/api', version: { tag: version } }];
  return {
    repo,
    check: (overrides: Partial<typeof gate> = {}) =>
      checkHealth(pipeline, source, releases, { ...gate, ...overrides }, deps),
    reads: () => reads,
    whileWaiting: (hook: () => Promise<void>) => void (onSleep = hook),
  };
}

describe('gates.health (real control plane)', () => {
  test('promote runs it with the other gates: its result in --json, a failure exits 1 and writes nothing', async () => {
    await createNamespace(cp.api, 'wired');
    await s.brokenRollout(cp.api, 'wired', '1.5.2', '1.6.0', { crashLoop: 1, restarts: 5 });
    const h = await setup('wired', '1.6.0', 'admin-token', true, '{ timeout: 0, stableFor: 0 }');
    const out: string[] = [];
    const env = { KIND_TOKEN: 'admin-token', KIND_CA: cp.ca };
    const code = await runCli(['promote', '--from', 'staging', '--to', 'production', '--repo', h.repo, '--json'], {
      cwd: h.repo,
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      env,
    });
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/health/);
    expect(out.join('\n')).toMatch(/CrashLoopBackOff/);
    expect(readFileSync(path.join(h.repo, 'envs', 'production', 'api.yaml'), 'utf8')).toContain('api:1.0.0');
  });

  test('passes only once the source stage has stayed in sync for stableFor', async () => {
    await createNamespace(cp.api, 'stable');
    await s.healthyDeployment(cp.api, 'stable', '1.6.0');
    const h = await setup('stable', '1.6.0');
    const result = await h.check();
    expect(result.passed).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(30_000);
    expect(h.reads()).toBe(6); // in sync at 0s, then every 5s until 30s
    expect(result.details).toEqual(['ghcr.io/acme/api 1.6.0 staging: in sync on kind, stable for 30s']);
    const short = await h.check({ timeoutSeconds: 20 });
    expect(short.passed).toBe(false);
    expect(short.details).toEqual(['in sync, but not yet for 30s when the timeout (20s) came']);
  });

  test('waits through a rollout (the kubelet brings the new pods up meanwhile), then holds for stableFor', async () => {
    await createNamespace(cp.api, 'rolling');
    await s.midRollout(cp.api, 'rolling', '1.5.2', '1.6.0');
    const h = await setup('rolling', '1.6.0');
    h.whileWaiting(async () => {
      const pods = await cp.api.list('/api/v1/namespaces/rolling/pods?labelSelector=app%3Dapi');
      const fresh = pods.filter(
        (p) =>
          !(p.status as { containerStatuses?: unknown }).containerStatuses &&
          !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp,
      );
      if (fresh.length > 0)
        await playKubelet(cp.api, 'rolling', 'api', 1, (pod) =>
          fresh.some((f) => (f.metadata as { name: string }).name === (pod.metadata as { name: string }).name)
            ? 'ready'
            : undefined,
        );
      await new Promise((r) => setTimeout(r, 300)); // the controller's turn
    });
    const result = await h.check();
    expect(result.passed).toBe(true);
    expect(h.reads()).toBeGreaterThan(6);
  });

  test("fails at once on a stuck rollout, in the kubelet's words", async () => {
    await createNamespace(cp.api, 'crash');
    await s.brokenRollout(cp.api, 'crash', '1.5.2', '1.6.0', { crashLoop: 3, restarts: 4 });
    const h = await setup('crash', '1.6.0');
    const result = await h.check();
    expect(result.passed).toBe(false);
    expect(h.reads()).toBe(0);
    expect(result.failures).toEqual([
      {
        image: 'ghcr.io/acme/api',
        version: '1.6.0',
        message: expect.stringMatching(
          /^stuck in staging: 1\.6\.0 CrashLoopBackOff \(1 pod, \d+s\): exit code 3 after 4 restarts/,
        ),
      },
    ]);
  });

  test('times out while still rolling out; a pod reason that lasts stuckAfter fails it before the timeout', async () => {
    await createNamespace(cp.api, 'pull');
    await s.brokenRollout(cp.api, 'pull', '1.5.2', '1.6.0', {
      waiting: 'ImagePullBackOff',
      message: 'Back-off pulling image "ghcr.io/acme/api:1.6.0"',
    });
    const h = await setup('pull', '1.6.0');
    const timedOut = await h.check({ timeoutSeconds: 60 });
    expect(timedOut.passed).toBe(false);
    expect(timedOut.details[0]).toMatch(
      /^ghcr\.io\/acme\/api 1\.6\.0 staging: rolling-out \(1\.6\.0 ImagePullBackOff \(1 pod, (59s|1m)\): Back-off pulling image .*\); still not in sync after 1m$/,
    );
    const stuck = await h.check();
    expect(stuck.passed).toBe(false);
    expect(stuck.details[0]).toMatch(/staging: stuck \(1\.6\.0 ImagePullBackOff \(1 pod, 2m\)/);
  });

  test('fails closed: an unreadable cluster (401) at once; a source stage without live: with a clear message', async () => {
    await createNamespace(cp.api, 'denied');
    const denied = await (await setup('denied', '1.6.0', 'wrong-token')).check();
    expect(denied.passed).toBe(false);
    expect(denied.details).toEqual([
      'ghcr.io/acme/api 1.6.0 staging: unreachable (token rejected (401 Unauthorized: expired or wrong credentials?))',
    ]);
    expect(JSON.stringify(denied)).not.toContain('wrong-token');
    const none = await (await setup('denied', '1.6.0', 'admin-token', false)).check();
    expect(none.details).toEqual([
      'staging has no live: section, so its health cannot be checked; say where it runs (stages[].live) or remove gates.health',
    ]);
  });
});
