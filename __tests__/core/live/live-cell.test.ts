// The pure live rules over status objects captured from a real control plane (__tests__/fixtures/live, made by
// __tests__/support/capture-live-fixtures.ts): one row per situation, what the model says about it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  applicationVerdict,
  containsCommit,
  inventoryOf,
  kustomizationVerdict,
  revisionSha,
} from '../../../src/core/live/agents.js';
import {
  LIVE_ORDER,
  type LiveState,
  type TargetSnapshot,
  liveCell,
  worstLive,
} from '../../../src/core/live/live-cell.js';
import type { Pod, Workload } from '../../../src/core/live/objects.js';
import { podImages, podProblems } from '../../../src/core/live/pods.js';
import { rolloutOf, worstRollout, ROLLOUT_ORDER } from '../../../src/core/live/rollout.js';

const folder = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'live');
type Fixture = Omit<TargetSnapshot, 'cluster'> & { scenario: string };
const load = (name: string): Fixture => JSON.parse(readFileSync(join(folder, `${name}.json`), 'utf8')) as Fixture;
const COMMIT = '4f6c2d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d';
const OLDER = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const ancestry = { commit: COMMIT, contains: { [OLDER]: false } };

/** `seconds` after the newest object of the fixture was made (pod reasons age from there). */
function after(f: Fixture, seconds: number): number {
  const times = [...f.pods, ...f.workloads]
    .map((o) => Date.parse(o.metadata?.creationTimestamp ?? ''))
    .filter(Number.isFinite);
  return Math.max(...times) + seconds * 1000;
}

function cell(name: string, git = ['1.6.0'], seconds = 10, image = 'ghcr.io/acme/api') {
  const f = load(name);
  return liveCell(image, 'staging', git, [{ cluster: 'kind', ...f }], ancestry, {
    now: after(f, seconds),
    stuckAfterSeconds: 120,
  });
}

describe('live cell: one state, reason and message per image × stage', () => {
  test.each<[string, LiveState, string, string]>([
    ['plain-in-sync', 'in-sync', 'RolledOut', '1.6.0 (3/3 available) plain-in-sync/Deployment/api'],
    ['plain-mid-rollout', 'rolling-out', 'Updating', '1.5.2 → 1.6.0 (1/3 updated) plain-mid-rollout/Deployment/api'],
    [
      'plain-image-pull',
      'rolling-out',
      'ImagePullBackOff',
      '1.6.0 ImagePullBackOff (1 pod, 10s): Back-off pulling image "ghcr.io/acme/api:1.6.0"',
    ],
    [
      'plain-crash-loop',
      'stuck',
      'CrashLoopBackOff',
      '1.6.0 CrashLoopBackOff (1 pod, 10s): exit code 1 after 4 restarts (back-off 5m0s restarting failed container=app)',
    ],
    [
      'plain-oom',
      'stuck',
      'OOMKilled',
      '1.6.0 OOMKilled (1 pod, 10s): OOMKilled after 3 restarts (back-off 5m0s restarting failed container=app)',
    ],
    [
      'plain-unschedulable',
      'rolling-out',
      'Unschedulable',
      '1.6.0 Unschedulable (1 pod, 10s): 0/3 nodes are available: 3 Insufficient cpu.',
    ],
    ['plain-paused', 'suspended', 'Paused', '1.5.2 → 1.6.0 (paused at 0/2 updated) plain-paused/Deployment/api'],
    ['plain-status-tag', 'in-sync', 'RolledOut', '1.6.0 (2/2 available) plain-status-tag/Deployment/api'],
    [
      'flux-in-sync',
      'in-sync',
      'ReconciliationSucceeded',
      'flux-in-sync/Kustomization/apps: flux applied main@sha1:4f6c2d9',
    ],
    [
      'flux-git-ahead',
      'syncing',
      'RevisionNotApplied',
      'flux-git-ahead/Kustomization/apps: flux has applied main@sha1:1a2b3c4, not yet the commit that set the versions',
    ],
    [
      'flux-suspended',
      'suspended',
      'Suspended',
      'flux-suspended/Kustomization/apps: suspended: Flux applies no new revision',
    ],
    [
      'helm-released',
      'in-sync',
      'UpgradeSucceeded',
      'helm-released/HelmRelease/api: Helm upgrade succeeded for release shop/api.v3 with chart api@1.4.2',
    ],
    [
      'helm-upgrade-failed',
      'stuck',
      'UpgradeFailed',
      'helm-upgrade-failed/HelmRelease/api: Helm upgrade failed for release shop/api with chart api@1.4.2: context deadline exceeded',
    ],
    [
      'helm-rollback',
      'stuck',
      'RollbackSucceeded',
      'helm-rollback/HelmRelease/api: Helm rollback to previous release shop/api.v2 with chart api@1.4.1 succeeded',
    ],
    ['argocd-in-sync', 'in-sync', 'Healthy', 'argocd-in-sync/Application/shop: argocd synced 4f6c2d9, healthy'],
    ['argocd-out-of-sync', 'syncing', 'OutOfSync', 'argocd-out-of-sync/Application/shop: argocd reports OutOfSync'],
    [
      'argocd-older-revision',
      'syncing',
      'RevisionNotApplied',
      'argocd-older-revision/Application/shop: argocd has applied 1a2b3c4, not yet the commit that set the versions',
    ],
    [
      'argocd-comparison-error',
      'stuck',
      'ComparisonError',
      'argocd-comparison-error/Application/shop: Failed to load target state: kustomize build envs/staging failed: accumulating resources',
    ],
    [
      'argocd-degraded',
      'stuck',
      'Degraded',
      'argocd-degraded/Application/shop: Deployment "api" exceeded its progress deadline',
    ],
    ['rollout-healthy', 'in-sync', 'RolledOut', '1.6.0 (4/4 available) rollout-healthy/Rollout/api'],
    [
      'rollout-paused',
      'suspended',
      'CanaryPauseStep',
      '1.6.0 (paused at step 2/4: CanaryPauseStep) rollout-paused/Rollout/api',
    ],
  ])('%s → %s %s', (name, state, reason, message) => {
    const c = cell(name);
    expect([c.state, c.reason, c.message]).toEqual([state, reason, message]);
  });

  test('a real ProgressDeadlineExceeded (made by the controller) is stuck at once', () => {
    const c = cell('plain-deadline');
    expect([c.state, c.reason]).toEqual(['stuck', 'ProgressDeadlineExceeded']);
    expect(c.message).toMatch(
      /^1\.5\.2 → 1\.6\.0 \(ReplicaSet "api-[a-z0-9]+" has timed out progressing\.\) plain-deadline\/Deployment\/api$/,
    );
  });

  test('a pod reason present for stuckAfter turns rolling-out into stuck', () => {
    expect(cell('plain-image-pull', ['1.6.0'], 240).state).toBe('stuck');
    expect(cell('plain-image-pull', ['1.6.0'], 240).message).toMatch(/^1\.6\.0 ImagePullBackOff \(1 pod, 4m\)/);
    expect(cell('plain-unschedulable', ['1.6.0'], 121).state).toBe('stuck');
  });

  test('Argo CD health computed before the last sync finished is not trusted', () => {
    const c = cell('argocd-stale');
    expect([c.state, c.reason]).toEqual(['unknown', 'HealthStale']);
    expect(c.message).toMatch(
      /health was computed before the last sync finished \(.*\); waiting for Argo CD to refresh$/,
    );
  });

  test('pods: counts per version mid-rollout, digests from imageID (never from the status tag)', () => {
    const mid = cell('plain-mid-rollout').targets[0];
    expect(mid.live).toEqual(['1.5.2', '1.6.0']);
    const pods = mid.workloads[0].pods.map((p) => [p.version, p.ready, p.count, p.digest?.slice(0, 7)]);
    expect(pods).toEqual([
      ['1.5.2', 2, 2, 'sha256:'],
      ['1.6.0', 0, 1, undefined],
      ['1.6.0', 1, 1, 'sha256:'],
    ]);
    const tagged = load('plain-status-tag');
    const pod = tagged.pods[0] as Pod;
    expect(pod.status?.containerStatuses?.[0].image).toBe('ghcr.io/acme/api:latest');
    expect(podImages(pod)).toEqual([
      {
        container: 'app',
        repository: 'ghcr.io/acme/api',
        tag: '1.6.0',
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      },
    ]);
  });

  test('drift: a template git does not hold, or a pinned digest the pods do not run', () => {
    const drift = cell('plain-in-sync', ['1.7.0']);
    expect([drift.state, drift.reason, drift.message]).toEqual([
      'drift',
      'Drift',
      'live runs 1.6.0, git says 1.7.0 (plain-in-sync/Deployment/api)',
    ]);
    const digest = cell('plain-in-sync').targets[0].workloads[0].pods[0].digest!;
    expect(cell('plain-in-sync', [`1.6.0@${digest}`]).state).toBe('in-sync');
    const other = `sha256:${'0'.repeat(64)}`;
    expect(cell('plain-in-sync', [`1.6.0@${other}`]).state).toBe('drift');
    // While the agent has not applied the commit, the old template is "syncing", not drift.
    expect(cell('flux-git-ahead').state).toBe('syncing');
  });

  test("StatefulSet and DaemonSet by kubectl's rules; an image no workload runs is not-deployed", () => {
    expect(cell('plain-statefulset', ['1.6.0'], 10, 'ghcr.io/acme/db').state).toBe('in-sync');
    expect(cell('plain-daemonset', ['1.6.0'], 10, 'ghcr.io/acme/agent').message).toBe(
      '1.6.0 (1/1 available) plain-daemonset/DaemonSet/agent',
    );
    const none = cell('plain-in-sync', ['1.0.0'], 10, 'ghcr.io/acme/web');
    expect([none.state, none.message]).toEqual(['not-deployed', 'no workload in scope on kind runs ghcr.io/acme/web']);
  });

  test('several clusters: the worst one wins and is named; an unreachable target is never blank', () => {
    const f = load('plain-in-sync');
    const c = liveCell(
      'ghcr.io/acme/api',
      'production',
      ['1.6.0'],
      [
        { cluster: 'prod-eu', ...f },
        {
          cluster: 'prod-us',
          agents: [],
          workloads: [],
          replicaSets: [],
          pods: [],
          error: {
            state: 'unreachable',
            reason: 'Unauthorized',
            message: 'token rejected (401 Unauthorized: expired or wrong credentials?)',
          },
        },
      ],
      ancestry,
      { now: after(f, 10), stuckAfterSeconds: 120 },
    );
    expect([c.state, c.reason, c.message]).toEqual([
      'unreachable',
      'Unauthorized',
      'prod-us: token rejected (401 Unauthorized: expired or wrong credentials?)',
    ]);
    expect(c.targets.map((t) => t.state)).toEqual(['in-sync', 'unreachable']);
  });
});

describe('the rules per layer', () => {
  test('rollout per kind over the captured status', () => {
    const rollout = (name: string) => {
      const w = load(name).workloads[0] as Workload;
      const r = rolloutOf(w);
      return [r.state, r.reason, r.replicas];
    };
    expect(rollout('plain-in-sync')).toEqual([
      'healthy',
      'RolledOut',
      { desired: 3, updated: 3, ready: 3, available: 3 },
    ]);
    expect(rollout('plain-mid-rollout')).toEqual([
      'progressing',
      'Updating',
      { desired: 3, updated: 1, ready: 3, available: 3 },
    ]);
    expect(rollout('plain-deadline')[0]).toBe('failed');
    expect(rollout('plain-paused')[0]).toBe('suspended');
    expect(rollout('plain-statefulset')[0]).toBe('healthy');
    expect(rollout('plain-daemonset')[0]).toBe('healthy');
    expect(rollout('rollout-paused').slice(0, 2)).toEqual(['suspended', 'CanaryPauseStep']);
    const unobserved = { ...(load('plain-in-sync').workloads[0] as Workload) };
    unobserved.metadata = { ...unobserved.metadata, generation: 9 };
    expect(rolloutOf(unobserved).reason).toBe('NotObserved');
  });

  test("pod reasons in the kubelet's words", () => {
    const problems = (name: string) =>
      load(name)
        .pods.flatMap((p) => podProblems(p as Pod))
        .map((p) => [p.reason, p.exitCode]);
    expect(problems('plain-crash-loop')).toEqual([['CrashLoopBackOff', 1]]);
    expect(problems('plain-oom')).toEqual([['OOMKilled', 137]]);
    expect(problems('plain-unschedulable')).toEqual([['Unschedulable', undefined]]);
    expect(problems('plain-in-sync')).toEqual([]);
  });

  test('revisions: Flux 2, older Flux and Argo CD spellings; ancestry given, unknown when git does not know it', () => {
    expect(revisionSha(`main@sha1:${COMMIT}`)).toBe(COMMIT);
    expect(revisionSha(`main/${COMMIT}`)).toBe(COMMIT);
    expect(revisionSha(COMMIT)).toBe(COMMIT);
    expect(revisionSha('v1.0.0')).toBeUndefined();
    expect(containsCommit(`main@sha1:${OLDER}`, ancestry)).toBe(false);
    expect(containsCommit(`main@sha1:${'9'.repeat(40)}`, ancestry)).toBe('unknown');
    expect(
      containsCommit(`main@sha1:${'9'.repeat(40)}`, { commit: COMMIT, contains: { ['9'.repeat(40)]: true } }),
    ).toBe(true);
    const k = load('flux-in-sync').agents[0];
    expect(kustomizationVerdict(k, { commit: COMMIT, contains: {} }).state).toBe('healthy');
    expect(kustomizationVerdict(k, { commit: '8'.repeat(40), contains: {} }).reason).toBe('RevisionUnknown');
    expect(applicationVerdict(load('argocd-in-sync').agents[0], { contains: {} }).state).toBe('healthy');
    expect(inventoryOf(k)).toEqual([{ namespace: 'flux-in-sync', name: 'api', group: 'apps', kind: 'Deployment' }]);
    expect(inventoryOf(load('argocd-in-sync').agents[0])).toEqual([
      { namespace: 'argocd-in-sync', name: 'api', group: 'apps', kind: 'Deployment' },
    ]);
  });

  test('worst-of merges: order-free, and never better than any input', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...LIVE_ORDER), { minLength: 1 }), (states) => {
        const worst = worstLive(states);
        expect(states).toContain(worst);
        expect(worstLive([...states].reverse())).toBe(worst);
        for (const s of states) expect(LIVE_ORDER.indexOf(worst)).toBeGreaterThanOrEqual(LIVE_ORDER.indexOf(s));
        if (states.includes('unknown') || states.includes('unreachable')) expect(worst).not.toBe('in-sync');
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ROLLOUT_ORDER), { minLength: 1 }), (states) => {
        const worst = worstRollout(states);
        if (states.some((s) => s !== 'healthy')) expect(worst).not.toBe('healthy');
      }),
    );
  });
});
