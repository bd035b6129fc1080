// health: before promoting OUT of the source stage, it must have applied the commit that set the versions, rolled
// them out, and stayed in sync for `stableFor` (waiting up to `timeout`). It guards promotion out of a stage only: a
// fix or rollback into a broken stage is never blocked by that stage's own health. Fails closed: an unreachable
// cluster, a forbidden read, a missing object or a stuck rollout fail at once, with the cluster's own words.
import type { HealthGate, Pipeline } from '../../core/config/index.js';
import { formatDuration } from '../../core/duration.js';
import type { GateResult } from '../../core/gate-result.js';
import type { Version } from '../../core/image-reference.js';
import type { LiveCell } from '../../core/live/live-cell.js';
import type { ScannedStage } from '../../core/plan.js';
import { buildStatus } from '../../core/status.js';
import { type LiveDependencies, readLive } from '../live.js';

export interface HealthDependencies extends LiveDependencies {
  /** Waits between reads (the tests' clock advances here). */
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
}

/** States worth waiting for: the cluster is on its way (or its health is not computed yet). */
const WAITING = new Set(['rolling-out', 'syncing', 'suspended']);
const WAITING_UNKNOWN = new Set(['HealthStale', 'NotObserved', 'NoPhase', 'NoStatus']);

/** A cell worth waiting for (on its way, or health not computed yet); anything else not in sync is terminal. */
export const waits = (cell: LiveCell) =>
  WAITING.has(cell.state) || (cell.state === 'unknown' && WAITING_UNKNOWN.has(cell.reason));

function line(cell: LiveCell): string {
  return `${cell.image} ${cell.git.join(', ')} ${cell.stage}: ${cell.state} (${cell.message})`;
}

export async function checkHealth(
  pipeline: Pipeline,
  source: ScannedStage,
  releases: { image: string; version: Version }[],
  gate: HealthGate,
  deps: HealthDependencies,
): Promise<GateResult> {
  const started = deps.now();
  const result = (passed: boolean, details: string[], failures: GateResult['failures'] = []): GateResult => ({
    gate: 'health',
    name: 'health',
    passed,
    durationMs: deps.now() - started,
    details,
    failures,
  });
  const stage = pipeline.stages.find((s) => s.name === source.name);
  if (!stage || stage.live.length === 0)
    return result(false, [
      `${source.name} has no live: section, so its health cannot be checked; say where it runs (stages[].live) or remove gates.health`,
    ]);
  const images = new Set(releases.map((r) => r.image));
  const board = buildStatus([source]);
  board.rows = board.rows.filter((row) => images.has(row.image));
  const single = { ...pipeline, stages: [stage] };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = started + gate.timeoutSeconds * 1000;
  let stableSince: number | undefined;
  for (;;) {
    const live = await readLive(single, board, deps);
    const now = deps.now();
    const bad = live.cells.filter((c) => c.state !== 'in-sync');
    const failures = (cells: LiveCell[]) =>
      cells.map((c) => ({
        image: c.image,
        version: c.git.join(', '),
        message: `${c.state} in ${c.stage}: ${c.message}`,
      }));
    if (bad.length === 0 && live.cells.length > 0) {
      stableSince ??= now;
      const stable = now - stableSince;
      if (stable >= gate.stableForSeconds * 1000)
        return result(
          true,
          live.cells.map(
            (c) =>
              `${c.image} ${c.git.join(', ')} ${c.stage}: in sync on ${c.targets.map((t) => t.cluster).join(', ')}, stable for ${formatDuration(Math.round(stable / 1000))}`,
          ),
        );
    } else {
      stableSince = undefined;
      const terminal = bad.filter((c) => !waits(c));
      if (terminal.length > 0) return result(false, terminal.map(line), failures(terminal));
      if (now >= deadline)
        return result(
          false,
          bad.map((c) => `${line(c)}; still not in sync after ${formatDuration(gate.timeoutSeconds)}`),
          failures(bad),
        );
    }
    if (now >= deadline && stableSince !== undefined)
      return result(false, [
        `in sync, but not yet for ${formatDuration(gate.stableForSeconds)} when the timeout (${formatDuration(gate.timeoutSeconds)}) came`,
      ]);
    const stableLeft = stableSince === undefined ? Infinity : stableSince + gate.stableForSeconds * 1000 - now;
    await sleep(Math.max(1, Math.min(deps.pollMs ?? 5000, stableLeft, deadline - now)));
  }
}
