// `clusters:`: the Kubernetes API servers stages run on, named once, and how to reach each (read-only). Credentials
// are never in the file: a kubeconfig (file and context), a whole kubeconfig in an env var, or server + token + CA from
// env vars. The env vars are read only when a command needs the cluster (a laptop `plan` needs no production token).
import { isMap, isScalar } from 'yaml';
import {
  type Checker,
  type Entry,
  type KeyTree,
  describe,
  readDuration,
  readMap,
  readNonEmptyString,
} from './checker.js';

/** How a cluster is reached; every credential is named by its env var, never written in the config. */
export type ClusterAccess =
  | { kind: 'kubeconfig'; context?: string; file?: string }
  | { kind: 'kubeconfig-env'; env: string }
  | { kind: 'token'; server: string; tokenEnv: string; caEnv?: string };

export interface Cluster {
  name: string;
  access: ClusterAccess;
  /** Every API request is bounded by this (client-node 1.x has no default timeout). */
  requestTimeoutSeconds: number;
  line?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 15;

const KUBECONFIG_KEYS = { context: null, file: null } as const satisfies KeyTree;
export const CLUSTER_ENTRY_KEYS = {
  kubeconfig: KUBECONFIG_KEYS,
  kubeconfigEnv: null,
  server: null,
  tokenEnv: null,
  caEnv: null,
  requestTimeout: null,
} as const satisfies KeyTree;

const CLUSTER_NAME = /^[a-z0-9][a-z0-9-]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const EXAMPLE =
  'a mapping of cluster names to how to reach them, such as "{ staging: { kubeconfig: { context: kind-staging } } }"';

/** The cluster entries, by name, in file order. */
export function readClusters(c: Checker, entry: Entry): Cluster[] {
  const node = entry.value;
  if (!isMap(node)) {
    c.report(node ?? entry.key, 'clusters', `expected ${EXAMPLE}, got ${describe(node)}`);
    return [];
  }
  const out: Cluster[] = [];
  for (const pair of node.items) {
    const key = c.resolve(pair.key);
    const name = isScalar(key) && typeof key.value === 'string' ? key.value : undefined;
    if (name === undefined || !CLUSTER_NAME.test(name)) {
      const shown = isScalar(key) ? String(key.value) : describe(key);
      c.report(key ?? node, 'clusters', `cluster name "${shown}" must be lower-case letters, digits and "-"`);
      continue;
    }
    const cluster = readCluster(c, { key: key!, value: c.resolve(pair.value) }, `clusters.${name}`, name);
    if (cluster) out.push(cluster);
  }
  return out;
}

function readEnvName(c: Checker, entry: Entry, path: string): string | undefined {
  const text = readNonEmptyString(c, entry.value, entry.key, path, 'an environment variable name such as PROD_TOKEN');
  if (text === undefined) return undefined;
  if (ENV_NAME.test(text)) return text;
  c.report(
    entry.value ?? entry.key,
    path,
    `"${text}" is not an environment variable name; use upper-case letters, digits and _ (the value itself never goes in the file)`,
  );
  return undefined;
}

function readCluster(c: Checker, entry: Entry, path: string, name: string): Cluster | undefined {
  const what =
    'how to reach the cluster: { kubeconfig: { context } }, { kubeconfigEnv: VAR } or { server, tokenEnv, caEnv }';
  const fields = readMap(c, entry.value, entry.key, path, CLUSTER_ENTRY_KEYS, what);
  if (!fields || !entry.value) return undefined;
  const cluster: Cluster = {
    name,
    access: { kind: 'kubeconfig' },
    requestTimeoutSeconds: DEFAULT_REQUEST_TIMEOUT_SECONDS,
    line: c.position(entry.key).line,
  };
  const ways = (['kubeconfig', 'kubeconfigEnv', 'server'] as const).filter((k) => fields.has(k));
  if (ways.length > 1)
    c.report(entry.value, path, `${ways.join(' and ')} exclude each other: reach the cluster one way`);
  const kubeconfig = fields.get('kubeconfig');
  if (kubeconfig) {
    const options = readMap(
      c,
      kubeconfig.value,
      kubeconfig.key,
      `${path}.kubeconfig`,
      KUBECONFIG_KEYS,
      '{ context, file }',
    );
    const context = options?.get('context');
    const file = options?.get('file');
    cluster.access = {
      kind: 'kubeconfig',
      ...(context ? { context: readNonEmptyString(c, context.value, context.key, `${path}.kubeconfig.context`) } : {}),
      ...(file ? { file: readNonEmptyString(c, file.value, file.key, `${path}.kubeconfig.file`) } : {}),
    };
  }
  const kubeconfigEnv = fields.get('kubeconfigEnv');
  if (kubeconfigEnv)
    cluster.access = { kind: 'kubeconfig-env', env: readEnvName(c, kubeconfigEnv, `${path}.kubeconfigEnv`) ?? '' };
  const server = fields.get('server');
  const tokenEnv = fields.get('tokenEnv');
  const caEnv = fields.get('caEnv');
  if (server) {
    const url = readNonEmptyString(c, server.value, server.key, `${path}.server`, 'the API server URL');
    if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url))
      c.report(server.value ?? server.key, `${path}.server`, `"${url}" is not a URL; write it as https://host:port`);
    if (!tokenEnv)
      c.report(entry.value, path, 'missing "tokenEnv:"; name the env var that holds the bearer token, e.g. PROD_TOKEN');
    cluster.access = {
      kind: 'token',
      server: url ?? '',
      tokenEnv: tokenEnv ? (readEnvName(c, tokenEnv, `${path}.tokenEnv`) ?? '') : '',
      ...(caEnv ? { caEnv: readEnvName(c, caEnv, `${path}.caEnv`) } : {}),
    };
  } else {
    for (const [key, e] of [
      ['tokenEnv', tokenEnv],
      ['caEnv', caEnv],
    ] as const)
      if (e) c.report(e.key, `${path}.${key}`, `${key} goes with server: (the API server URL)`);
  }
  const timeout = fields.get('requestTimeout');
  if (timeout) {
    const seconds = readDuration(c, timeout.value, timeout.key, `${path}.requestTimeout`);
    if (seconds === 0)
      c.report(timeout.value ?? timeout.key, `${path}.requestTimeout`, 'expected a duration above zero, e.g. 15s');
    else if (seconds !== undefined) cluster.requestTimeoutSeconds = seconds;
  }
  return cluster;
}
