// The job summary (Markdown) for the action, rendered from the plan or the status board: the outcome first (a failed
// gate with its output), then the plan with its totals, then the rest; never over GitHub's size limit.
import type { GateResult } from '../gate-result.js';
import type { Plan } from '../plan-types.js';
import type { StatusBoard } from '../status.js';
import { renderGateFailure, renderGateReport } from './gate-report.js';
import type { LiveBoard } from '../live/live-cell.js';
import { findLiveCell, liveLine, liveNotes } from './live-text.js';
import { code, escapeMarkdown, markdownTable } from './markdown.js';
import { cutMarkdown } from './pull-request-body.js';

/** GitHub drops a job summary over 1 MiB whole; ours stays below with room for other steps' sections. */
export const SUMMARY_LIMIT = 1_000_000;
/** What a list or a gate section may take, so that the plan's table keeps most of the room. */
const SECTION_LIMIT = 60_000;

export interface PlanSummaryOptions {
  heading?: string;
  gates?: GateResult[];
  pullRequest?: { url: string; operation: string };
  /** The output that holds the whole plan (`plan-file`), named in the note when rows are cut. */
  planFile?: string;
  /** Bytes; defaults to SUMMARY_LIMIT (smaller in tests). */
  limit?: number;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const plural = (count: number, word: string) => `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;

/** "6 changes in 5 files (3 images)": the plan's size in one line. */
export function planTotals(plan: Plan): string {
  const files = new Set(plan.changes.map((change) => change.file)).size;
  const downgrades = plan.changes.filter((change) => change.downgrade).length;
  return `${plural(plan.changes.length, 'change')} in ${plural(files, 'file')} (${plural(plan.images.length, 'image')}${downgrades > 0 ? `, ${plural(downgrades, 'downgrade')}` : ''})`;
}

function changeRow(change: Plan['changes'][number]): string {
  const where = change.workload
    ? `${code(change.workload)}${change.container ? ` / ${code(change.container)}` : ''}`
    : '–';
  return `| ${code(change.image)} | ${where} | ${code(`${change.file}:${change.line}`)} | ${code(change.old)} → ${code(change.new)}${change.downgrade ? ' ⚠️ **downgrade**' : ''} |`;
}

/** The changes table within `budget` bytes: rows from the end are left out, and a note says how many and where they are. */
function changesTable(plan: Plan, budget: number, planFile: string | undefined): string {
  const header = markdownTable(['Image', 'Workload / container', 'File', 'Version'], []);
  const rows: string[] = [];
  let used = bytes(header) + 400;
  for (const change of plan.changes) {
    const row = changeRow(change);
    if (used + bytes(row) + 1 > budget) break;
    rows.push(row);
    used += bytes(row) + 1;
  }
  const cut = plan.changes.length - rows.length;
  const note =
    cut > 0
      ? `\n\n_${plural(cut, 'more change')} not shown: a job summary holds at most 1 MiB. ${planFile ? `The step's ${code(planFile)} output names a JSON file with the whole plan.` : 'The plan output lists every change.'}_`
      : '';
  return `${[header, ...rows].join('\n')}${note}`;
}

function section(title: string, items: string[]): string {
  if (items.length === 0) return '';
  const text = [`### ${title}`, '', ...items.map((item) => `- ${item}`)].join('\n');
  return bytes(text) > SECTION_LIMIT
    ? cutMarkdown(
        text,
        SECTION_LIMIT,
        `_${plural(items.length, 'entry')} in all; the list was cut to fit the summary._`,
      )
    : text;
}

/** Only the target stage's skipped files: they are what the promotion could not write. */
export function targetSkipped(plan: Plan): Plan['skipped'] {
  return plan.skipped.filter((item) => !item.fromSource);
}

export function renderPlanSummary(plan: Plan, options: PlanSummaryOptions = {}): string {
  const gates = options.gates ?? [];
  const limit = options.limit ?? SUMMARY_LIMIT;
  const failed = gates.some((gate) => !gate.passed);
  const heading = `## ${failed ? '❌ ' : ''}${escapeMarkdown(options.heading ?? 'Promotion plan')}: ${code(plan.from)} → ${code(plan.to)}`;
  const images = plan.images.map((image) => `${image.image} ${image.new}`);
  const fit = (text: string) =>
    bytes(text) > SECTION_LIMIT ? cutMarkdown(text, SECTION_LIMIT, '_Cut to fit the summary._') : text;
  const failure = fit(renderGateFailure(gates, images));
  // A bare URL on its own line: GitHub links it.
  const pr = options.pullRequest
    ? `Pull request (${escapeMarkdown(options.pullRequest.operation)}): ${options.pullRequest.url}`
    : '';
  const lists = [
    section(
      'Not promoted',
      plan.notPromoted.map((item) => `${code(`${item.image} ${item.version}`)}: ${escapeMarkdown(item.reason)}`),
    ),
    section(
      'Skipped files (never written)',
      targetSkipped(plan).map((item) => `${code(`${item.file}:${item.line}`)}: ${escapeMarkdown(item.reason)}`),
    ),
    section(
      'Warnings',
      plan.warnings.map(
        (item) => `${item.file ? `${code(`${item.file}:${item.line}`)}: ` : ''}${escapeMarkdown(item.message)}`,
      ),
    ),
  ];
  const gateReport = fit(renderGateReport(gates, { failureShown: failed }).trim());
  const rest = [gateReport, ...lists].filter(Boolean);
  let body: string;
  if (plan.changes.length === 0)
    body = `Nothing to promote: ${code(plan.to)} already runs what ${code(plan.from)} offers.`;
  else {
    const fixed = bytes([heading, failure, pr, ...rest].join('\n\n')) + 200;
    body = `**${planTotals(plan)}**\n\n${changesTable(plan, limit - fixed, options.planFile)}`;
  }
  return `${[heading, pr, failure, body, ...rest]
    .map((part) => part.trim())
    .filter(Boolean)
    .join('\n\n')}\n`;
}

/** Any summary section kept below the limit: cut at a line, with a note naming the output that holds everything. */
export function fitSummary(markdown: string, output: string, limit = SUMMARY_LIMIT): string {
  if (bytes(markdown) <= limit) return markdown;
  const budget = Math.floor(((limit - 400) * markdown.length) / bytes(markdown));
  return `${cutMarkdown(markdown, budget, `_Cut to fit the job summary (1 MiB): the ${code(output)} output holds all._`)}\n`;
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
  const header = `## Pipeline status\n\n`;
  const notes = live ? liveNotes(live) : [];
  const why = notes.length > 0 ? `\n### Live\n\n${notes.map((n) => `- ${escapeMarkdown(n)}`).join('\n')}\n` : '';
  const table = markdownTable(['Image', ...board.stages.map(escapeMarkdown)], rows);
  if (bytes(table) + bytes(why) + 200 <= SUMMARY_LIMIT) return `${header}${table}\n${why}`;
  const budget = Math.floor(((SUMMARY_LIMIT - 400 - bytes(why)) * table.length) / bytes(table));
  return `${header}${cutMarkdown(table, budget, `_${plural(board.rows.length, 'image')} in all; the table was cut to fit the summary (the status-file output holds all)._`)}\n${why}`;
}
