// A real Kubernetes control plane for the live tests: scripts/kube-ci.sh starts etcd + kube-apiserver +
// kube-controller-manager on a free 127.0.0.1 port (once per test file), and these helpers write what the cluster's
// other actors would: the kubelet (pods/status), Flux and Argo CD (their objects' status). Real API calls only.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared data folder, `../shared` from the repository root (as in CI). */
export const crdFolder = join(repoRoot, '..', 'shared', 'data', 'crds');

export interface ControlPlane {
  port: number;
  server: string;
  /** PEM of the server's CA. */
  ca: string;
  kubeconfig: string;
  /** A kubeconfig whose user is authenticated but has no RBAC binding. */
  nobodyKubeconfig: string;
  api: KubeApi;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Starts a control plane on a free port (the script derives etcd's ports +10000 and +20000 from it). */
export async function startControlPlane(): Promise<ControlPlane> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const port = 17000 + Math.floor(Math.random() * 5000);
    const free = await Promise.all([port, port + 10000, port + 20000].map(portFree));
    if (free.includes(false)) continue;
    const env = { ...process.env, KUBE_CI_PORT: String(port) };
    const script = join(repoRoot, 'scripts', 'kube-ci.sh');
    try {
      await run('bash', [script, 'start'], { env, timeout: 120_000 });
    } catch (error) {
      const text = String((error as { stderr?: string }).stderr ?? error);
      if (/in use/.test(text)) continue;
      throw new Error(`kube-ci.sh start failed (run "bash scripts/kube-ci.sh build" once):\n${text}`);
    }
    const { stdout } = await run('bash', [script, 'env'], { env });
    const vars = Object.fromEntries([...stdout.matchAll(/export (\w+)=(.*)/g)].map((m) => [m[1], m[2]]));
    const ca = readFileSync(vars.KUBE_CI_CA, 'utf8');
    const server = vars.KUBE_CI_SERVER;
    return {
      port,
      server,
      ca,
      kubeconfig: vars.KUBECONFIG,
      nobodyKubeconfig: `${vars.KUBECONFIG}-nobody`,
      api: new KubeApi(server, ca, 'admin-token'),
      stop: async () => {
        await run('bash', [script, 'stop'], { env, timeout: 60_000 });
      },
    };
  }
  throw new Error('no free port for the control plane after 10 tries');
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`${status}: ${body.slice(0, 500)}`);
  }
}

type Json = Record<string, unknown>;

/** A plain JSON client with the admin token: what the tests write with (Stagecoach itself only reads). */
export class KubeApi {
  private readonly agent: https.Agent;
  constructor(
    readonly server: string,
    ca: string,
    private readonly token: string,
  ) {
    this.agent = new https.Agent({ ca, keepAlive: true });
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Json> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.server),
        {
          method,
          agent: this.agent,
          headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': contentType, Accept: 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) reject(new KubeApiError(res.statusCode ?? 0, text));
            else resolve(text ? (JSON.parse(text) as Json) : {});
          });
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  }

  create(path: string, object: unknown): Promise<Json> {
    return this.request('POST', path, object);
  }
  merge(path: string, patch: unknown): Promise<Json> {
    return this.request('PATCH', path, patch, 'application/merge-patch+json');
  }
  get(path: string): Promise<Json> {
    return this.request('GET', path);
  }
  async list(path: string): Promise<Json[]> {
    return ((await this.get(path)).items as Json[]) ?? [];
  }
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const CRD_FILES = {
  Kustomization: 'flux-kustomization.yaml',
  HelmRelease: 'flux-helmrelease.yaml',
  Application: 'argocd-application.yaml',
  Rollout: 'argo-rollout.yaml',
} as const;

/** Loads the upstream CRDs (the Rollout's pod-template schema relaxed: kube-apiserver 1.20 cannot load it). */
export async function loadCrds(api: KubeApi, kinds: (keyof typeof CRD_FILES)[]): Promise<void> {
  for (const kind of kinds) {
    const docs = parseAllDocuments(readFileSync(join(crdFolder, CRD_FILES[kind]), 'utf8'));
    const crd = docs.map((d) => d.toJS() as Json).find((d) => d && d.kind === 'CustomResourceDefinition')!;
    if (kind === 'Rollout') {
      const versions = (
        crd.spec as { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: Json } } } } }[] }
      ).versions;
      for (const v of versions)
        v.schema.openAPIV3Schema.properties.spec.properties.template = {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
        };
    }
    await api.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  }
  for (const kind of kinds) {
    const docs = parseAllDocuments(readFileSync(join(crdFolder, CRD_FILES[kind]), 'utf8'));
    const name = (docs.map((d) => d.toJS() as Json).find((d) => d)!.metadata as Json).name as string;
    await waitFor(`CRD ${name} established`, async () => {
      const crd = await api.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const conditions = ((crd.status as Json | undefined)?.conditions as Json[] | undefined) ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
}

export async function createNamespace(api: KubeApi, name: string): Promise<void> {
  await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await waitFor(`namespace ${name}'s default ServiceAccount`, () =>
    api.get(`/api/v1/namespaces/${name}/serviceaccounts/default`),
  );
}

/** A digest for an image version, the same on every call (what a registry would return for it). */
export function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export interface WorkloadOptions {
  replicas?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
  labels?: Record<string, string>;
  container?: string;
}

const RESOURCES = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' } as const;

export function workload(
  kind: keyof typeof RESOURCES,
  name: string,
  image: string,
  options: WorkloadOptions = {},
): Json {
  const labels = { app: name, ...options.labels };
  const spec: Json = {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels }, spec: { containers: [{ name: options.container ?? 'app', image }] } },
  };
  if (kind !== 'DaemonSet') spec.replicas = options.replicas ?? 1;
  if (kind === 'Deployment') {
    spec.progressDeadlineSeconds = options.progressDeadlineSeconds ?? 600;
    if (options.paused) spec.paused = true;
  }
  if (kind === 'StatefulSet') spec.serviceName = name;
  return { apiVersion: 'apps/v1', kind, metadata: { name, labels }, spec };
}

export async function createWorkload(api: KubeApi, namespace: string, object: Json): Promise<Json> {
  const kind = object.kind as keyof typeof RESOURCES;
  return api.create(`/apis/apps/v1/namespaces/${namespace}/${RESOURCES[kind]}`, object);
}

export async function setImage(
  api: KubeApi,
  namespace: string,
  kind: keyof typeof RESOURCES,
  name: string,
  image: string,
  container = 'app',
): Promise<void> {
  await api.merge(`/apis/apps/v1/namespaces/${namespace}/${RESOURCES[kind]}/${name}`, {
    spec: { template: { spec: { containers: [{ name: container, image }] } } },
  });
}

export async function pods(api: KubeApi, namespace: string, app: string): Promise<Json[]> {
  return api.list(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`app=${app}`)}`);
}

type PodState =
  | 'ready'
  | { waiting: string; message: string }
  | { crashLoop: number; restarts?: number; oom?: boolean }
  | { unschedulable: string };

/** Plays the kubelet (and the scheduler) for one pod: writes its status as they would. */
export async function setPodState(api: KubeApi, pod: Json, state: PodState, statusImage?: string): Promise<void> {
  const meta = pod.metadata as { name: string; namespace: string };
  const containers = ((pod.spec as Json).containers as { name: string; image: string }[]) ?? [];
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status: Json = { phase: 'Running', startTime: now, hostIP: '10.0.0.1', podIP: '10.1.0.1' };
  const scheduled = { type: 'PodScheduled', status: 'True', lastTransitionTime: now };
  const imageID = (image: string) => `${image.split('@')[0].replace(/:[^/:]+$/, '')}@${digestOf(image.split('@')[0])}`;
  if (state === 'ready') {
    status.conditions = [
      scheduled,
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: 'True', lastTransitionTime: now },
    ];
    status.containerStatuses = containers.map((c) => ({
      name: c.name,
      image: statusImage ?? c.image,
      imageID: `docker-pullable://${imageID(c.image)}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    }));
  } else if ('unschedulable' in state) {
    status.phase = 'Pending';
    status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: state.unschedulable,
        lastTransitionTime: now,
      },
    ];
  } else {
    const notReady = { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now };
    status.conditions = [scheduled, notReady];
    status.phase = 'waiting' in state ? 'Pending' : 'Running';
    status.containerStatuses = containers.map((c) =>
      'waiting' in state
        ? {
            name: c.name,
            image: c.image,
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: state.waiting, message: state.message } },
          }
        : {
            name: c.name,
            image: c.image,
            imageID: `docker-pullable://${imageID(c.image)}`,
            ready: false,
            restartCount: state.restarts ?? 5,
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${c.name}` },
            },
            lastState: {
              terminated: { exitCode: state.crashLoop, reason: state.oom ? 'OOMKilled' : 'Error', finishedAt: now },
            },
          },
    );
  }
  await api.merge(`/api/v1/namespaces/${meta.namespace}/pods/${meta.name}/status`, { status });
}

/** Waits until the controller has made `count` pods for `app`, then sets each pod's state. */
export async function playKubelet(
  api: KubeApi,
  namespace: string,
  app: string,
  count: number,
  state: PodState | ((pod: Json, i: number) => PodState | undefined),
  statusImage?: string,
): Promise<Json[]> {
  const found = await waitFor(`${count} pods of ${app}`, async () => {
    const list = (await pods(api, namespace, app)).filter((p) => !(p.metadata as Json).deletionTimestamp);
    return list.length >= count ? list : undefined;
  });
  for (const [i, pod] of found.entries()) {
    const s = typeof state === 'function' ? state(pod, i) : state;
    if (s) await setPodState(api, pod, s, statusImage);
  }
  return found;
}

/** A Node the DaemonSet controller schedules on: untainted (no node-lifecycle controller runs) and Ready. */
export async function addNode(api: KubeApi, name: string): Promise<void> {
  await api.create('/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  });
  await api.merge(`/api/v1/nodes/${name}`, { spec: { taints: null } });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await api.merge(`/api/v1/nodes/${name}/status`, {
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
    },
  });
}
