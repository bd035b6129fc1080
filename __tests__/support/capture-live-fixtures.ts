// Captures the status objects the pure live rules are table-tested over, from a real control plane:
//   npx tsx __tests__/support/capture-live-fixtures.ts
// writes __tests__/fixtures/live/<scenario>.json (the namespace's workloads, ReplicaSets, pods and agent objects as
// the API returned them, managedFields dropped). Re-run it when a scenario changes; the tests only read the files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KubeApi, loadCrds, repoRoot, startControlPlane, waitFor } from './kube-cluster.js';
import * as s from './live-scenarios.js';

type Json = Record<string, unknown>;
/** The commit that set the versions, and an older one the agents may still report. */
export const COMMIT = '4f6c2d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d';
export const OLDER = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
const inventory = (ns: string) => s.fluxInventory(ns, [['Deployment', 'api']]);
const appStatus = (ns: string, extra: Json = {}) => ({
  sync: { status: 'Synced', revision: COMMIT },
  health: { status: 'Healthy', lastTransitionTime: at(3) },
  operationState: {
    operation: { sync: { revision: COMMIT } },
    phase: 'Succeeded',
    message: 'successfully synced',
    startedAt: at(5),
    finishedAt: at(4),
  },
  reconciledAt: at(2),
  resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: ns, name: 'api', status: 'Synced' }],
  summary: { images: [`${s.API}:1.6.0`] },
  ...extra,
});

const SCENARIOS: Record<string, (api: KubeApi, ns: string) => Promise<void>> = {
  'plain-in-sync': (api, ns) => s.healthyDeployment(api, ns, '1.6.0'),
  'plain-mid-rollout': (api, ns) => s.midRollout(api, ns, '1.5.2', '1.6.0'),
  'plain-image-pull': (api, ns) =>
    s.brokenRollout(api, ns, '1.5.2', '1.6.0', {
      waiting: 'ImagePullBackOff',
      message: `Back-off pulling image "${s.API}:1.6.0"`,
    }),
  'plain-crash-loop': (api, ns) => s.brokenRollout(api, ns, '1.5.2', '1.6.0', { crashLoop: 1, restarts: 4 }),
  'plain-oom': (api, ns) => s.brokenRollout(api, ns, '1.5.2', '1.6.0', { crashLoop: 137, restarts: 3, oom: true }),
  'plain-unschedulable': (api, ns) =>
    s.brokenRollout(api, ns, '1.5.2', '1.6.0', { unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' }),
  'plain-deadline': async (api, ns) => {
    await s.brokenRollout(api, ns, '1.5.2', '1.6.0', { waiting: 'ErrImagePull', message: 'manifest unknown' }, 5);
    await s.deploymentWhere(
      api,
      ns,
      'api',
      (st) => ((st.conditions as Json[]) ?? []).some((c) => c.reason === 'ProgressDeadlineExceeded'),
      30_000,
    );
  },
  'plain-paused': (api, ns) => s.pausedDeployment(api, ns, '1.5.2', '1.6.0'),
  'plain-statefulset': (api, ns) => s.statefulSet(api, ns, '1.6.0'),
  'plain-daemonset': (api, ns) => s.daemonSet(api, ns, '1.6.0', 'node-1'),
  'plain-status-tag': (api, ns) => s.healthyDeployment(api, ns, '1.6.0', 2, 'api', { statusImage: `${s.API}:latest` }),
  'flux-in-sync': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.6.0');
    await s.kustomization(api, ns, 'apps', './envs/staging', {
      lastAppliedRevision: `main@sha1:${COMMIT}`,
      lastAttemptedRevision: `main@sha1:${COMMIT}`,
      conditions: [s.ready('ReconciliationSucceeded', `Applied revision: main@sha1:${COMMIT}`)],
      inventory: inventory(ns),
    });
  },
  'flux-git-ahead': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.5.2');
    await s.kustomization(api, ns, 'apps', './envs/staging', {
      lastAppliedRevision: `main@sha1:${OLDER}`,
      lastAttemptedRevision: `main@sha1:${OLDER}`,
      conditions: [s.ready('ReconciliationSucceeded', `Applied revision: main@sha1:${OLDER}`)],
      inventory: inventory(ns),
    });
  },
  'flux-health-check-failed': async (api, ns) => {
    await s.brokenRollout(api, ns, '1.5.2', '1.6.0', { crashLoop: 2, restarts: 5 });
    await s.kustomization(api, ns, 'apps', './envs/staging', {
      lastAppliedRevision: `main@sha1:${OLDER}`,
      lastAttemptedRevision: `main@sha1:${COMMIT}`,
      conditions: [
        s.ready(
          'HealthCheckFailed',
          `health check failed after 5m0s: timeout waiting for: [Deployment/${ns}/api status: 'InProgress']`,
          'False',
        ),
      ],
      inventory: inventory(ns),
    });
  },
  'flux-suspended': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.5.2');
    await s.kustomization(
      api,
      ns,
      'apps',
      './envs/staging',
      {
        lastAppliedRevision: `main@sha1:${OLDER}`,
        conditions: [s.ready('ReconciliationSucceeded', 'Applied')],
        inventory: inventory(ns),
      },
      { suspend: true },
    );
  },
  'helm-upgrade-failed': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.5.2');
    await s.helmRelease(api, ns, 'api', {
      conditions: [
        s.ready(
          'UpgradeFailed',
          'Helm upgrade failed for release shop/api with chart api@1.4.2: context deadline exceeded',
          'False',
        ),
      ],
      lastAttemptedRevision: '1.4.2',
      history: [
        {
          chartName: 'api',
          chartVersion: '1.4.2',
          appVersion: '1.6.0',
          configDigest: 'sha256:0f',
          digest: 'sha256:1e',
          name: 'api',
          namespace: ns,
          version: 3,
          status: 'failed',
          firstDeployed: at(30),
          lastDeployed: at(1),
        },
      ],
      inventory: inventory(ns),
    });
  },
  'helm-rollback': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.5.2');
    await s.helmRelease(api, ns, 'api', {
      conditions: [
        s.ready(
          'RollbackSucceeded',
          'Helm rollback to previous release shop/api.v2 with chart api@1.4.1 succeeded',
          'False',
        ),
      ],
      inventory: inventory(ns),
    });
  },
  'helm-released': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.6.0');
    await s.helmRelease(api, ns, 'api', {
      conditions: [s.ready('UpgradeSucceeded', 'Helm upgrade succeeded for release shop/api.v3 with chart api@1.4.2')],
      inventory: inventory(ns),
    });
  },
  'argocd-in-sync': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.6.0');
    await s.application(api, ns, 'shop', 'envs/staging', appStatus(ns));
  },
  'argocd-out-of-sync': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.5.2');
    await s.application(
      api,
      ns,
      'shop',
      'envs/staging',
      appStatus(ns, { sync: { status: 'OutOfSync', revision: COMMIT } }),
    );
  },
  'argocd-older-revision': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.5.2');
    await s.application(
      api,
      ns,
      'shop',
      'envs/staging',
      appStatus(ns, { sync: { status: 'Synced', revision: OLDER } }),
    );
  },
  'argocd-stale': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.6.0');
    await s.application(api, ns, 'shop', 'envs/staging', appStatus(ns, { reconciledAt: at(6) }));
  },
  'argocd-comparison-error': async (api, ns) => {
    await s.healthyDeployment(api, ns, '1.6.0');
    await s.application(
      api,
      ns,
      'shop',
      'envs/staging',
      appStatus(ns, {
        conditions: [
          {
            type: 'ComparisonError',
            message: 'Failed to load target state: kustomize build envs/staging failed: accumulating resources',
            lastTransitionTime: at(1),
          },
        ],
      }),
    );
  },
  'argocd-degraded': async (api, ns) => {
    await s.brokenRollout(api, ns, '1.5.2', '1.6.0', { crashLoop: 1, restarts: 6 });
    await s.application(
      api,
      ns,
      'shop',
      'envs/staging',
      appStatus(ns, { health: { status: 'Degraded', message: 'Deployment "api" exceeded its progress deadline' } }),
    );
  },
  'rollout-paused': (api, ns) =>
    s.rollout(api, ns, 'api', '1.6.0', {
      phase: 'Paused',
      message: 'CanaryPauseStep',
      currentStepIndex: 1,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: at(2) }],
      replicas: 4,
      updatedReplicas: 1,
      readyReplicas: 4,
      availableReplicas: 4,
      currentPodHash: '7d9f8c6b5',
      stableRS: '5c4b3a291',
    }),
  'rollout-healthy': (api, ns) =>
    s.rollout(api, ns, 'api', '1.6.0', {
      phase: 'Healthy',
      replicas: 4,
      updatedReplicas: 4,
      readyReplicas: 4,
      availableReplicas: 4,
      currentPodHash: '7d9f8c6b5',
      stableRS: '7d9f8c6b5',
    }),
};

function clean(object: Json): Json {
  const meta = { ...(object.metadata as Json) };
  delete meta.managedFields;
  return { ...object, metadata: meta };
}

async function dump(api: KubeApi, ns: string): Promise<Json> {
  const list = async (path: string, apiVersion: string, kind: string) =>
    (await api.list(path).catch(() => [])).map((o) => clean({ apiVersion, kind, ...o }));
  const apps = `/apis/apps/v1/namespaces/${ns}`;
  return {
    workloads: [
      ...(await list(`${apps}/deployments`, 'apps/v1', 'Deployment')),
      ...(await list(`${apps}/statefulsets`, 'apps/v1', 'StatefulSet')),
      ...(await list(`${apps}/daemonsets`, 'apps/v1', 'DaemonSet')),
      ...(await list(`/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts`, 'argoproj.io/v1alpha1', 'Rollout')),
    ],
    replicaSets: await list(`${apps}/replicasets`, 'apps/v1', 'ReplicaSet'),
    pods: await list(`/api/v1/namespaces/${ns}/pods`, 'v1', 'Pod'),
    agents: [
      ...(await list(
        `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`,
        'kustomize.toolkit.fluxcd.io/v1',
        'Kustomization',
      )),
      ...(await list(
        `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${ns}/helmreleases`,
        'helm.toolkit.fluxcd.io/v2',
        'HelmRelease',
      )),
      ...(await list(
        `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications`,
        'argoproj.io/v1alpha1',
        'Application',
      )),
    ],
  };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const cp = await startControlPlane();
  const out = join(repoRoot, '__tests__', 'fixtures', 'live');
  mkdirSync(out, { recursive: true });
  try {
    await loadCrds(cp.api, ['Kustomization', 'HelmRelease', 'Application', 'Rollout']);
    const names = Object.keys(SCENARIOS).filter((n) => only.length === 0 || only.includes(n));
    await Promise.all(
      names.map(async (name) => {
        await s.createNamespace(cp.api, name);
        await SCENARIOS[name](cp.api, name);
        await waitFor('settle', async () => true);
        const captured = {
          scenario: name,
          capturedFrom: 'kube-apiserver v1.20.2 + kube-controller-manager (scripts/kube-ci.sh)',
          ...(await dump(cp.api, name)),
        };
        writeFileSync(join(out, `${name}.json`), `${JSON.stringify(captured, null, 1)}\n`);
        process.stderr.write(`captured ${name}\n`);
      }),
    );
  } finally {
    await cp.stop();
  }
}

if (process.argv[1]?.endsWith('capture-live-fixtures.ts')) await main();
