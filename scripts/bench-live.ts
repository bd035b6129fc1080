// npm run bench (second part): `status --live` against the local control plane (scripts/kube-ci.sh) at 200 and 2,000
// workloads: API requests per cluster and wall time of the live read (git scan, lists, rules). Target at 2,000: under
// 3 s and under 40 requests. Usage: npx tsx scripts/bench-live.ts [-- --sizes 200,2000 --runs 3]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLocalFiles } from '../src/adapters/local-files.js';
import { parseConfig } from '../src/core/config/index.js';
import { liveDependencies, readLive } from '../src/engine/live.js';
import { readStatus } from '../src/engine/status.js';
import { type KubeApi, createNamespace, startControlPlane } from '../__tests__/support/kube-cluster.js';
import { setPodState } from '../__tests__/support/kube-cluster.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '200,2000' }, runs: { type: 'string', default: '3' } },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
/** Workloads are spread over this many namespaces (one list per kind per namespace). */
const NAMESPACES = 4;

async function pool<T>(items: T[], width: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await each(items[next++]);
    }),
  );
}

const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: `ghcr.io/acme/${name}:1.0.0` }] },
    },
  },
});

async function populate(api: KubeApi, prefix: string, count: number): Promise<string[]> {
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `${prefix}-${i}`);
  for (const ns of namespaces) await createNamespace(api, ns);
  const names = Array.from({ length: count }, (_, i) => ({ ns: namespaces[i % NAMESPACES], name: `svc-${i}` }));
  await pool(names, 16, ({ ns, name }) =>
    api.create(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment(name)).then(() => undefined),
  );
  // The kubelet's part: every pod running and ready (the controller made them).
  for (const ns of namespaces) {
    let pods: Record<string, unknown>[] = [];
    for (let tries = 0; tries < 600; tries += 1) {
      pods = await api.list(`/api/v1/namespaces/${ns}/pods`);
      if (pods.length >= count / NAMESPACES) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await pool(pods, 16, (pod) => setPodState(api, pod, 'ready'));
  }
  // Measured once the controllers have caught up: every Deployment available.
  for (let tries = 0; tries < 900; tries += 1) {
    const lists = await Promise.all(namespaces.map((ns) => api.list(`/apis/apps/v1/namespaces/${ns}/deployments`)));
    const available = lists
      .flat()
      .filter((d) => (d.status as { availableReplicas?: number } | undefined)?.availableReplicas === 1);
    if (available.length >= count) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return namespaces;
}

function configRepo(server: string, namespaces: string[], count: number): string {
  const repo = mkdtempSync(path.join(tmpdir(), 'stagecoach-bench-live-'));
  mkdirSync(path.join(repo, 'envs', 'staging'), { recursive: true });
  const docs = Array.from(
    { length: count },
    (_, i) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/svc-${i}:1.0.0\n`,
  );
  writeFileSync(path.join(repo, 'envs', 'staging', 'workloads.yaml'), docs.join('---\n'));
  writeFileSync(
    path.join(repo, 'stagecoach.yaml'),
    `clusters:\n  kind: { server: "${server}", tokenEnv: KIND_TOKEN, caEnv: KIND_CA }\nstages:\n  - name: staging\n    path: envs/staging\n    live: { cluster: kind, agent: plain, namespaces: [${namespaces.join(', ')}] }\n`,
  );
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=B', '-c', 'user.email=b@e.invalid', ...args], { cwd: repo });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return repo;
}

// The controllers' default 20 requests/s would take minutes to make 2,000 ReplicaSets and pods.
process.env.KUBE_CI_CONTROLLER_FLAGS = '--kube-api-qps=400 --kube-api-burst=800';
const cp = await startControlPlane();
try {
  console.log(
    `\nstatus --live against kube-apiserver 1.20 on 127.0.0.1 (plain agent, ${NAMESPACES} namespaces), median of ${runs} runs\n`,
  );
  console.log(['workloads', 'in sync', 'requests', 'wall ms'].map((h) => h.padStart(10)).join('  '));
  for (const [i, size] of sizes.entries()) {
    const namespaces = await populate(cp.api, `b${i}`, size);
    const repo = configRepo(cp.server, namespaces, size);
    const files = createLocalFiles(repo);
    const text = (await import('node:fs')).readFileSync(path.join(repo, 'stagecoach.yaml'), 'utf8');
    const pipeline = parseConfig(text, 'stagecoach.yaml');
    const times: number[] = [];
    let requests = 0;
    let inSync = 0;
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      const board = await readStatus(files, pipeline);
      const live = await readLive(
        pipeline,
        board,
        liveDependencies(repo, { KIND_TOKEN: 'admin-token', KIND_CA: cp.ca }),
      );
      times.push(performance.now() - started);
      requests = live.requests.kind;
      inSync = live.cells.filter((c) => c.state === 'in-sync').length;
    }
    times.sort((a, b) => a - b);
    const row = [size, `${inSync}/${size}`, requests, Math.round(times[Math.floor(times.length / 2)])];
    console.log(row.map((c) => String(c).padStart(10)).join('  '));
    rmSync(repo, { recursive: true, force: true });
  }
  console.log(
    '\nTarget at 2,000 workloads: under 3 s and under 40 requests per cluster (one list per kind per namespace).',
  );
} finally {
  await cp.stop();
}
