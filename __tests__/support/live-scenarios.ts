// The live situations the tests need, each built for real in its own namespace of the test control plane: the
// controller-manager computes the workloads' status; these functions play the kubelet (pods/status) and the agents
// (Flux objects' /status, the Argo CD Application's own status: it has no subresource). The same functions capture
// the fixtures of the pure rules (capture-live-fixtures.ts) and drive the integration tests.
import {
  type KubeApi,
  addNode,
  createNamespace,
  createWorkload,
  playKubelet,
  setImage,
  waitFor,
  workload,
} from './kube-cluster.js';

type Json = Record<string, unknown>;
export const API = 'ghcr.io/acme/api';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function deployment(
  api: KubeApi,
  ns: string,
  name: string,
  path = `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
): Promise<Json> {
  return api.get(path);
}

/** Waits until the Deployment's status satisfies `check` (the controller writes it). */
export async function deploymentWhere(
  api: KubeApi,
  ns: string,
  name: string,
  check: (status: Json) => boolean,
  timeoutMs = 20_000,
): Promise<Json> {
  return waitFor(
    `Deployment ${ns}/${name}`,
    async () => {
      const d = await deployment(api, ns, name);
      const s = (d.status ?? {}) as Json;
      const meta = d.metadata as Json;
      return s.observedGeneration === meta.generation && check(s) ? d : undefined;
    },
    timeoutMs,
  );
}

/** api at `version`, `replicas` pods, all ready. */
export async function healthyDeployment(
  api: KubeApi,
  ns: string,
  version: string,
  replicas = 3,
  name = 'api',
  options: { statusImage?: string; progressDeadlineSeconds?: number } = {},
): Promise<void> {
  await createWorkload(
    api,
    ns,
    workload('Deployment', name, `${API}:${version}`, {
      replicas,
      progressDeadlineSeconds: options.progressDeadlineSeconds,
    }),
  );
  await playKubelet(api, ns, name, replicas, 'ready', options.statusImage);
  await deploymentWhere(api, ns, name, (s) => s.availableReplicas === replicas && s.updatedReplicas === replicas);
}

/** From `from` on 3 ready pods to `to` with one new pod ready: 1.5.2 on 2 pods, 1.6.0 on 1 (mid-rollout). */
export async function midRollout(api: KubeApi, ns: string, from: string, to: string): Promise<void> {
  await healthyDeployment(api, ns, from, 3);
  await setImage(api, ns, 'Deployment', 'api', `${API}:${to}`);
  await waitFor('the new ReplicaSet pod', async () => {
    const pods = await api.list(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dapi`);
    const fresh = pods.filter(
      (p) =>
        ((p.spec as Json).containers as Json[])[0].image === `${API}:${to}` && !(p.status as Json).containerStatuses,
    );
    if (fresh.length === 0) return undefined;
    const { setPodState } = await import('./kube-cluster.js');
    await setPodState(api, fresh[0], 'ready');
    return true;
  });
  await deploymentWhere(
    api,
    ns,
    'api',
    // The controller then scales the old ReplicaSet to 2 and makes a second new pod, which stays pending: settled.
    (s) => s.updatedReplicas === 2 && s.availableReplicas === 3 && s.replicas === 4,
  );
}

/** A new version whose pods never start: `state` written on every new pod (old pods stay ready). */
export async function brokenRollout(
  api: KubeApi,
  ns: string,
  from: string,
  to: string,
  state: Parameters<typeof playKubelet>[4],
  progressDeadlineSeconds?: number,
): Promise<void> {
  await healthyDeployment(api, ns, from, 2, 'api', { progressDeadlineSeconds });
  await setImage(api, ns, 'Deployment', 'api', `${API}:${to}`);
  await waitFor('the new pod', async () => {
    const pods = await api.list(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dapi`);
    const fresh = pods.filter((p) => ((p.spec as Json).containers as Json[])[0].image === `${API}:${to}`);
    if (fresh.length === 0) return undefined;
    const { setPodState } = await import('./kube-cluster.js');
    for (const p of fresh) await setPodState(api, p, typeof state === 'function' ? state(p, 0)! : state);
    return true;
  });
  await deploymentWhere(api, ns, 'api', (s) => s.updatedReplicas === 1);
}

export async function pausedDeployment(api: KubeApi, ns: string, from: string, to: string): Promise<void> {
  await healthyDeployment(api, ns, from, 2);
  await api.merge(`/apis/apps/v1/namespaces/${ns}/deployments/api`, {
    spec: { paused: true, template: { spec: { containers: [{ name: 'app', image: `${API}:${to}` }] } } },
  });
  await waitFor('the paused Deployment observed', async () => {
    const d = await deployment(api, ns, 'api');
    return (d.status as Json).observedGeneration === (d.metadata as Json).generation;
  });
}

export async function statefulSet(api: KubeApi, ns: string, version: string, replicas = 2): Promise<void> {
  await createWorkload(api, ns, workload('StatefulSet', 'db', `${API.replace('api', 'db')}:${version}`, { replicas }));
  for (let i = 1; i <= replicas; i += 1)
    await playKubelet(api, ns, 'db', i, (pod) => ((pod.status as Json).containerStatuses ? undefined : 'ready'));
  await waitFor('StatefulSet ready', async () => {
    const s = (await api.get(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`)).status as Json;
    return s.readyReplicas === replicas && s.updatedReplicas === replicas;
  });
}

export async function daemonSet(api: KubeApi, ns: string, version: string, node: string): Promise<void> {
  await addNode(api, node).catch(() => undefined);
  await createWorkload(api, ns, workload('DaemonSet', 'agent', `${API.replace('api', 'agent')}:${version}`));
  await playKubelet(api, ns, 'agent', 1, 'ready');
  await waitFor('DaemonSet available', async () => {
    const s = (await api.get(`/apis/apps/v1/namespaces/${ns}/daemonsets/agent`)).status as Json;
    return s.desiredNumberScheduled === 1 && s.numberAvailable === 1 && s.updatedNumberScheduled === 1;
  });
}

export { createNamespace };

// ---- agents: Flux and Argo CD objects, their status written as their controllers write it ----

export async function kustomization(
  api: KubeApi,
  ns: string,
  name: string,
  path: string,
  status: Json,
  spec: Json = {},
): Promise<void> {
  const base = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`;
  const created = await api.create(base, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name },
    spec: { interval: '1m', path, prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...spec },
  });
  await api.merge(`${base}/${name}/status`, {
    status: { observedGeneration: (created.metadata as Json).generation, ...status },
  });
}

export const ready = (reason: string, message: string, status = 'True') => ({
  type: 'Ready',
  status,
  reason,
  message,
  lastTransitionTime: now(),
});

export function fluxInventory(ns: string, kinds: [string, string][]): Json {
  return { entries: kinds.map(([kind, name]) => ({ id: `${ns}_${name}_apps_${kind}`, v: 'v1' })) };
}

export async function helmRelease(api: KubeApi, ns: string, name: string, status: Json): Promise<void> {
  const base = `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${ns}/helmreleases`;
  const created = await api.create(base, {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name },
    spec: { interval: '5m', chart: { spec: { chart: 'api', sourceRef: { kind: 'HelmRepository', name: 'acme' } } } },
  });
  await api.merge(`${base}/${name}/status`, {
    status: { observedGeneration: (created.metadata as Json).generation, ...status },
  });
}

export async function application(
  api: KubeApi,
  ns: string,
  name: string,
  path: string,
  status: Json,
  extra: Json = {},
): Promise<void> {
  // Argo CD's Application CRD has no status subresource: the controller writes status on the object itself.
  await api.create(`/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications`, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example/acme/config', path, targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: ns },
    },
    status,
    ...extra,
  });
}

export async function rollout(api: KubeApi, ns: string, name: string, version: string, status: Json): Promise<void> {
  const base = `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts`;
  const created = await api.create(base, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: `${API}:${version}` }] },
      },
      strategy: {
        canary: { steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1m' } }] },
      },
    },
  });
  // observedGeneration is a string in the Rollout API.
  await api.merge(`${base}/${name}/status`, {
    status: { observedGeneration: String((created.metadata as Json).generation), ...status },
  });
}
