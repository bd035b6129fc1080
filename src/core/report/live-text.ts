// The live line under each git version (status --live), and the notes that say why for every cell not in sync.
import type { LiveBoard, LiveCell } from '../live/live-cell.js';

const ROLLOUT_REASONS = new Set(['Updating', 'OldReplicasTerminating', 'Unavailable', 'NotObserved', 'Progressing']);

function counts(cell: LiveCell): { desired: number; updated: number; ready: number } {
  const workloads = cell.targets.flatMap((t) => t.workloads);
  const sum = (f: (w: (typeof workloads)[number]) => number) => workloads.reduce((n, w) => n + f(w), 0);
  return {
    desired: sum((w) => w.rollout.replicas.desired),
    updated: sum((w) => w.rollout.replicas.updated),
    ready: sum((w) => w.pods.filter((p) => cell.git.includes(p.version)).reduce((n, p) => n + p.ready, 0)),
  };
}

/** One short line: `1.6.0 ✓ 3/3`, `1.5.2 → 1.6.0 (1/3 updated)`, `1.6.0 ✗ ImagePullBackOff`, `? unreachable (Unauthorized)`. */
export function liveLine(cell: LiveCell | undefined): string {
  if (!cell) return '';
  const git = cell.git.join(', ');
  const live = [...new Set(cell.targets.flatMap((t) => t.live))];
  const c = counts(cell);
  switch (cell.state) {
    case 'in-sync':
      return `${git} ✓ ${c.ready}/${c.desired}`;
    case 'rolling-out': {
      if (!ROLLOUT_REASONS.has(cell.reason)) return `${git} … ${cell.reason}`;
      const old = live.filter((v) => !cell.git.includes(v));
      return `${old.length > 0 ? `${old.join(', ')} → ` : ''}${git} (${c.updated}/${c.desired} updated)`;
    }
    case 'stuck':
      return `${git} ✗ ${cell.reason}`;
    case 'suspended':
      return `${git} ⏸ ${cell.reason}`;
    case 'syncing':
      return 'syncing';
    case 'drift':
      return `drift (live runs ${live.filter((v) => !cell.git.includes(v)).join(', ') || 'another digest'})`;
    case 'not-deployed':
      return 'not deployed';
    default:
      return `? ${cell.state} (${cell.reason})`;
  }
}

/** The why of every cell not in sync, in the cluster's own words. */
export function liveNotes(live: LiveBoard): string[] {
  return live.cells
    .filter((cell) => cell.state !== 'in-sync')
    .map((cell) => `${cell.stage} ${cell.image}: ${cell.state} (${cell.message})`);
}

export function findLiveCell(live: LiveBoard, image: string, stage: string): LiveCell | undefined {
  return live.cells.find((c) => c.image === image && c.stage === stage);
}
