// `stagecoach status --live` against a real control plane: a config repo in a temp folder whose stages run under
// each agent (plain, flux, argocd) and on clusters that cannot be read (401, 403, a missing env var).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ActionIo } from '../../src/adapters/action-io.js';
import { run } from '../../src/action/run-action.js';
import { runCli } from '../../src/cli/run-cli.js';
import { type ControlPlane, createNamespace, loadCrds, startControlPlane } from '../support/kube-cluster.js';
import * as s from '../support/live-scenarios.js';

let cp: ControlPlane;
let repo: string;
let first: string;
let second: string;

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
const manifest = (version: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/api:${version}\n`;

function config(): string {
  return `clusters:
  kind: { server: "${cp.server}", tokenEnv: KIND_TOKEN, caEnv: KIND_CA }
  prod-eu: { server: "${cp.server}", tokenEnv: PROD_EU_TOKEN, caEnv: KIND_CA }
  prod-us: { server: "${cp.server}", tokenEnv: PROD_US_TOKEN, caEnv: KIND_CA, requestTimeout: 5s }
  prod-ap: { kubeconfigEnv: PROD_AP_KUBECONFIG }
stages:
  - name: dev
    path: envs/dev
    live: { cluster: kind, agent: plain, namespaces: [dev] }
  - name: staging
    path: envs/staging
    live: { cluster: kind, agent: flux, kustomizations: [flux-system/apps-staging] }
  - name: qa
    path: envs/qa
    live: { cluster: kind, agent: argocd }
  - name: prod
    path: envs/prod
    live:
      - { cluster: prod-eu, agent: plain, namespaces: [prod] }
      - { cluster: prod-us, agent: plain, namespaces: [prod] }
      - { cluster: prod-ap, agent: plain, namespaces: [prod] }
`;
}

beforeAll(async () => {
  cp = await startControlPlane();
  await loadCrds(cp.api, ['Kustomization', 'Application']);
  repo = mkdtempSync(path.join(tmpdir(), 'stagecoach-live-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.invalid');
  git('config', 'user.name', 'T');
  writeFileSync(path.join(repo, 'stagecoach.yaml'), config());
  for (const [stage, version] of [
    ['dev', '1.6.0'],
    ['staging', '1.5.2'],
    ['qa', '1.6.0'],
    ['prod', '1.5.2'],
  ]) {
    mkdirSync(path.join(repo, 'envs', stage), { recursive: true });
    writeFileSync(path.join(repo, 'envs', stage, 'api.yaml'), manifest(version));
  }
  git('add', '-A');
  git('commit', '-qm', 'first');
  first = git('rev-parse', 'HEAD');
  writeFileSync(path.join(repo, 'envs', 'staging', 'api.yaml'), manifest('1.6.0'));
  git('commit', '-qam', 'staging: api 1.6.0');
  second = git('rev-parse', 'HEAD');

  for (const ns of ['dev', 'staging', 'qa', 'prod', 'flux-system', 'argocd']) await createNamespace(cp.api, ns);
  await Promise.all([
    s.healthyDeployment(cp.api, 'dev', '1.6.0'),
    s.healthyDeployment(cp.api, 'staging', '1.5.2'),
    s.brokenRollout(cp.api, 'qa', '1.5.2', '1.6.0', {
      waiting: 'ImagePullBackOff',
      message: 'Back-off pulling image "ghcr.io/acme/api:1.6.0"',
    }),
  ]);
  // Flux applied the first commit only: staging's 1.6.0 (the second commit) is not applied yet.
  await s.kustomization(cp.api, 'flux-system', 'apps-staging', './envs/staging', {
    lastAppliedRevision: `main@sha1:${first}`,
    lastAttemptedRevision: `main@sha1:${first}`,
    conditions: [s.ready('ReconciliationSucceeded', `Applied revision: main@sha1:${first}`)],
    inventory: s.fluxInventory('staging', [['Deployment', 'api']]),
  });
  // Argo CD synced the branch head and calls the app Healthy, while the new pod cannot pull its image.
  const at = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await s.application(cp.api, 'argocd', 'qa', 'envs/qa', {
    sync: { status: 'Synced', revision: second },
    health: { status: 'Healthy' },
    operationState: {
      operation: { sync: { revision: second } },
      phase: 'Succeeded',
      startedAt: at(3),
      finishedAt: at(2),
    },
    reconciledAt: at(1),
    resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'qa', name: 'api' }],
  });
}, 180_000);
afterAll(async () => cp?.stop(), 60_000);

async function status(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = {
    KIND_TOKEN: 'admin-token',
    KIND_CA: cp.ca,
    PROD_EU_TOKEN: 'expired-token-value',
    PROD_US_TOKEN: 'ci-nobody-token',
  };
  const code = await runCli(['status', '--live', '--repo', repo, ...args], {
    cwd: repo,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('status --live (real control plane)', () => {
  test('the live line under each git version, and why for every cell not in sync', async () => {
    const { code, stdout, stderr } = await status([]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[1]).toMatch(/^ {2}ghcr\.io\/acme\/api\s+1\.6\.0\s+1\.6\.0\s+1\.6\.0\s+1\.5\.2 \(behind\)$/);
    expect(lines[2]).toMatch(
      /^ {4}live\s+1\.6\.0 ✓ 3\/3\s+syncing\s+1\.6\.0 … ImagePullBackOff\s+\? unreachable \(Unauthorized\)$/,
    );
    expect(stdout).toContain(
      `staging ghcr.io/acme/api: syncing (flux-system/Kustomization/apps-staging: flux has applied main@sha1:${first.slice(0, 7)}, not yet the commit that set the versions)`,
    );
    expect(stdout).toMatch(
      /qa ghcr\.io\/acme\/api: rolling-out \(1\.6\.0 ImagePullBackOff \(1 pod, \d+s\): Back-off pulling image "ghcr\.io\/acme\/api:1\.6\.0"\)/,
    );
    expect(stdout).toContain(
      'prod ghcr.io/acme/api: unreachable (prod-eu: token rejected (401 Unauthorized: expired or wrong credentials?))',
    );
    expect(stdout).not.toMatch(/admin-token|expired-token-value|ci-nobody-token/);
  });

  test('--json prints the model: per target, the agents, workloads with pod counts and digests, the failures', async () => {
    const { code, stdout } = await status(['--json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.rows[0].image).toBe('ghcr.io/acme/api');
    const cells = Object.fromEntries(json.live.cells.map((c: { stage: string }) => [c.stage, c]));
    expect(cells.dev.targets[0].workloads[0]).toMatchObject({
      ref: 'dev/Deployment/api',
      container: 'app',
      desired: '1.6.0',
      rollout: { state: 'healthy', replicas: { desired: 3, updated: 3, ready: 3, available: 3 } },
      pods: [{ version: '1.6.0', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), count: 3, ready: 3 }],
    });
    expect(cells.staging.targets[0].agents[0]).toMatchObject({
      kind: 'Kustomization',
      revision: `main@sha1:${first}`,
      containsCommit: false,
    });
    expect(cells.qa.targets[0].agents[0]).toMatchObject({
      kind: 'Application',
      ref: 'argocd/Application/qa',
      state: 'healthy',
      containsCommit: true,
    });
    expect(
      cells.prod.targets.map((t: { cluster: string; state: string; reason: string }) => [t.cluster, t.state, t.reason]),
    ).toEqual([
      ['prod-eu', 'unreachable', 'Unauthorized'],
      ['prod-us', 'unknown', 'Forbidden'],
      ['prod-ap', 'unreachable', 'MissingCredentials'],
    ]);
    expect(cells.prod.targets[1].message).toBe(
      'deployments.apps is forbidden: User "ci-nobody" cannot list resource "deployments" in API group "apps" in the namespace "prod" (Stagecoach needs get, list and watch: see the README\'s read-only ClusterRole)',
    );
    expect(cells.prod.targets[2].message).toBe(
      "PROD_AP_KUBECONFIG is not set (the kubeconfig of cluster prod-ap); set it in the job's env: from a secret",
    );
    // One list per kind per namespace: dev (3 workload kinds + Rollout + ReplicaSets + pods), staging's Kustomization
    // list and its namespace, qa's Application list and its namespace.
    expect(json.live.requests.kind).toBe(6 + 1 + 5 + 1 + 5);
    expect(stdout).not.toMatch(/admin-token|expired-token-value|ci-nobody-token/);
  });

  test('the action (command: status, live: true): credentials masked first, the live model as output, the summary shows it', async () => {
    const outputs: Record<string, string> = {};
    const summaries: string[] = [];
    const secrets: string[] = [];
    const failed: string[] = [];
    const inputs: Record<string, string> = { command: 'status', live: 'true', 'working-directory': repo };
    const io: ActionIo = {
      input: (name) => inputs[name] ?? '',
      setOutput: (name, value) => void (outputs[name] = value),
      summary: async (markdown) => void summaries.push(markdown),
      log: () => undefined,
      setSecret: (value) => void secrets.push(value),
      fail: (message) => void failed.push(message),
      group: () => undefined,
      saveFile: () => '',
    };
    const env = {
      GITHUB_WORKSPACE: repo,
      KIND_TOKEN: 'admin-token',
      KIND_CA: cp.ca,
      PROD_EU_TOKEN: 'expired-token-value',
      PROD_US_TOKEN: 'ci-nobody-token',
    };
    await run(io, env);
    expect(failed).toEqual([]);
    expect(secrets).toEqual(expect.arrayContaining(['admin-token', 'expired-token-value', 'ci-nobody-token']));
    const live = JSON.parse(outputs.live);
    expect(live.cells.map((c: { stage: string; state: string }) => `${c.stage} ${c.state}`)).toEqual([
      'dev in-sync',
      'staging syncing',
      'qa rolling-out',
      'prod unreachable',
    ]);
    const summary = summaries.join('');
    expect(summary).toContain('`1.6.0`<br>live: `1.6.0 ✓ 3/3`');
    expect(summary).toContain('`1.5.2` ⏳ behind<br>live: `? unreachable (Unauthorized)`');
    expect(summary).toContain('### Live');
    expect(summary).toContain(
      // Cluster messages are escaped: they are the cluster's text, not ours.
      '- prod ghcr\\.io/acme/api: unreachable \\(prod\\-eu: token rejected \\(401 Unauthorized: expired or wrong credentials?\\)\\)',
    );
    expect(summary + outputs.live).not.toMatch(/admin-token|expired-token-value|ci-nobody-token/);
  });

  test('plain status (without --live) reads no cluster and needs no credentials', async () => {
    const out: string[] = [];
    const code = await runCli(['status', '--repo', repo], {
      cwd: repo,
      stdout: (t) => out.push(t),
      stderr: () => undefined,
      env: {},
    });
    expect(code).toBe(0);
    expect(out.join('\n')).not.toContain('live');
  });
});
