// The agent layer: has the stage applied a git revision that CONTAINS the commit that set the versions? Flux and
// Argo CD report the tracked branch's head, so the answer is ancestry (given as input: the core runs no git), never
// equality. Agent "Ready"/"Healthy" alone is never a rollout: the workloads are checked too (live-cell.ts).
import { type AgentObject, type Condition, condition, objectRef } from './objects.js';
import type { RolloutState } from './rollout.js';

export type AgentKind = 'Kustomization' | 'HelmRelease' | 'Application';

/** Which applied revisions contain the commit that set the versions (sha → contains); a sha not in the map is unknown. */
export interface Ancestry {
  /** The commit that set the versions; undefined when no commit is asked about (every revision will do). */
  commit?: string;
  contains: Record<string, boolean>;
}

export interface AgentVerdict {
  kind: AgentKind;
  ref: string;
  /** The applied revision as the agent reports it (`main@sha1:…`), when it reports one. */
  revision?: string;
  containsCommit?: boolean | 'unknown';
  state: RolloutState;
  /** RevisionNotApplied, OutOfSync, SyncRequested and Syncing mean "git is ahead"; others are the agent's own. */
  reason: string;
  message: string;
}

/** Reasons that mean the agent has not applied the commit yet (the cell says `syncing`). */
export const SYNCING_REASONS = [
  'RevisionNotApplied',
  'OutOfSync',
  'SyncRequested',
  'Syncing',
  'NotObserved',
  'Reconciling',
];

const SHA = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;

/** The commit of a revision: `main@sha1:<sha>` (Flux 2), `main/<sha>` (older Flux), or a bare sha (Argo CD). */
export function revisionSha(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  const at = /@sha1:([0-9a-f]{40})$/.exec(revision);
  if (at) return at[1];
  const slash = /\/([0-9a-f]{40})$/.exec(revision);
  if (slash) return slash[1];
  return SHA.test(revision) ? revision : undefined;
}

/** A revision as a message shows it: `main@sha1:ab12cd3`. */
export function shortRevision(revision: string): string {
  return revision.replace(/([0-9a-f]{7})[0-9a-f]{33}$/, '$1');
}

export function containsCommit(revision: string | undefined, ancestry: Ancestry): boolean | 'unknown' {
  if (!ancestry.commit) return true;
  const sha = revisionSha(revision);
  if (!sha) return 'unknown';
  if (sha === ancestry.commit) return true;
  return ancestry.contains[sha] ?? 'unknown';
}

function verdict(
  object: AgentObject,
  kind: AgentKind,
  state: RolloutState,
  reason: string,
  message: string,
  extra: Partial<AgentVerdict> = {},
): AgentVerdict {
  return { kind, ref: objectRef({ ...object, kind }), ...extra, state, reason, message };
}

function notObserved(object: AgentObject): boolean {
  const generation = object.metadata?.generation;
  return generation !== undefined && object.status?.observedGeneration !== generation;
}

const notYet = (agent: string, revision: string) =>
  `${agent} has applied ${shortRevision(revision)}, not yet the commit that set the versions`;

/** Flux Kustomization: suspended, generation observed, Ready and its reason, applied revision contains C. */
export function kustomizationVerdict(k: AgentObject, ancestry: Ancestry): AgentVerdict {
  const s = k.status ?? {};
  const revision = s.lastAppliedRevision;
  const contains = containsCommit(revision, ancestry);
  const extra = { ...(revision ? { revision } : {}), containsCommit: contains };
  const at = (state: RolloutState, reason: string, message: string) =>
    verdict(k, 'Kustomization', state, reason, message, extra);
  if (k.spec?.suspend) return at('suspended', 'Suspended', 'suspended: Flux applies no new revision');
  if (notObserved(k)) return at('progressing', 'NotObserved', 'waiting for kustomize-controller to see the new spec');
  const ready = condition(s.conditions, 'Ready');
  const stalled = condition(s.conditions, 'Stalled');
  if (stalled?.status === 'True') return at('failed', stalled.reason ?? 'Stalled', stalled.message ?? 'stalled');
  if (ready?.status === 'False' && ready.reason !== 'DependencyNotReady' && ready.reason !== 'Progressing') {
    // A failure for an older revision than ours is not ours: wait for the agent to attempt ours.
    const attempted = containsCommit(s.lastAttemptedRevision, ancestry);
    if (attempted !== false) return at('failed', ready.reason ?? 'NotReady', ready.message ?? 'not ready');
  }
  if (contains === false)
    return at(
      'progressing',
      'RevisionNotApplied',
      revision ? notYet('flux', revision) : 'flux has applied nothing yet',
    );
  if (!revision) return at('progressing', 'RevisionNotApplied', 'flux has applied nothing yet');
  if (contains === 'unknown')
    return at(
      'unknown',
      'RevisionUnknown',
      `flux applied ${shortRevision(revision)}, which this repository's history does not hold (fetch more history?)`,
    );
  if (condition(s.conditions, 'Reconciling')?.status === 'True')
    return at('progressing', 'Reconciling', conditionText(condition(s.conditions, 'Reconciling'), 'reconciling'));
  if (ready?.status === 'True')
    return at('healthy', ready.reason ?? 'Ready', `flux applied ${shortRevision(revision)}`);
  return at('progressing', ready?.reason ?? 'NotReady', conditionText(ready, 'not ready yet'));
}

const HELM_WAITING = ['Progressing', 'DependencyNotReady', 'ArtifactFailed'];

/** Flux HelmRelease: no git revision of its own (its parent Kustomization has one); generation observed and Ready. */
export function helmReleaseVerdict(h: AgentObject): AgentVerdict {
  const s = h.status ?? {};
  const at = (state: RolloutState, reason: string, message: string) =>
    verdict(h, 'HelmRelease', state, reason, message);
  if (h.spec?.suspend) return at('suspended', 'Suspended', 'suspended: helm-controller upgrades nothing');
  if (notObserved(h)) return at('progressing', 'NotObserved', 'waiting for helm-controller to see the new values');
  const ready = condition(s.conditions, 'Ready');
  if (condition(s.conditions, 'Reconciling')?.status === 'True')
    return at('progressing', 'Reconciling', conditionText(condition(s.conditions, 'Reconciling'), 'upgrading'));
  if (ready?.status === 'True') return at('healthy', ready.reason ?? 'Ready', ready.message ?? 'released');
  // RollbackSucceeded is a failure of the promotion: the new values were rolled back.
  if (ready?.status === 'False' && !HELM_WAITING.includes(ready.reason ?? ''))
    return at('failed', ready.reason ?? 'NotReady', ready.message ?? 'not ready');
  if (!ready) return at('unknown', 'NoStatus', 'helm-controller has not reported on it yet');
  return at('progressing', ready.reason ?? 'NotReady', conditionText(ready, 'not ready yet'));
}

function conditionText(c: Condition | undefined, fallback: string): string {
  return c?.message || fallback;
}

/**
 * Argo CD Application (Kargo's order): a requested or running sync; health computed before the last sync finished is
 * stale (unknown); error conditions; the synced revision contains C; Synced; then health.
 */
export function applicationVerdict(app: AgentObject, ancestry: Ancestry): AgentVerdict {
  const s = app.status ?? {};
  const revisions = s.sync?.revisions?.length ? s.sync.revisions : s.sync?.revision ? [s.sync.revision] : [];
  const results = revisions.map((r) => containsCommit(r, ancestry));
  const contains: boolean | 'unknown' = !ancestry.commit
    ? true
    : results.includes(true)
      ? true
      : results.includes('unknown') || results.length === 0
        ? 'unknown'
        : false;
  const extra = { ...(revisions[0] ? { revision: revisions[0] } : {}), containsCommit: contains };
  const at = (state: RolloutState, reason: string, message: string) =>
    verdict(app, 'Application', state, reason, message, extra);
  if (app.operation) return at('progressing', 'SyncRequested', 'a sync is requested and not yet picked up');
  const op = s.operationState;
  if (op?.phase === 'Running' || op?.phase === 'Terminating')
    return at('progressing', 'Syncing', op.message || 'syncing');
  if (op?.finishedAt && (!s.reconciledAt || Date.parse(s.reconciledAt) < Date.parse(op.finishedAt)))
    return at(
      'unknown',
      'HealthStale',
      `health was computed before the last sync finished (${op.finishedAt}); waiting for Argo CD to refresh`,
    );
  const error = (s.conditions ?? []).find((c) => /Error$/.test(c.type));
  if (error) return at('failed', error.type, error.message ?? error.type);
  if (op?.phase === 'Failed' || op?.phase === 'Error')
    return at('failed', 'SyncFailed', op.message || 'the last sync failed');
  const shown = revisions[0] ? shortRevision(revisions[0]) : 'nothing';
  if (contains === false) return at('progressing', 'RevisionNotApplied', notYet('argocd', shown));
  if (contains === 'unknown')
    return at(
      'unknown',
      'RevisionUnknown',
      `argocd compared against ${shown}, which this repository's history does not hold`,
    );
  if (s.sync?.status !== 'Synced')
    return at('progressing', 'OutOfSync', `argocd reports ${s.sync?.status ?? 'no sync status'}`);
  const health = s.health?.status;
  const message = s.health?.message ?? '';
  if (health === 'Healthy') return at('healthy', 'Healthy', `argocd synced ${shown}, healthy`);
  if (health === 'Progressing') return at('progressing', 'Progressing', message || 'argocd reports Progressing');
  if (health === 'Suspended') return at('suspended', 'Suspended', message || 'argocd reports Suspended');
  if (health === 'Degraded' || health === 'Missing') return at('failed', health, message || `argocd reports ${health}`);
  return at('unknown', 'HealthUnknown', message || `argocd reports health ${health ?? 'nothing'}`);
}

/** An object the agent manages, as its inventory names it. */
export interface InventoryEntry {
  namespace: string;
  name: string;
  group: string;
  kind: string;
}

/** Flux `status.inventory.entries[].id` (`<ns>_<name>_<group>_<kind>`) or Argo CD `status.resources`. */
export function inventoryOf(agent: AgentObject): InventoryEntry[] {
  const s = agent.status ?? {};
  if (s.inventory?.entries)
    return s.inventory.entries.flatMap((e) => {
      const parts = e.id.split('_');
      if (parts.length !== 4) return [];
      const [namespace, name, group, kind] = parts;
      return [{ namespace, name, group, kind }];
    });
  return (s.resources ?? []).map((r) => ({
    namespace: r.namespace ?? '',
    name: r.name ?? '',
    group: r.group ?? '',
    kind: r.kind ?? '',
  }));
}
