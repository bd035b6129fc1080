// Status: one row per image, one cell per stage, comparing each stage with the nearest upstream stage that holds the image.
import { formatVersion, type Finding, type Skipped } from './image-reference.js';
import type { ScannedStage } from './plan.js';
import { compareVersions } from './tag-policy.js';

/**
 * `same`: every version here also stands upstream. `behind`: older than upstream (a promotion is pending).
 * `drift`: holds a version its upstream does not, that is not simply older (a hotfix, a skipped stage, a typo).
 * `first`: the first stage holding the image. `absent`: the stage does not hold it.
 */
export type CellState = 'first' | 'same' | 'behind' | 'drift' | 'absent';

export interface StatusCell {
  versions: string[];
  state: CellState;
  /** Workloads holding the image in this stage. */
  workloads: string[];
}

export interface StatusRow {
  image: string;
  cells: Record<string, StatusCell>;
}

export interface StatusBoard {
  stages: string[];
  rows: StatusRow[];
  /** How many cells are `drift` / `behind`. */
  drift: number;
  behind: number;
  /** Files of any stage that were not read (an image there is not on the board), and what the scan warned of. */
  skipped: Skipped[];
  warnings: Finding[];
}

/** Two written versions name the same release: equal, or the same tag where one side is not pinned to a digest. */
function sameRelease(a: string, b: string): boolean {
  if (a === b) return true;
  const [tagA, digestA] = a.split('@');
  const [tagB, digestB] = b.split('@');
  return tagA !== '' && tagA === tagB && (digestA === undefined || digestB === undefined);
}

function cellState(versions: string[], upstream: string[] | undefined): CellState {
  if (versions.length === 0) return 'absent';
  if (upstream === undefined) return 'first';
  const foreign = versions.filter((version) => !upstream.some((up) => sameRelease(version, up)));
  if (foreign.length === 0) return 'same';
  const older = foreign.every((version) =>
    upstream.every((up) => {
      const order = compareVersions(version.split('@')[0], up.split('@')[0]);
      return order !== undefined && order < 0;
    }),
  );
  return older ? 'behind' : 'drift';
}

/** A drift cell history may explain: the versions `stage` holds that `upstream` does not, and the upstream's files. */
export interface DriftQuestion {
  image: string;
  stage: string;
  upstream: string;
  versions: string[];
  /** Files of the upstream stage holding the image, whose history is searched. */
  files: string[];
}

/** Each drift cell, with what would make it *behind*: every foreign version held by the upstream stage earlier. */
export function driftQuestions(board: StatusBoard, stages: ScannedStage[]): DriftQuestion[] {
  const questions: DriftQuestion[] = [];
  for (const row of board.rows) {
    let upstream: ScannedStage | undefined;
    for (const stage of stages) {
      const cell = row.cells[stage.name];
      if (cell.state === 'drift' && upstream) {
        const up = row.cells[upstream.name].versions;
        const files = upstream.references.filter((ref) => ref.image === row.image).map((ref) => ref.file);
        questions.push({
          image: row.image,
          stage: stage.name,
          upstream: upstream.name,
          versions: cell.versions.filter((version) => !up.some((other) => sameRelease(version, other))),
          files: [...new Set(files)].sort(),
        });
      }
      if (cell.versions.length > 0) upstream = stage;
    }
  }
  return questions;
}

/**
 * Marks as *behind* the drift cells whose versions the upstream stage held earlier in its history (answered by the
 * engine from git): unordered tags such as commit SHAs cannot be compared, but a version upstream has moved past is
 * a pending promotion, not drift.
 */
export function settleDrift(board: StatusBoard, heldEarlier: DriftQuestion[]): StatusBoard {
  const rows = board.rows.map((row) => {
    const settled = heldEarlier.filter((question) => question.image === row.image);
    if (settled.length === 0) return row;
    const cells = { ...row.cells };
    for (const question of settled) cells[question.stage] = { ...cells[question.stage], state: 'behind' as const };
    return { ...row, cells };
  });
  const count = (state: CellState) =>
    rows.reduce((sum, row) => sum + Object.values(row.cells).filter((cell) => cell.state === state).length, 0);
  return { ...board, rows, drift: count('drift'), behind: count('behind') };
}

export function buildStatus(stages: ScannedStage[]): StatusBoard {
  const images = [...new Set(stages.flatMap((stage) => stage.references.map((reference) => reference.image)))].sort();
  let drift = 0;
  let behind = 0;
  const rows = images.map((image) => {
    const cells: Record<string, StatusCell> = {};
    let upstream: string[] | undefined;
    for (const stage of stages) {
      const held = stage.references.filter((reference) => reference.image === image);
      const versions = [...new Set(held.map((reference) => formatVersion(reference) || '(no tag)'))].sort();
      const state = cellState(versions, upstream);
      if (state === 'drift') drift += 1;
      if (state === 'behind') behind += 1;
      const workloads = [...new Set(held.map((reference) => reference.workload ?? reference.file))].sort();
      cells[stage.name] = { versions, state, workloads };
      if (versions.length > 0) upstream = versions;
    }
    return { image, cells };
  });
  const byPlace = (a: { file: string; line: number }, b: { file: string; line: number }) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
  const skipped = stages.flatMap((stage) => stage.skipped).sort(byPlace);
  const warnings = stages.flatMap((stage) => stage.warnings).sort(byPlace);
  return { stages: stages.map((stage) => stage.name), rows, drift, behind, skipped, warnings };
}
