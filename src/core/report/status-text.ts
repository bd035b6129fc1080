// The status board (image × stage) as the CLI prints it.
import type { CellState, StatusBoard } from '../status.js';
import type { LiveBoard } from '../live/live-cell.js';
import { findLiveCell, liveLine, liveNotes } from './live-text.js';
import { mark, quoteControl as q, type Mark } from './terminal-text.js';
import { textTable } from './text-table.js';

const MARK: Partial<Record<CellState, { suffix: string; mark: Mark }>> = {
  behind: { suffix: ' (behind)', mark: 'behind' },
  drift: { suffix: ' (drift!)', mark: 'drift' },
};

/** With `live`, each image gets its live line under the git versions, and the notes say why. */
export function renderStatusText(board: StatusBoard, live?: LiveBoard): string {
  if (board.rows.length === 0 && board.skipped.length === 0) return `No images found in ${board.stages.join(', ')}.`;
  const rows = board.rows.flatMap((row) => [
    [
      row.image,
      ...board.stages.map((stage) => {
        const cell = row.cells[stage];
        if (cell.versions.length === 0) return '-';
        const marked = MARK[cell.state];
        return marked ? { text: cell.versions.join(', '), ...marked } : cell.versions.join(', ');
      }),
    ],
    ...(live ? [['  live', ...board.stages.map((stage) => liveLine(findLiveCell(live, row.image, stage)))]] : []),
  ]);
  const summary = [
    `${board.rows.length} image${board.rows.length === 1 ? '' : 's'} across ${board.stages.length} stage${board.stages.length === 1 ? '' : 's'}`,
    board.behind > 0 ? mark('behind', `${board.behind} behind upstream (promotion pending)`) : '',
    board.drift > 0 ? mark('drift', `${board.drift} drifted (a version its upstream stage does not hold)`) : '',
  ].filter(Boolean);
  const lines = [
    `${textTable(['IMAGE', ...board.stages.map((s) => s.toUpperCase())], rows)}\n\n${summary.join('; ')}.`,
  ];
  const notes = live ? liveNotes(live) : [];
  if (notes.length > 0) lines.push('', `Live (${live?.observedAt}):`, ...notes.map((note) => `  ${q(note)}`));
  if (board.skipped.length > 0) lines.push('', 'Skipped (not read):');
  for (const item of board.skipped) lines.push(`  ${q(item.file)}:${item.line}: ${q(item.reason)}`);
  if (board.warnings.length > 0) lines.push('', 'Warnings:');
  for (const item of board.warnings) lines.push(`  ${q(item.file)}:${item.line}: ${q(item.message)}`);
  return lines.join('\n');
}
