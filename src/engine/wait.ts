// wait: after a promotion merges, until the stage has applied the commit and rolled it out (and stayed so for
// stableFor). Each phase is reported once when entered; terminal reasons end it at once. Outcomes map to exit codes:
// succeeded 0, failed or unreachable 1, timeout 4 (still progressing when the deadline came).
import type { Pipeline } from '../core/config/index.js';
import { formatDuration } from '../core/duration.js';
import type { LiveBoard, LiveCell } from '../core/live/live-cell.js';
import type { ScannedStage } from '../core/plan.js';
import { buildStatus } from '../core/status.js';
import { waits } from './gates/health-gate.js';
import { type LiveDependencies, readLive } from './live.js';
import { type ClusterReader, type KindName, createClusterReader, loadKubeClient } from '../adapters/cluster.js';

export type WaitOutcome = 'succeeded' | 'failed' | 'unreachable' | 'timeout';
export const WAIT_EXIT_CODES: Record<WaitOutcome, 0 | 1 | 4> = { succeeded: 0, failed: 1, unreachable: 1, timeout: 4 };

export interface WaitResult {
  outcome: WaitOutcome;
  stage: string;
  commit?: string;
  /** Why, one line per image not rolled out (empty when it succeeded). */
  reasons: string[];
  live: LiveBoard;
  elapsedMs: number;
}

export interface WaitOptions {
  timeoutSeconds: number;
  stableForSeconds: number;
  /** Called once per phase entered (`waiting for flux to apply …`, `rolling out …`, `3/3 available …`). */
  onPhase: (text: string) => void;
}

export interface WaitDependencies extends LiveDependencies {
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
}

function phase(cell: LiveCell): { key: string; text: string } {
  const name = `${cell.image} ${cell.git.join(', ')}`;
  const ready = cell.targets.flatMap((t) => t.workloads).reduce((n, w) => n + w.rollout.replicas.available, 0);
  const desired = cell.targets.flatMap((t) => t.workloads).reduce((n, w) => n + w.rollout.replicas.desired, 0);
  switch (cell.state) {
    case 'syncing':
      return { key: `${cell.image} syncing`, text: `waiting for the agent to apply the commit: ${cell.message}` };
    case 'rolling-out':
      return { key: `${cell.image} rolling ${cell.reason}`, text: `rolling out ${name}: ${cell.message}` };
    case 'in-sync':
      return { key: `${cell.image} in-sync`, text: `${name}: ${ready}/${desired} available` };
    default:
      return { key: `${cell.image} ${cell.state} ${cell.reason}`, text: `${name}: ${cell.state} (${cell.message})` };
  }
}

/**
 * Until something the lists returned changes (watches resuming from their resourceVersions) or `ms` pass. A watch that
 * fails (410 Gone, a forbidden watch) just leaves the timer: the next round lists again from scratch.
 */
async function changeOrTimeout(
  pipeline: Pipeline,
  deps: WaitDependencies,
  resume: NonNullable<LiveBoard['resume']>,
  ms: number,
): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  if (!deps.open) await loadKubeClient();
  const open = deps.open ?? createClusterReader;
  const readers = new Map<string, ClusterReader>();
  const ended = new Promise<void>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  try {
    const watches = resume.map(async (w) => {
      const cluster = pipeline.clusters.find((c) => c.name === w.cluster);
      if (!cluster) return ended;
      try {
        if (!readers.has(w.cluster)) readers.set(w.cluster, open(cluster, deps.env));
        const reader = readers.get(w.cluster) as ClusterReader;
        await reader.watch(
          w.kind as KindName,
          w.namespace,
          w.resourceVersion,
          () => controller.abort(),
          controller.signal,
        );
      } catch {
        return ended;
      }
      return undefined;
    });
    await Promise.race([ended, ...watches]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

export async function waitForRollout(
  pipeline: Pipeline,
  source: ScannedStage,
  options: WaitOptions,
  deps: WaitDependencies,
): Promise<WaitResult> {
  const stage = pipeline.stages.find((s) => s.name === source.name)!;
  const single = { ...pipeline, stages: [stage] };
  const board = buildStatus([source]);
  const started = deps.now();
  const deadline = started + options.timeoutSeconds * 1000;
  let last: LiveBoard | undefined;
  const sleep = deps.sleep ?? ((ms: number) => changeOrTimeout(pipeline, deps, last?.resume ?? [], ms));
  const seen = new Set<string>();
  let stableSince: number | undefined;
  const done = (outcome: WaitOutcome, live: LiveBoard, reasons: string[]): WaitResult => ({
    outcome,
    stage: stage.name,
    ...(deps.commit ? { commit: deps.commit } : {}),
    reasons,
    live,
    elapsedMs: deps.now() - started,
  });
  for (;;) {
    const live = await readLive(single, board, deps);
    last = live;
    const now = deps.now();
    for (const cell of live.cells) {
      const p = phase(cell);
      if (!seen.has(p.key)) {
        seen.add(p.key);
        options.onPhase(p.text);
      }
    }
    const bad = live.cells.filter((c) => c.state !== 'in-sync');
    const why = (cells: LiveCell[]) => cells.map((c) => `${c.image} ${c.git.join(', ')}: ${c.state} (${c.message})`);
    if (bad.length === 0) {
      stableSince ??= now;
      if (now - stableSince >= options.stableForSeconds * 1000) {
        if (options.stableForSeconds > 0) options.onPhase(`stable for ${formatDuration(options.stableForSeconds)}`);
        return done('succeeded', live, []);
      }
    } else {
      stableSince = undefined;
      const terminal = bad.filter((c) => !waits(c));
      if (terminal.length > 0)
        return done(terminal.every((c) => c.state === 'unreachable') ? 'unreachable' : 'failed', live, why(terminal));
    }
    if (now >= deadline)
      return done('timeout', live, bad.length > 0 ? why(bad) : ['in sync, but not yet stable for long enough']);
    const stableLeft = stableSince === undefined ? Infinity : stableSince + options.stableForSeconds * 1000 - now;
    // Watches wake it on any change; the cap re-reads anyway (agents' status, a watch that ended quietly).
    await sleep(Math.max(1, Math.min(deps.pollMs ?? 10_000, stableLeft, deadline - now)));
  }
}
