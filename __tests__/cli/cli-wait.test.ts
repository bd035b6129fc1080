// `stagecoach wait` against a real control plane: rolled out (0), failing fast (1), unreachable (1), timed out while
// still rolling out (4), usage (2); each phase printed once. The tests play the kubelet and Flux while it waits.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import {
  type ControlPlane,
  createNamespace,
  loadCrds,
  setPodState,
  startControlPlane,
} from '../support/kube-cluster.js';
import * as s from '../support/live-scenarios.js';

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
  await loadCrds(cp.api, ['Kustomization']);
  await createNamespace(cp.api, 'flux-system');
}, 120_000);
afterAll(async () => cp?.stop(), 60_000);

const manifest = (version: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/api:${version}\n`;

function repoFor(live: string): { repo: string; head: string; first: string } {
  const repo = mkdtempSync(path.join(tmpdir(), 'stagecoach-wait-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.invalid', ...args], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
  writeFileSync(
    path.join(repo, 'stagecoach.yaml'),
    `clusters:\n  kind: { server: "${cp.server}", tokenEnv: KIND_TOKEN, caEnv: KIND_CA }\nstages:\n  - name: staging\n    path: envs/staging\n    live: ${live}\n`,
  );
  mkdirSync(path.join(repo, 'envs', 'staging'), { recursive: true });
  writeFileSync(path.join(repo, 'envs', 'staging', 'api.yaml'), manifest('1.5.2'));
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'first');
  const first = git('rev-parse', 'HEAD');
  writeFileSync(path.join(repo, 'envs', 'staging', 'api.yaml'), manifest('1.6.0'));
  git('commit', '-qam', 'staging: api 1.6.0');
  return { repo, head: git('rev-parse', 'HEAD'), first };
}

async function wait(repo: string, args: string[], token = 'admin-token') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['wait', '--repo', repo, ...args], {
    cwd: repo,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { KIND_TOKEN: token, KIND_CA: cp.ca },
  });
  return { code, out, err: err.join('\n') };
}

/** Plays the kubelet until stopped: every new pod of `ns` becomes ready. */
function kubelet(ns: string): () => void {
  let running = true;
  void (async () => {
    while (running) {
      const pods = await cp.api.list(`/api/v1/namespaces/${ns}/pods`).catch(() => []);
      for (const pod of pods)
        if (!(pod.status as { containerStatuses?: unknown }).containerStatuses)
          await setPodState(cp.api, pod, 'ready').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return () => void (running = false);
}

describe('wait (real control plane)', () => {
  test('plain: waits through the rollout, prints each phase once, exits 0', async () => {
    await createNamespace(cp.api, 'roll');
    await s.midRollout(cp.api, 'roll', '1.5.2', '1.6.0');
    const { repo } = repoFor('{ cluster: kind, agent: plain, namespaces: [roll] }');
    const stop = kubelet('roll');
    try {
      const result = await wait(repo, ['--stage', 'staging', '--timeout', '60s']);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out[0]).toMatch(
        /^rolling out ghcr\.io\/acme\/api 1\.6\.0: 1\.5\.2 → 1\.6\.0 \(\d\/3 updated\) roll\/Deployment\/api$/,
      );
      expect(result.out).toContain('ghcr.io/acme/api 1.6.0: 3/3 available');
      expect(result.out[result.out.length - 1]).toMatch(/^staging rolled out \(\d+s\)\.$/);
      expect(new Set(result.out).size).toBe(result.out.length);
    } finally {
      stop();
    }
  });

  test('flux: waits for the agent to apply the commit (--commit), then for the rollout', async () => {
    await createNamespace(cp.api, 'fluxed');
    await s.healthyDeployment(cp.api, 'fluxed', '1.5.2');
    const { repo, head, first } = repoFor('{ cluster: kind, agent: flux, kustomizations: [flux-system/fluxed] }');
    await s.kustomization(cp.api, 'flux-system', 'fluxed', './envs/staging', {
      lastAppliedRevision: `main@sha1:${first}`,
      conditions: [s.ready('ReconciliationSucceeded', 'Applied')],
      inventory: s.fluxInventory('fluxed', [['Deployment', 'api']]),
    });
    const stop = kubelet('fluxed');
    const running = wait(repo, ['--stage', 'staging', '--commit', head.slice(0, 10), '--timeout', '60s']);
    // Flux applies the new commit a moment later: the Deployment gets 1.6.0, the Kustomization the new revision.
    await new Promise((r) => setTimeout(r, 2500));
    await cp.api.merge('/apis/apps/v1/namespaces/fluxed/deployments/api', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/api:1.6.0' }] } } },
    });
    await cp.api.merge('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/fluxed/status', {
      status: { lastAppliedRevision: `main@sha1:${head}` },
    });
    try {
      const result = await running;
      expect(result.code).toBe(0);
      expect(result.out[0]).toBe(
        `waiting for the agent to apply the commit: flux-system/Kustomization/fluxed: flux has applied main@sha1:${first.slice(0, 7)}, not yet the commit that set the versions`,
      );
      expect(result.out).toContain('ghcr.io/acme/api 1.6.0: 3/3 available');
    } finally {
      stop();
    }
  });

  test("fails fast on a stuck rollout (exit 1), in the kubelet's words", async () => {
    await createNamespace(cp.api, 'crashing');
    await s.brokenRollout(cp.api, 'crashing', '1.5.2', '1.6.0', { crashLoop: 1, restarts: 4 });
    const { repo } = repoFor('{ cluster: kind, agent: plain, namespaces: [crashing] }');
    const started = Date.now();
    const result = await wait(repo, ['--stage', 'staging', '--timeout', '10m']);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.out[result.out.length - 1]).toMatch(
      /^staging: failed:\n {2}ghcr\.io\/acme\/api 1\.6\.0: stuck \(1\.6\.0 CrashLoopBackOff \(1 pod, \d+s\): exit code 1 after 4 restarts/,
    );
  });

  test('times out while still rolling out: exit 4; an unreadable cluster: exit 1; usage: exit 2', async () => {
    await createNamespace(cp.api, 'pulling');
    await s.brokenRollout(cp.api, 'pulling', '1.5.2', '1.6.0', {
      waiting: 'ImagePullBackOff',
      message: 'Back-off pulling image',
    });
    const { repo } = repoFor('{ cluster: kind, agent: plain, namespaces: [pulling] }');
    const timedOut = await wait(repo, ['--stage', 'staging', '--timeout', '3s']);
    expect(timedOut.code).toBe(4);
    expect(timedOut.out[timedOut.out.length - 1]).toMatch(
      /^staging: timed out after \ds while still rolling out:\n {2}ghcr\.io\/acme\/api 1\.6\.0: rolling-out \(1\.6\.0 ImagePullBackOff/,
    );
    const denied = await wait(repo, ['--stage', 'staging', '--timeout', '1m'], 'wrong-token');
    expect(denied.code).toBe(1);
    expect(denied.out.join('\n')).toContain(
      'staging: unreachable:\n  ghcr.io/acme/api 1.6.0: unreachable (token rejected (401 Unauthorized: expired or wrong credentials?))',
    );
    expect(denied.out.join('\n')).not.toContain('wrong-token');
    const usage = await wait(repo, ['--timeout', 'soon']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('wait needs --stage NAME');
    expect(usage.err).toContain('--timeout: expected a duration');
  });
});
