// "Rolled out?" per workload kind, by kubectl's rules (rollout status) with gitops-engine's additions (paused →
// suspended, OnDelete → healthy, ProgressDeadlineExceeded → failed) and Argo CD's Rollout rule (phase, once observed).
// Counters only: pods say why (pods.ts).
import { type Workload, condition } from './objects.js';

export type RolloutState = 'healthy' | 'progressing' | 'failed' | 'suspended' | 'unknown';

export interface Replicas {
  desired: number;
  updated: number;
  ready: number;
  available: number;
}

export interface RolloutVerdict {
  state: RolloutState;
  /** A machine code: NotObserved, Updating, OldReplicasTerminating, Unavailable, ProgressDeadlineExceeded, Paused... */
  reason: string;
  message: string;
  replicas: Replicas;
}

/** Worst first is last: a merge keeps the state with the highest rank. */
export const ROLLOUT_ORDER: readonly RolloutState[] = ['healthy', 'suspended', 'progressing', 'unknown', 'failed'];

export function worstRollout(states: RolloutState[]): RolloutState {
  return states.reduce<RolloutState>(
    (worst, s) => (ROLLOUT_ORDER.indexOf(s) > ROLLOUT_ORDER.indexOf(worst) ? s : worst),
    'healthy',
  );
}

const n = (value: number | undefined) => value ?? 0;

function verdict(state: RolloutState, reason: string, message: string, replicas: Replicas): RolloutVerdict {
  return { state, reason, message, replicas };
}

/** The controller has not seen the latest spec: nothing else in the status is about it yet. */
function notObserved(w: Workload): boolean {
  const generation = w.metadata?.generation;
  const observed = w.status?.observedGeneration;
  if (observed === undefined || observed === '') return true;
  return generation !== undefined && Number(observed) < generation;
}

export function deploymentRollout(w: Workload): RolloutVerdict {
  const s = w.status ?? {};
  const desired = w.spec?.replicas ?? 1;
  const r = { desired, updated: n(s.updatedReplicas), ready: n(s.readyReplicas), available: n(s.availableReplicas) };
  if (notObserved(w)) return verdict('progressing', 'NotObserved', 'waiting for the controller to see the new spec', r);
  const progressing = condition(s.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return verdict('failed', 'ProgressDeadlineExceeded', progressing.message ?? 'exceeded its progress deadline', r);
  if (w.spec?.paused) return verdict('suspended', 'Paused', `paused at ${r.updated}/${desired} updated`, r);
  if (r.updated < desired) return verdict('progressing', 'Updating', `${r.updated}/${desired} updated`, r);
  if (n(s.replicas) > r.updated)
    return verdict(
      'progressing',
      'OldReplicasTerminating',
      `${n(s.replicas) - r.updated} old replicas pending termination`,
      r,
    );
  if (r.available < r.updated) return verdict('progressing', 'Unavailable', `${r.available}/${r.updated} available`, r);
  return verdict('healthy', 'RolledOut', `${r.available}/${desired} available`, r);
}

export function statefulSetRollout(w: Workload): RolloutVerdict {
  const s = w.status ?? {};
  const desired = w.spec?.replicas ?? 1;
  const r = {
    desired,
    updated: n(s.updatedReplicas),
    ready: n(s.readyReplicas),
    available: n(s.availableReplicas ?? s.readyReplicas),
  };
  if (w.spec?.updateStrategy?.type === 'OnDelete')
    return verdict('healthy', 'OnDelete', `OnDelete: ${r.ready} ready pods (no rollout to follow)`, r);
  if (notObserved(w) || s.observedGeneration === 0)
    return verdict('progressing', 'NotObserved', 'waiting for the controller to see the new spec', r);
  if (r.ready < desired) return verdict('progressing', 'Unavailable', `${r.ready}/${desired} ready`, r);
  const partition = w.spec?.updateStrategy?.rollingUpdate?.partition;
  if (partition !== undefined) {
    if (r.updated < desired - partition)
      return verdict('progressing', 'Updating', `${r.updated}/${desired - partition} updated`, r);
    return verdict('healthy', 'RolledOut', `${r.ready}/${desired} ready`, r);
  }
  if (s.updateRevision !== s.currentRevision)
    return verdict('progressing', 'Updating', `${r.updated}/${desired} updated`, r);
  return verdict('healthy', 'RolledOut', `${r.ready}/${desired} ready`, r);
}

export function daemonSetRollout(w: Workload): RolloutVerdict {
  const s = w.status ?? {};
  const desired = n(s.desiredNumberScheduled);
  const r = {
    desired,
    updated: n(s.updatedNumberScheduled),
    ready: n(s.numberAvailable),
    available: n(s.numberAvailable),
  };
  if (w.spec?.updateStrategy?.type === 'OnDelete')
    return verdict('healthy', 'OnDelete', `OnDelete: ${r.available} available pods (no rollout to follow)`, r);
  if (notObserved(w)) return verdict('progressing', 'NotObserved', 'waiting for the controller to see the new spec', r);
  if (r.updated < desired) return verdict('progressing', 'Updating', `${r.updated}/${desired} updated`, r);
  if (r.available < desired) return verdict('progressing', 'Unavailable', `${r.available}/${desired} available`, r);
  return verdict('healthy', 'RolledOut', `${r.available}/${desired} available`, r);
}

/** Argo Rollout: `phase` is trusted only once `observedGeneration` (a string in this API) equals the generation. */
export function argoRollout(w: Workload): RolloutVerdict {
  const s = w.status ?? {};
  const desired = w.spec?.replicas ?? 1;
  const r = { desired, updated: n(s.updatedReplicas), ready: n(s.readyReplicas), available: n(s.availableReplicas) };
  if (notObserved(w))
    return verdict('progressing', 'NotObserved', 'waiting for the rollouts controller to see the new spec', r);
  const message = s.message ?? '';
  switch (s.phase) {
    case 'Healthy':
      return verdict('healthy', 'RolledOut', message || `${r.available}/${desired} available`, r);
    case 'Paused': {
      const steps = w.spec?.strategy?.canary?.steps?.length;
      const step = s.currentStepIndex !== undefined && steps ? ` at step ${s.currentStepIndex + 1}/${steps}` : '';
      const reason = s.pauseConditions?.[0]?.reason ?? 'Paused';
      return verdict('suspended', reason, `paused${step}${message ? `: ${message}` : ''}`, r);
    }
    case 'Degraded':
      return verdict('failed', 'Degraded', message || 'degraded', r);
    case 'Progressing':
      return verdict('progressing', 'Progressing', message || `${r.updated}/${desired} updated`, r);
    default:
      return verdict('unknown', 'NoPhase', 'the rollouts controller has not reported a phase', r);
  }
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export function rolloutOf(w: Workload): RolloutVerdict {
  if (w.metadata?.deletionTimestamp)
    return verdict('progressing', 'Terminating', 'being deleted', { desired: 0, updated: 0, ready: 0, available: 0 });
  switch (w.kind) {
    case 'Deployment':
      return deploymentRollout(w);
    case 'StatefulSet':
      return statefulSetRollout(w);
    case 'DaemonSet':
      return daemonSetRollout(w);
    case 'Rollout':
      return argoRollout(w);
    default:
      return verdict('unknown', 'UnknownKind', `no rollout rule for ${w.kind ?? 'an object without kind'}`, {
        desired: 0,
        updated: 0,
        ready: 0,
        available: 0,
      });
  }
}
