// The status board (image × stage) as the CLI prints it.
import type { CellState, StatusBoard } from '../status.js';
import type { LiveBoard } from '../live/live-cell.js';
import { findLiveCell, liveLine, liveNotes } from './live-text.js';
import { textTable } from './text-table.js';

const MARK: Record<CellState, string> = { first: '', same: '', behind: ' (behind)', drift: ' (drift!)', absent: '' };

/** With `live`, each image gets its live line under the git versions, and the notes say why. */
export function renderStatusText(board: StatusBoard, live?: LiveBoard): string {
  if (board.rows.length === 0) return `No images found in ${board.stages.join(', ')}.`;
  const rows = board.rows.flatMap((row) => [
    [
      row.image,
      ...board.stages.map((stage) => {
        const cell = row.cells[stage];
        return cell.versions.length === 0 ? '-' : `${cell.versions.join(', ')}${MARK[cell.state]}`;
      }),
    ],
    ...(live ? [['  live', ...board.stages.map((stage) => liveLine(findLiveCell(live, row.image, stage)))]] : []),
  ]);
  const summary = [
    `${board.rows.length} image${board.rows.length === 1 ? '' : 's'} across ${board.stages.length} stage${board.stages.length === 1 ? '' : 's'}`,
    board.behind > 0 ? `${board.behind} behind upstream (promotion pending)` : '',
    board.drift > 0 ? `${board.drift} drifted (a version its upstream stage does not hold)` : '',
  ].filter(Boolean);
  const notes = live ? liveNotes(live) : [];
  const why = notes.length > 0 ? `\n\nLive (${live?.observedAt}):\n${notes.map((n) => `  ${n}`).join('\n')}` : '';
  return `${textTable(['IMAGE', ...board.stages.map((s) => s.toUpperCase())], rows)}\n\n${summary.join('; ')}.${why}`;
}
