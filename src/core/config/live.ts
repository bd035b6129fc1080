// A stage's `live:`: where the stage runs (one or more clusters), which agent applies it there, and what is in scope.
// Read-only: Stagecoach lists and watches these objects, it never changes them.
import { isMap, isSeq } from 'yaml';
import {
  type Checker,
  type Entry,
  type KeyTree,
  type Position,
  type YamlNode,
  readEnum,
  readMap,
  readNonEmptyString,
  readStringList,
} from './checker.js';
import { didYouMean } from './did-you-mean.js';

export const LIVE_AGENTS = ['flux', 'argocd', 'plain'] as const;
export type LiveAgent = (typeof LIVE_AGENTS)[number];

/** One place a stage runs. */
export interface LiveTarget {
  cluster: string;
  agent: LiveAgent;
  /** flux: `namespace/name` of Kustomizations; empty = those whose spec.path lies in the stage's folders. */
  kustomizations: string[];
  /** argocd: `namespace/name` of Applications; empty = those whose source path lies in the stage's folders. */
  applications: string[];
  /** Namespaces the workloads are read in (required for plain; a narrowing for the agents). */
  namespaces: string[];
  /** A label selector narrowing the workloads (`app.kubernetes.io/part-of=shop`). */
  selector?: string;
  /** Where `cluster:` was written, for the unknown-cluster check across keys. */
  clusterAt?: Position;
}

export const LIVE_KEYS = {
  cluster: null,
  agent: null,
  kustomizations: null,
  applications: null,
  namespaces: null,
  selector: null,
} as const satisfies KeyTree;

const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Equality-based selectors (`a=b`, `a!=b`, `a`, `!a`) joined by commas: what a list call's labelSelector takes.
const SELECTOR = /^!?[A-Za-z0-9./_-]+((==?|!=)[A-Za-z0-9._-]*)?(,!?[A-Za-z0-9./_-]+((==?|!=)[A-Za-z0-9._-]*)?)*$/;

/** `live:` as a list of targets, or one mapping for one target. */
export function readLive(c: Checker, entry: Entry, path: string): LiveTarget[] {
  const node = entry.value;
  const items: { node: YamlNode | null; path: string }[] = isSeq(node)
    ? node.items.map((raw, i) => ({ node: c.resolve(raw), path: `${path}[${i}]` }))
    : [{ node, path }];
  if (isSeq(node) && node.items.length === 0)
    c.report(node, path, 'expected at least one target, e.g. "- { cluster: staging, agent: flux }"');
  const out: LiveTarget[] = [];
  for (const item of items) {
    const target = readTarget(c, item.node, node ?? entry.key, item.path);
    if (target) out.push(target);
  }
  return out;
}

function readTarget(c: Checker, node: YamlNode | null, where: YamlNode, path: string): LiveTarget | undefined {
  const what = 'a live target such as "{ cluster: staging, agent: flux }"';
  const fields = readMap(c, node, where, path, LIVE_KEYS, what);
  if (!fields || !node || !isMap(node)) return undefined;
  const cluster = fields.get('cluster');
  const agent = fields.get('agent');
  if (!cluster) c.report(node, path, 'missing "cluster:"; name one of the clusters: entries');
  if (!agent) c.report(node, path, 'missing "agent:"; say what applies the stage: flux, argocd or plain');
  const kind = agent && readEnum(c, agent.value, agent.key, `${path}.agent`, LIVE_AGENTS);
  const target: LiveTarget = {
    cluster: (cluster && readNonEmptyString(c, cluster.value, cluster.key, `${path}.cluster`, 'a cluster name')) || '',
    agent: kind || 'plain',
    kustomizations: [],
    applications: [],
    namespaces: [],
    ...(cluster ? { clusterAt: c.position(cluster.value ?? cluster.key) } : {}),
  };
  const names = (key: 'kustomizations' | 'applications') => {
    const e = fields.get(key);
    if (!e) return [];
    const owner = key === 'kustomizations' ? 'flux' : 'argocd';
    if (kind && kind !== owner)
      c.report(e.key, `${path}.${key}`, `${key} goes with agent: ${owner} (this target's agent is ${target.agent})`);
    return (
      readStringList(c, e.value, e.key, `${path}.${key}`, 'namespace/name entries', (text, at, p) => {
        if (OBJECT_NAME.test(text)) return text;
        c.report(at, p, `"${text}" is not namespace/name, e.g. flux-system/apps-staging`);
        return undefined;
      }) ?? []
    );
  };
  target.kustomizations = names('kustomizations');
  target.applications = names('applications');
  const namespaces = fields.get('namespaces');
  if (namespaces)
    target.namespaces =
      readStringList(c, namespaces.value, namespaces.key, `${path}.namespaces`, 'namespaces', (text, at, p) => {
        if (NAMESPACE.test(text)) return text;
        c.report(at, p, `"${text}" is not a namespace name (lower-case letters, digits and "-")`);
        return undefined;
      }) ?? [];
  if (kind === 'plain' && !namespaces)
    c.report(node, path, 'agent: plain needs "namespaces:" (the namespaces the stage\'s workloads run in)');
  const selector = fields.get('selector');
  if (selector) {
    const text = readNonEmptyString(c, selector.value, selector.key, `${path}.selector`, 'a label selector');
    if (text !== undefined && !SELECTOR.test(text.replace(/\s+/g, '')))
      c.report(
        selector.value ?? selector.key,
        `${path}.selector`,
        `"${text}" is not a label selector such as app=shop,tier!=db`,
      );
    else if (text !== undefined) target.selector = text.replace(/\s+/g, '');
  }
  return target;
}

/** Reports every `cluster:` that names no entry of `clusters:`. */
export function checkLiveClusters(
  c: Checker,
  targets: LiveTarget[],
  clusters: string[],
  path: (i: number) => string,
): void {
  targets.forEach((target, i) => {
    if (!target.cluster || clusters.includes(target.cluster)) return;
    const known =
      clusters.length > 0
        ? `${didYouMean(target.cluster, clusters)} (the clusters are ${clusters.join(', ')})`
        : '; add it under clusters:';
    c.report(target.clusterAt ?? { line: 1 }, `${path(i)}.cluster`, `no cluster is named "${target.cluster}"${known}`);
  });
}
