// One status model for live state, per image × stage: git's versions, what runs (per cluster target: workloads with
// pod counts and digests), one state with a machine reason and the cluster's own message. status --live, the health
// gate, wait and --source live all read this.
import { formatVersion, tryParseImage } from '../image-reference.js';
import {
  type AgentVerdict,
  type Ancestry,
  SYNCING_REASONS,
  applicationVerdict,
  helmReleaseVerdict,
  kustomizationVerdict,
} from './agents.js';
import { type AgentObject, type Pod, type Workload, objectRef } from './objects.js';
import { type PodProblem, isReady, podImages, podProblems } from './pods.js';
import { type RolloutVerdict, rolloutOf } from './rollout.js';

export type LiveState =
  'in-sync' | 'suspended' | 'rolling-out' | 'syncing' | 'not-deployed' | 'drift' | 'unknown' | 'stuck' | 'unreachable';

/** Best first: a merge (several clusters, several workloads) keeps the worst. */
export const LIVE_ORDER: readonly LiveState[] = [
  'in-sync',
  'suspended',
  'rolling-out',
  'syncing',
  'not-deployed',
  'drift',
  'unknown',
  'stuck',
  'unreachable',
];

export interface LivePods {
  version: string;
  digest?: string;
  count: number;
  ready: number;
}

export interface LiveWorkload {
  ref: string;
  container: string;
  /** The template's version (what the workload asks for). */
  desired: string;
  rollout: RolloutVerdict;
  pods: LivePods[];
  problems: (PodProblem & { pods: string[] })[];
}

export interface LiveTargetCell {
  cluster: string;
  state: LiveState;
  reason: string;
  message: string;
  agents: AgentVerdict[];
  workloads: LiveWorkload[];
  /** Distinct versions on ready pods. */
  live: string[];
}

export interface LiveCell {
  image: string;
  stage: string;
  git: string[];
  state: LiveState;
  reason: string;
  message: string;
  targets: LiveTargetCell[];
}

/** Every live cell of a status run, with when it was read. */
export interface LiveBoard {
  observedAt: string;
  cells: LiveCell[];
  /** API requests made per cluster (the bench's measure). */
  requests: Record<string, number>;
  /** Where a watch resumes from each list (wait watches for changes instead of polling blind). */
  resume?: { cluster: string; kind: string; namespace?: string; resourceVersion: string }[];
}

/** What was read from one cluster for one stage (or why nothing could be). */
export interface TargetSnapshot {
  cluster: string;
  error?: { state: 'unreachable' | 'unknown'; reason: string; message: string };
  agents: AgentObject[];
  workloads: Workload[];
  replicaSets: Workload[];
  pods: Pod[];
  /** The lists' resourceVersions (kind, namespace), for watches. */
  resume?: { kind: string; namespace?: string; resourceVersion: string }[];
}

export interface LiveOptions {
  /** Unix ms. */
  now: number;
  /** A pod reason present this long makes the cell `stuck` (before: `rolling-out` with the reason). */
  stuckAfterSeconds: number;
}

export function worstLive(states: LiveState[]): LiveState {
  return states.reduce<LiveState>((w, s) => (LIVE_ORDER.indexOf(s) > LIVE_ORDER.indexOf(w) ? s : w), 'in-sync');
}

interface Verdict {
  state: LiveState;
  reason: string;
  message: string;
}

function worstVerdict(verdicts: Verdict[]): Verdict {
  return verdicts.reduce((w, v) => (LIVE_ORDER.indexOf(v.state) > LIVE_ORDER.indexOf(w.state) ? v : w), verdicts[0]);
}

/** A git version and a live one name the same release: the same tag, and the same digest where both have one. */
export function sameRelease(git: string, tag: string | undefined, digests: (string | undefined)[]): boolean {
  const [gitTag, gitDigest] = git.split('@');
  if (gitDigest) return digests.includes(gitDigest) && (!gitTag || gitTag === tag);
  return gitTag === tag;
}

export function agentVerdicts(agents: AgentObject[], ancestry: Ancestry): AgentVerdict[] {
  return agents.map((a) =>
    a.kind === 'HelmRelease'
      ? helmReleaseVerdict(a)
      : a.kind === 'Application'
        ? applicationVerdict(a, ancestry)
        : kustomizationVerdict(a, ancestry),
  );
}

/** The pods of each workload: directly owned (StatefulSet, DaemonSet) or through a ReplicaSet (Deployment, Rollout). */
function podsByWorkload(snapshot: TargetSnapshot): Map<string, Pod[]> {
  const owner = new Map<string, string>();
  for (const rs of snapshot.replicaSets) {
    const ref = rs.metadata?.ownerReferences?.find((o) => o.controller);
    if (ref && rs.metadata?.uid) owner.set(rs.metadata.uid, ref.uid);
  }
  const out = new Map<string, Pod[]>();
  for (const pod of snapshot.pods) {
    const ref = pod.metadata?.ownerReferences?.find((o) => o.controller);
    if (!ref) continue;
    const workload = owner.get(ref.uid) ?? ref.uid;
    out.set(workload, [...(out.get(workload) ?? []), pod]);
  }
  return out;
}

function liveWorkload(w: Workload, container: string, desired: string, pods: Pod[], image: string): LiveWorkload {
  const counts = new Map<string, LivePods>();
  const problems = new Map<string, PodProblem & { pods: string[] }>();
  for (const pod of pods) {
    const run = podImages(pod).find((i) => i.container === container && i.repository === image);
    if (!run) continue;
    const version = formatVersion({ tag: run.tag, digest: run.specDigest });
    const key = `${version}|${run.digest ?? ''}`;
    const entry = counts.get(key) ?? { version, ...(run.digest ? { digest: run.digest } : {}), count: 0, ready: 0 };
    entry.count += 1;
    if (isReady(pod)) entry.ready += 1;
    counts.set(key, entry);
    for (const problem of podProblems(pod)) {
      if (problem.container && problem.container !== container) continue;
      const seen = problems.get(problem.reason);
      if (!seen) problems.set(problem.reason, { ...problem, pods: [pod.metadata?.name ?? '?'] });
      else {
        seen.pods.push(pod.metadata?.name ?? '?');
        if (problem.since && (!seen.since || problem.since < seen.since)) seen.since = problem.since;
      }
    }
  }
  return {
    ref: objectRef(w),
    container,
    desired,
    rollout: rolloutOf(w),
    pods: [...counts.values()].sort((a, b) => b.count - a.count || a.version.localeCompare(b.version)),
    problems: [...problems.values()],
  };
}

interface Indexed {
  pods: Map<string, Pod[]>;
  /** Canonical repository → the containers that run it: built once per snapshot, so a board of n images is O(n). */
  byImage: Map<string, { w: Workload; container: string; desired: string }[]>;
}
const indexes = new WeakMap<TargetSnapshot, Indexed>();

function indexOf(snapshot: TargetSnapshot): Indexed {
  const known = indexes.get(snapshot);
  if (known) return known;
  const byImage: Indexed['byImage'] = new Map();
  for (const w of snapshot.workloads) {
    const spec = w.spec?.template?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      const parsed = c.image ? tryParseImage(c.image) : undefined;
      if (!parsed) continue;
      const list = byImage.get(parsed.repository) ?? [];
      list.push({ w, container: c.name, desired: formatVersion(parsed) });
      byImage.set(parsed.repository, list);
    }
  }
  const index = { pods: podsByWorkload(snapshot), byImage };
  indexes.set(snapshot, index);
  return index;
}

/** Every container of the in-scope workloads that runs `image`. */
export function matchWorkloads(snapshot: TargetSnapshot, image: string): LiveWorkload[] {
  const { pods, byImage } = indexOf(snapshot);
  return (byImage.get(image) ?? [])
    .map(({ w, container, desired }) =>
      liveWorkload(w, container, desired, pods.get(w.metadata?.uid ?? '') ?? [], image),
    )
    .sort((a, b) => a.ref.localeCompare(b.ref) || a.container.localeCompare(b.container));
}

function agentLayer(a: AgentVerdict): Verdict {
  const state: LiveState =
    a.state === 'failed'
      ? 'stuck'
      : a.state === 'unknown'
        ? 'unknown'
        : a.state === 'suspended'
          ? 'suspended'
          : a.state === 'healthy'
            ? 'in-sync'
            : SYNCING_REASONS.includes(a.reason)
              ? 'syncing'
              : 'rolling-out';
  return { state, reason: a.reason, message: `${a.ref}: ${a.message}` };
}

const age = (since: string | undefined, now: number) => (since ? Math.max(0, (now - Date.parse(since)) / 1000) : 0);

export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60) || ''}`.replace(/h$/, 'h');
}

function workloadLayer(w: LiveWorkload, git: string[], options: LiveOptions, explained: boolean): Verdict[] {
  const out: Verdict[] = [];
  const [tag] = w.desired.split('@');
  const desiredDigest = w.desired.split('@')[1];
  const asked = git.some((g) => sameRelease(g, tag, [desiredDigest, ...w.pods.map((p) => p.digest)]));
  if (!asked && !explained)
    out.push({
      state: 'drift',
      reason: 'Drift',
      message: `live runs ${w.desired}, git says ${git.join(', ')} (${w.ref})`,
    });
  const r = w.rollout;
  const state: LiveState =
    r.state === 'failed'
      ? 'stuck'
      : r.state === 'suspended'
        ? 'suspended'
        : r.state === 'unknown'
          ? 'unknown'
          : r.state === 'progressing'
            ? 'rolling-out'
            : 'in-sync';
  const old = w.pods.filter((p) => p.version !== w.desired).map((p) => p.version);
  const from = old.length > 0 ? `${[...new Set(old)].join(', ')} → ` : '';
  for (const p of w.problems) {
    const seconds = age(p.since, options.now);
    const crashing = p.reason === 'CrashLoopBackOff' || p.reason === 'OOMKilled';
    const stuck = seconds >= options.stuckAfterSeconds || (crashing && (p.restarts ?? 0) >= 3);
    const pods = `${p.pods.length} pod${p.pods.length === 1 ? '' : 's'}`;
    out.push({
      state: stuck ? 'stuck' : 'rolling-out',
      reason: p.reason,
      message: `${w.desired} ${p.reason} (${pods}, ${formatAge(seconds)})${p.message ? `: ${p.message}` : ''}`,
    });
  }
  // After the pods' reasons: between equally bad verdicts the first is shown, and a pod's reason says why.
  out.push({ state, reason: r.reason, message: `${from}${w.desired} (${r.message}) ${w.ref}` });
  // Rolled out, yet a ready pod runs a digest git does not pin: what runs is not what git says.
  if (r.state === 'healthy' && asked)
    for (const p of w.pods)
      if (p.ready > 0 && !git.some((g) => sameRelease(g, p.version.split('@')[0], [p.digest, p.version.split('@')[1]])))
        out.push({
          state: 'drift',
          reason: 'Drift',
          message: `live runs ${p.version}${p.digest ? `@${p.digest}` : ''}, git says ${git.join(', ')}`,
        });
  return out;
}

/** One image of one stage on one cluster target. */
export function targetCell(
  image: string,
  git: string[],
  snapshot: TargetSnapshot,
  ancestry: Ancestry,
  options: LiveOptions,
): LiveTargetCell {
  const base = { cluster: snapshot.cluster, agents: [] as AgentVerdict[], workloads: [] as LiveWorkload[], live: [] };
  if (snapshot.error) return { ...base, ...snapshot.error };
  const agents = agentVerdicts(snapshot.agents, ancestry);
  const workloads = matchWorkloads(snapshot, image);
  const live = [...new Set(workloads.flatMap((w) => w.pods.filter((p) => p.ready > 0).map((p) => p.version)))].sort();
  if (workloads.length === 0) {
    const message = `no workload in scope on ${snapshot.cluster} runs ${image}`;
    return { ...base, agents, state: 'not-deployed', reason: 'NotDeployed', message };
  }
  const agentVerdictsLayer = agents.map(agentLayer);
  // While the agent has not applied the commit (or is suspended), a template that differs from git is expected, not drift.
  const explained = agentVerdictsLayer.some((v) => v.state === 'syncing' || v.state === 'suspended');
  const verdicts = [...agentVerdictsLayer, ...workloads.flatMap((w) => workloadLayer(w, git, options, explained))];
  const worst = worstVerdict(verdicts);
  return { ...base, agents, workloads, live, state: worst.state, reason: worst.reason, message: worst.message };
}

export function liveCell(
  image: string,
  stage: string,
  git: string[],
  snapshots: TargetSnapshot[],
  ancestry: Ancestry,
  options: LiveOptions,
): LiveCell {
  const targets = snapshots.map((s) => targetCell(image, git, s, ancestry, options));
  const worst = worstVerdict(targets);
  const several = targets.length > 1;
  return {
    image,
    stage,
    git,
    state: worst.state,
    reason: worst.reason,
    message: several ? `${(worst as LiveTargetCell).cluster}: ${worst.message}` : worst.message,
    targets,
  };
}
