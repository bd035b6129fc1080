// The job summary (Markdown) for the action, rendered from the plan or the status board.
import type { Plan } from '../plan-types.js';
import type { StatusBoard } from '../status.js';
import type { LiveBoard } from '../live/live-cell.js';
import { findLiveCell, liveLine, liveNotes } from './live-text.js';
import { code, escapeMarkdown, markdownTable } from './markdown.js';

export function renderPlanSummary(plan: Plan, heading = 'Promotion plan'): string {
  const parts = [`## ${escapeMarkdown(heading)}: ${code(plan.from)} → ${code(plan.to)}`, ''];
  if (plan.changes.length === 0)
    parts.push(`Nothing to promote: ${code(plan.to)} already runs what ${code(plan.from)} offers.`);
  else
    parts.push(
      markdownTable(
        ['Image', 'Old', 'New', 'File', 'Workload'],
        plan.changes.map((change) => [
          code(change.image),
          code(change.old),
          `${code(change.new)}${change.downgrade ? ' ⚠️ downgrade' : ''}`,
          `${code(change.file)}:${change.line}`,
          change.workload ? escapeMarkdown(change.workload) : '',
        ]),
      ),
    );
  const lists: [string, string[]][] = [
    [
      'Not promoted',
      plan.notPromoted.map((item) => `${code(`${item.image} ${item.version}`)}: ${escapeMarkdown(item.reason)}`),
    ],
    [
      'Skipped files (never written)',
      plan.skipped.map((item) => `${code(`${item.file}:${item.line}`)}: ${escapeMarkdown(item.reason)}`),
    ],
    [
      'Warnings',
      plan.warnings.map(
        (item) => `${item.file ? `${code(`${item.file}:${item.line}`)}: ` : ''}${escapeMarkdown(item.message)}`,
      ),
    ],
  ];
  for (const [title, items] of lists)
    if (items.length > 0) parts.push('', `### ${title}`, '', ...items.map((item) => `- ${item}`));
  return `${parts.join('\n')}\n`;
}

export function renderStatusSummary(board: StatusBoard, live?: LiveBoard): string {
  const mark = { first: '', same: '', behind: ' ⏳ behind', drift: ' ⚠️ drift', absent: '' } as const;
  const rows = board.rows.map((row) => [
    code(row.image),
    ...board.stages.map((stage) => {
      const cell = row.cells[stage];
      const text = cell.versions.length === 0 ? '–' : `${cell.versions.map(code).join(', ')}${mark[cell.state]}`;
      const line = live ? liveLine(findLiveCell(live, row.image, stage)) : '';
      return line ? `${text}<br>live: ${code(line)}` : text;
    }),
  ]);
  const notes = live ? liveNotes(live) : [];
  const why = notes.length > 0 ? `\n### Live\n\n${notes.map((n) => `- ${escapeMarkdown(n)}`).join('\n')}\n` : '';
  return `## Pipeline status\n\n${markdownTable(['Image', ...board.stages.map(escapeMarkdown)], rows)}\n${why}`;
}
