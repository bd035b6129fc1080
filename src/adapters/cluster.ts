// A Kubernetes API server, read-only: get, list and watch of the few kinds the live rules read. client-node 1.x
// loads the kubeconfig and authenticates (tokens, client certificates, exec plugins of cloud logins); the requests
// are made here so that each is bounded by the cluster's timeout (client-node 1.3 has none: a server that accepts and
// never answers leaves its calls pending forever) and retried on 5xx/429 with back-off inside that deadline.
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { kubeConfigClass } from './kube-client.js';

export { loadKubeClient } from './kube-client.js';
import type { Cluster } from '../core/config/index.js';
import type { KubeObject } from '../core/live/objects.js';
import { ClusterError, classifyStatus, classifyTransport } from './cluster-errors.js';

export { ClusterError, type ClusterErrorReason } from './cluster-errors.js';

/** The kinds read, with where the API serves them (a static table: no discovery call per request). */
export const KINDS = {
  Deployment: { apiVersion: 'apps/v1', plural: 'deployments' },
  ReplicaSet: { apiVersion: 'apps/v1', plural: 'replicasets' },
  StatefulSet: { apiVersion: 'apps/v1', plural: 'statefulsets' },
  DaemonSet: { apiVersion: 'apps/v1', plural: 'daemonsets' },
  Pod: { apiVersion: 'v1', plural: 'pods' },
  Rollout: { apiVersion: 'argoproj.io/v1alpha1', plural: 'rollouts' },
  Application: { apiVersion: 'argoproj.io/v1alpha1', plural: 'applications' },
  Kustomization: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', plural: 'kustomizations' },
  HelmRelease: { apiVersion: 'helm.toolkit.fluxcd.io/v2', plural: 'helmreleases' },
} as const;
export type KindName = keyof typeof KINDS;

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
}

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: KubeObject };

/** The port the live engine reads a cluster through; every implementation passes the same contract test. */
export interface ClusterReader {
  readonly name: string;
  /** `host:port` of the API server, for messages. */
  readonly server: string;
  /** GET /version: reachable and authenticated (any authenticated user may read it). */
  version(): Promise<string>;
  list(kind: KindName, namespace?: string, selector?: string): Promise<ObjectList>;
  get(kind: KindName, namespace: string, name: string): Promise<KubeObject>;
  /** Streams changes after `resourceVersion` until the server closes or `signal` aborts; 410 Gone → ClusterError Gone. */
  watch(
    kind: KindName,
    namespace: string | undefined,
    resourceVersion: string,
    onEvent: (e: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** How many API requests this reader has made (the bench counts them). */
  requests(): number;
}

/** The credential values a cluster uses, to be masked before anything runs (and redacted from any message). */
export function clusterSecrets(cluster: Cluster, env: NodeJS.ProcessEnv): string[] {
  const a = cluster.access;
  const values =
    a.kind === 'token' ? [env[a.tokenEnv]] : a.kind === 'kubeconfig-env' ? [env[a.env], ...tokensIn(env[a.env])] : [];
  return values.filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

function tokensIn(text: string | undefined): string[] {
  if (!text) return [];
  // Read as plain YAML: masking comes before anything loads client-node.
  try {
    const users = (parseYaml(text) as { users?: { user?: Record<string, unknown> }[] } | null)?.users ?? [];
    return users.flatMap((u) =>
      ['token', 'password', 'client-key-data']
        .map((key) => u.user?.[key])
        .filter((v): v is string => typeof v === 'string' && !!v),
    );
  } catch {
    return [];
  }
}

/** The KubeConfig of a cluster; ClusterError (MissingCredentials) when an env var it needs is unset. */
export function loadKubeConfig(cluster: Cluster, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new (kubeConfigClass())();
  const a = cluster.access;
  const missing = (name: string, what: string) =>
    new ClusterError(
      cluster.name,
      'MissingCredentials',
      `${name} is not set (${what} of cluster ${cluster.name}); set it in the job's env: from a secret`,
    );
  try {
    if (a.kind === 'kubeconfig-env') {
      const text = env[a.env];
      if (!text) throw missing(a.env, 'the kubeconfig');
      kc.loadFromString(text);
    } else if (a.kind === 'token') {
      const token = env[a.tokenEnv];
      if (!token) throw missing(a.tokenEnv, 'the bearer token');
      const ca = a.caEnv ? env[a.caEnv] : undefined;
      if (a.caEnv && !ca) throw missing(a.caEnv, 'the CA certificate');
      const caData = ca ? (ca.includes('-----BEGIN') ? Buffer.from(ca).toString('base64') : ca.trim()) : undefined;
      kc.loadFromOptions({
        clusters: [{ name: cluster.name, server: a.server, ...(caData ? { caData } : {}), skipTLSVerify: false }],
        users: [{ name: cluster.name, token }],
        contexts: [{ name: cluster.name, cluster: cluster.name, user: cluster.name }],
        currentContext: cluster.name,
      });
    } else {
      const file = a.file?.replace(/^~(?=\/)/, env.HOME ?? '~');
      if (file) kc.loadFromFile(file);
      else kc.loadFromDefault();
      if (a.context) {
        if (!kc.getContextObject(a.context)) {
          const known = kc.getContexts().map((c) => c.name);
          throw new ClusterError(
            cluster.name,
            'MissingCredentials',
            `the kubeconfig has no context "${a.context}" (it has ${known.join(', ') || 'none'})`,
          );
        }
        kc.setCurrentContext(a.context);
      }
    }
  } catch (error) {
    if (error instanceof ClusterError) throw error;
    throw new ClusterError(
      cluster.name,
      'MissingCredentials',
      `cannot load the kubeconfig: ${(error as Error).message}`,
    );
  }
  if (!kc.getCurrentCluster())
    throw new ClusterError(
      cluster.name,
      'MissingCredentials',
      'the kubeconfig names no current cluster (set kubeconfig.context)',
    );
  return kc;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** One reader's connection: the loaded kubeconfig, its server, the deadline, and the keep-alive agent (made once). */
interface Connection {
  cluster: Cluster;
  kc: KubeConfig;
  base: URL;
  timeoutMs: number;
  redact: (text: string) => string;
  agent?: http.Agent;
  count: number;
}

export function createClusterReader(cluster: Cluster, env: NodeJS.ProcessEnv = process.env): ClusterReader {
  const kc = loadKubeConfig(cluster, env);
  const secrets = clusterSecrets(cluster, env);
  const conn: Connection = {
    cluster,
    kc,
    base: new URL(kc.getCurrentCluster()!.server),
    timeoutMs: cluster.requestTimeoutSeconds * 1000,
    redact: (text) => secrets.reduce((t, s) => t.split(s).join('***'), text),
    count: 0,
  };
  return {
    name: cluster.name,
    server: conn.base.host,
    requests: () => conn.count,
    async version() {
      const v = (await getJson(conn, '/version')) as { gitVersion?: string };
      return v.gitVersion ?? '?';
    },
    list: (kind, namespace, selector) => listObjects(conn, kind, namespace, selector),
    get: (kind, namespace, name) => getObject(conn, kind, namespace, name),
    watch: (kind, namespace, resourceVersion, onEvent, signal) =>
      watchObjects(conn, kind, namespace, resourceVersion, onEvent, signal),
  };
}

const transportError = (conn: Connection, error: Error) =>
  classifyTransport(conn.cluster.name, conn.base.host, error, conn.timeoutMs, conn.redact);

async function requestOptions(conn: Connection, signal: AbortSignal): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = {};
  await conn.kc.applyToHTTPSOptions(opts);
  if (!conn.agent) {
    const o = opts as https.AgentOptions;
    conn.agent =
      conn.base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: o.ca,
            cert: o.cert,
            key: o.key,
            rejectUnauthorized: o.rejectUnauthorized,
            servername: o.servername,
          })
        : new http.Agent({ keepAlive: true });
  }
  return {
    method: 'GET',
    headers: { ...opts.headers, Accept: 'application/json' },
    agent: conn.agent,
    signal,
    ...(opts.auth ? { auth: opts.auth } : {}),
  };
}

/** One GET: the response when 2xx (body stream), or a ClusterError; `firstByteMs` bounds the wait for headers. */
function open(
  conn: Connection,
  path: string,
  signal: AbortSignal,
  firstByteMs?: number,
): Promise<http.IncomingMessage> {
  conn.count += 1;
  const { base, cluster } = conn;
  return requestOptions(conn, signal).then(
    (opts) =>
      new Promise((resolve, reject) => {
        const transport = base.protocol === 'https:' ? https : http;
        const timer =
          firstByteMs === undefined
            ? undefined
            : setTimeout(
                () => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
                firstByteMs,
              );
        const req = transport.request(new URL(path, base), opts, (res) => {
          clearTimeout(timer);
          if ((res.statusCode ?? 0) < 300) return resolve(res);
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (body.length < 8192) body += chunk;
          });
          res.on('end', () =>
            reject(classifyStatus(cluster.name, res.statusCode ?? 0, body, path, res.headers['retry-after'])),
          );
          res.on('error', (e) => reject(transportError(conn, e)));
        });
        req.on('error', (e) => {
          clearTimeout(timer);
          reject(transportError(conn, e));
        });
        req.end();
      }),
  );
}

/** A JSON GET, bounded by the timeout, with 5xx/429 retried inside the same deadline. */
async function getJson(conn: Connection, path: string): Promise<unknown> {
  const deadline = Date.now() + conn.timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    try {
      const res = await open(conn, path, signal);
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      const e = error instanceof ClusterError ? error : transportError(conn, error as Error);
      const wait = Math.min(e.retryAfterMs ?? 250 * 2 ** attempt, 4000);
      if (!e.retryable || attempt >= 4 || Date.now() + wait >= deadline) throw e;
      await sleep(wait);
    }
  }
}

function pathOf(kind: KindName, namespace?: string, name?: string): string {
  const { apiVersion, plural } = KINDS[kind];
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${root}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** Rethrows `e`, naming the kind and its likely missing CRD when the cluster does not serve it. */
function named(conn: Connection, kind: KindName, e: unknown): never {
  if (e instanceof ClusterError && e.reason === 'NotServed')
    throw new ClusterError(
      conn.cluster.name,
      'NotServed',
      `the cluster does not serve ${KINDS[kind].apiVersion} ${kind}: ${CRD_HINT[kind] ?? 'is its CRD installed?'}`,
    );
  throw e;
}

async function listObjects(
  conn: Connection,
  kind: KindName,
  namespace?: string,
  selector?: string,
): Promise<ObjectList> {
  const query = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
  const body = (await getJson(conn, pathOf(kind, namespace) + query).catch((e) => named(conn, kind, e))) as {
    items?: KubeObject[];
    metadata?: { resourceVersion?: string };
  };
  const { apiVersion } = KINDS[kind];
  return {
    items: (body.items ?? []).map((item) => ({ apiVersion, kind, ...item })),
    resourceVersion: body.metadata?.resourceVersion ?? '',
  };
}

async function getObject(conn: Connection, kind: KindName, namespace: string, name: string): Promise<KubeObject> {
  try {
    return (await getJson(conn, pathOf(kind, namespace, name))) as KubeObject;
  } catch (e) {
    if (e instanceof ClusterError && e.reason === 'NotFound' && !e.message.includes('does not serve'))
      throw new ClusterError(conn.cluster.name, 'NotFound', `${kind} ${namespace}/${name} not found`);
    return named(conn, kind, e);
  }
}

async function watchObjects(
  conn: Connection,
  kind: KindName,
  namespace: string | undefined,
  resourceVersion: string,
  onEvent: (e: WatchEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const query = `?watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}&timeoutSeconds=300`;
  // Opening the stream is bounded like any request; the stream itself lives until the caller's deadline.
  const res = await open(conn, pathOf(kind, namespace) + query, signal, conn.timeoutMs).catch((e) =>
    named(conn, kind, e),
  );
  const lines = createInterface({ input: res });
  const stop = () => {
    lines.close();
    res.destroy();
  };
  if (signal.aborted) stop();
  signal.addEventListener('abort', stop, { once: true });
  res.on('close', () => lines.close());
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { type: string; object: KubeObject & { code?: number; message?: string } };
      if (event.type === 'ERROR') {
        const code = event.object.code ?? 500;
        throw classifyStatus(conn.cluster.name, code, JSON.stringify(event.object), pathOf(kind, namespace), undefined);
      }
      onEvent({
        type: event.type as WatchEvent['type'],
        object: { apiVersion: KINDS[kind].apiVersion, kind, ...event.object },
      });
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error instanceof ClusterError ? error : transportError(conn, error as Error);
  }
}

const CRD_HINT: Partial<Record<KindName, string>> = {
  Kustomization: 'is Flux installed?',
  HelmRelease: 'is Flux helm-controller installed?',
  Application: 'is Argo CD installed?',
  Rollout: 'is Argo Rollouts installed?',
};
