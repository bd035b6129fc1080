// Live state of every stage that says where it runs (`live:`): one read per cluster target (one list per kind per
// namespace, never one call per workload), then the pure rules (core/live) per image × stage. A cluster that cannot be
// read becomes its cells' `unreachable`/`unknown` with the reason; nothing is skipped.
import type { Cluster, LiveTarget, Pipeline, Stage } from '../core/config/index.js';
import { inventoryOf, revisionSha } from '../core/live/agents.js';
import { type LiveBoard, type LiveCell, type TargetSnapshot, liveCell } from '../core/live/live-cell.js';

export type { LiveBoard } from '../core/live/live-cell.js';
import type { AgentObject, KubeObject, Pod, Workload } from '../core/live/objects.js';
import type { StatusBoard } from '../core/status.js';
import {
  ClusterError,
  type ClusterReader,
  type KindName,
  type ObjectList,
  createClusterReader,
  loadKubeClient,
} from '../adapters/cluster.js';
import { type GitAncestry, createGitAncestry } from '../adapters/git-ancestry.js';

export interface LiveDependencies {
  env: NodeJS.ProcessEnv;
  git: GitAncestry;
  /** The revision whose history says which commit set each stage's versions (HEAD). */
  revision: string;
  /** The commit the agents must have applied (wait --commit); default: the last one that changed the stage. */
  commit?: string;
  now: () => number;
  stuckAfterSeconds?: number;
  /** How a cluster is opened (tests and the bench count requests through it). */
  open?: (cluster: Cluster, env: NodeJS.ProcessEnv) => ClusterReader;
}

const DEFAULT_STUCK_AFTER_SECONDS = 120;
const WORKLOAD_KINDS: KindName[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** Like Promise.all, but the error reported is the first in order, not the first in time (one message per run). */
async function inOrder<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((r) => r.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

const normalize = (path: string) => path.replace(/^\.\//, '').replace(/\/+$/, '') || '.';

/** An agent object's path lies in one of the stage's folders. */
function inStage(agent: AgentObject, stage: Stage): boolean {
  const paths = [agent.spec?.path, agent.spec?.source?.path, ...(agent.spec?.sources ?? []).map((s) => s.path)];
  return paths.some(
    (p) =>
      p !== undefined &&
      stage.paths.some((folder) => folder === '.' || normalize(p) === folder || normalize(p).startsWith(`${folder}/`)),
  );
}

const nameOf = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** The agent objects of a target: the named ones (each must exist), or those whose path lies in the stage's folders. */
async function readAgents(reader: ClusterReader, target: LiveTarget, stage: Stage): Promise<AgentObject[]> {
  const kind: KindName = target.agent === 'flux' ? 'Kustomization' : 'Application';
  const named = target.agent === 'flux' ? target.kustomizations : target.applications;
  if (named.length === 0) {
    const all = await reader.list(kind);
    return (all.items as AgentObject[]).filter((a) => inStage(a, stage));
  }
  const namespaces = [...new Set(named.map((n) => n.split('/')[0]))];
  const lists = await Promise.all(namespaces.map((ns) => reader.list(kind, ns)));
  const found = lists.flatMap((l) => l.items as AgentObject[]);
  for (const name of named)
    if (!found.some((a) => nameOf(a) === name))
      throw new ClusterError(
        reader.name,
        'NotFound',
        `${kind} ${name} not found on ${reader.name} (stages[${stage.name}].live)`,
      );
  return found.filter((a) => named.includes(nameOf(a)));
}

/** What one target runs: agents, then the workloads in their inventory (or the namespaces), ReplicaSets and pods. */
export async function readTarget(
  reader: ClusterReader,
  target: LiveTarget,
  stage: Stage,
): Promise<Omit<TargetSnapshot, 'cluster'>> {
  const agents = target.agent === 'plain' ? [] : await readAgents(reader, target, stage);
  let inventory = agents.flatMap(inventoryOf);
  // HelmReleases a Kustomization applied are agents too; their inventories name the chart's workloads.
  const releases = inventory.filter((e) => e.kind === 'HelmRelease');
  if (releases.length > 0) {
    const namespaces = [...new Set(releases.map((r) => r.namespace))];
    const lists = await Promise.all(namespaces.map((ns) => reader.list('HelmRelease', ns)));
    const found = lists
      .flatMap((l) => l.items as AgentObject[])
      .filter((h) => releases.some((r) => nameOf(h) === `${r.namespace}/${r.name}`));
    agents.push(...found);
    inventory = [...inventory, ...found.flatMap(inventoryOf)];
  }
  const scoped = target.agent !== 'plain';
  const workloadEntries = inventory.filter((e) =>
    ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'].includes(e.kind),
  );
  const namespaces =
    target.namespaces.length > 0 ? target.namespaces : [...new Set(workloadEntries.map((e) => e.namespace))].sort();
  const wantsRollouts = !scoped || workloadEntries.some((e) => e.kind === 'Rollout');
  const perNamespace = await inOrder(
    namespaces.map(async (ns) => {
      const kinds: KindName[] = [...WORKLOAD_KINDS, ...(wantsRollouts ? (['Rollout'] as KindName[]) : [])];
      const [workloads, [replicaSets, pods]] = await inOrder<ObjectList[]>([
        inOrder(
          kinds.map((k) =>
            reader.list(k, ns, target.selector).catch((e: unknown) => {
              // Argo Rollouts is optional: a cluster without its CRD simply runs none.
              if (k === 'Rollout' && !scoped && e instanceof ClusterError && e.reason === 'NotServed')
                return { items: [], resourceVersion: '' };
              throw e;
            }),
          ),
        ),
        inOrder([reader.list('ReplicaSet', ns), reader.list('Pod', ns)]),
      ]);
      const resume = [
        ...kinds.map((kind, i) => ({ kind, rv: workloads[i].resourceVersion })),
        { kind: 'Pod' as KindName, rv: pods.resourceVersion },
      ]
        .filter((r) => r.rv)
        .map((r) => ({ kind: r.kind, namespace: ns, resourceVersion: r.rv }));
      return { workloads: workloads.flatMap((l) => l.items), replicaSets: replicaSets.items, pods: pods.items, resume };
    }),
  );
  const inInventory = (w: KubeObject) =>
    !scoped ||
    workloadEntries.some(
      (e) => e.kind === w.kind && e.name === w.metadata?.name && e.namespace === (w.metadata?.namespace ?? ''),
    );
  return {
    agents,
    workloads: perNamespace.flatMap((p) => p.workloads).filter(inInventory) as Workload[],
    replicaSets: perNamespace.flatMap((p) => p.replicaSets) as Workload[],
    pods: perNamespace.flatMap((p) => p.pods) as Pod[],
    resume: perNamespace.flatMap((p) => p.resume),
  };
}

function failed(cluster: string, error: unknown): TargetSnapshot {
  const e =
    error instanceof ClusterError
      ? error
      : new ClusterError(cluster, 'Unreachable', `cannot read ${cluster}: ${(error as Error).message}`);
  return {
    cluster,
    agents: [],
    workloads: [],
    replicaSets: [],
    pods: [],
    error: { state: e.state, reason: e.reason, message: e.message },
  };
}

/** The revisions the agents report, as shas. */
function agentShas(snapshots: TargetSnapshot[]): string[] {
  return snapshots.flatMap((s) =>
    s.agents.flatMap((a) =>
      [
        a.status?.lastAppliedRevision,
        a.status?.lastAttemptedRevision,
        a.status?.sync?.revision,
        ...(a.status?.sync?.revisions ?? []),
      ]
        .map(revisionSha)
        .filter((sha): sha is string => sha !== undefined),
    ),
  );
}

/** Every live stage's cells, images in the board's order. */
export async function readLive(pipeline: Pipeline, board: StatusBoard, deps: LiveDependencies): Promise<LiveBoard> {
  if (!deps.open) await loadKubeClient();
  const open = deps.open ?? createClusterReader;
  const readers = new Map<string, ClusterReader | ClusterError>();
  const readerFor = (name: string): ClusterReader | ClusterError => {
    if (!readers.has(name)) {
      const cluster = pipeline.clusters.find((c) => c.name === name)!;
      try {
        readers.set(name, open(cluster, deps.env));
      } catch (error) {
        readers.set(
          name,
          error instanceof ClusterError
            ? error
            : new ClusterError(name, 'MissingCredentials', (error as Error).message),
        );
      }
    }
    return readers.get(name)!;
  };
  const stages = pipeline.stages.filter((s) => s.live.length > 0);
  const resume: NonNullable<LiveBoard['resume']> = [];
  const perStage = await Promise.all(
    stages.map(async (stage) => {
      const snapshots = await Promise.all(
        stage.live.map(async (target): Promise<TargetSnapshot> => {
          const reader = readerFor(target.cluster);
          if (reader instanceof ClusterError) return failed(target.cluster, reader);
          try {
            const snapshot = await readTarget(reader, target, stage);
            resume.push(...(snapshot.resume ?? []).map((r) => ({ cluster: target.cluster, ...r })));
            return { cluster: target.cluster, ...snapshot };
          } catch (error) {
            return failed(target.cluster, error);
          }
        }),
      );
      const commit = deps.commit ?? (await deps.git.lastChange(deps.revision, stage.paths));
      const contains = commit ? await deps.git.contains(commit, agentShas(snapshots)) : {};
      // No history for the stage's folders (no checkout, or a shallow one): every agent revision is then unknown.
      return { stage, snapshots, ancestry: { commit: commit ?? 'no-history', contains } };
    }),
  );
  const options = { now: deps.now(), stuckAfterSeconds: deps.stuckAfterSeconds ?? DEFAULT_STUCK_AFTER_SECONDS };
  const cells: LiveCell[] = [];
  for (const row of board.rows)
    for (const { stage, snapshots, ancestry } of perStage) {
      const git = row.cells[stage.name]?.versions ?? [];
      if (git.length > 0) cells.push(liveCell(row.image, stage.name, git, snapshots, ancestry, options));
    }
  const requests: Record<string, number> = {};
  for (const [name, reader] of readers) requests[name] = reader instanceof ClusterError ? 0 : reader.requests();
  return { observedAt: new Date(options.now).toISOString(), cells, requests, resume };
}

/** The dependencies of a live read from a local checkout. */
export function liveDependencies(root: string, env: NodeJS.ProcessEnv = {}): LiveDependencies {
  return { env, git: createGitAncestry(root), revision: 'HEAD', now: Date.now };
}
