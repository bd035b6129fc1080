// Gate results, pass or fail with duration, for the job summary and the pull request body.
import type { GateResult } from '../gate-result.js';
import { code, escapeMarkdown, markdownTable } from './markdown.js';
import { mark, quoteControl as q } from './terminal-text.js';

/** Text inside raw HTML (a `<summary>`): entities for the five special characters, control characters as spaces. */
export function escapeHtml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- a newline would end the HTML block early
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(
        /[&<>"']/g,
        (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
      )
  );
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function fenced(output: string): string[] {
  // A fence longer than any backtick run in the output, so the output cannot close it (CommonMark).
  const fence = '`'.repeat(Math.max(3, ...(output.match(/`+/g) ?? []).map((run) => run.length + 1)));
  return [fence, output.replace(/\s+$/, ''), fence];
}

/** A gate's output tail in a `<details>` element (open for the failure the reader came for). */
function outputBlock(gate: GateResult, open: boolean): string[] {
  if (!gate.output) return [];
  return [
    // An HTML block: Markdown is not rendered there, so the name is escaped as HTML, not as Markdown.
    `<details${open ? ' open' : ''}><summary>Output of <code>${escapeHtml(gate.name)}</code> (last lines)</summary>`,
    '',
    ...fenced(gate.output),
    '',
    '</details>',
  ];
}

/** The first failed gate as a GitHub alert: which gate and why, the images it holds back, its output expanded. */
export function renderGateFailure(gates: GateResult[], images: string[] = [], note = ''): string {
  const failed = gates.find((gate) => !gate.passed);
  if (!failed) return '';
  const list = (items: string[]) =>
    `${items.slice(0, 3).map(code).join(', ')}${items.length > 3 ? ` and ${items.length - 3} more` : ''}`;
  const named = [...new Set((failed.failures ?? []).map((item) => `${item.image} ${item.version}`))];
  const title =
    failed.gate === 'commands'
      ? `**The command gate ${code(failed.name)} failed**`
      : `**The ${escapeMarkdown(failed.gate)} gate failed**${named.length > 0 ? ` for ${list(named)}` : ''}`;
  // One failing image: its own message (the detail line repeats the image); else the first detail line.
  const why = failed.failures?.length === 1 ? failed.failures[0].message : failed.details[0];
  const held = named.length === 0 && images.length > 0 ? ['>', `> It holds back ${list(images)}.`] : [];
  return [
    '> [!CAUTION]',
    `> ${title}${why ? `: ${escapeMarkdown(why.replace(/\.$/, ''))}` : ''}.`,
    ...held,
    ...(note ? ['>', `> ${note}`] : []),
    '',
    ...outputBlock(failed, true),
  ]
    .join('\n')
    .trimEnd()
    .concat('\n');
}

/** The gates table; outputs of failed gates follow it, except the first failure's when renderGateFailure shows it. */
export function renderGateReport(
  gates: GateResult[],
  options: { failureShown?: boolean; heading?: '###' | '####' } = {},
): string {
  if (gates.length === 0) return '';
  const rows = gates.map((gate) => [
    gate.passed ? '✅ passed' : '❌ failed',
    `${escapeMarkdown(gate.gate)}${gate.name !== gate.gate ? `: ${escapeMarkdown(gate.name)}` : ''}`,
    seconds(gate.durationMs),
    gate.details.map(escapeMarkdown).join('<br>'),
  ]);
  const parts = [`${options.heading ?? '###'} Gates`, '', markdownTable(['Result', 'Gate', 'Took', 'Details'], rows)];
  const first = gates.find((gate) => !gate.passed);
  for (const gate of gates) {
    if (gate.passed || (options.failureShown && gate === first)) continue;
    const block = outputBlock(gate, false);
    if (block.length > 0) parts.push('', ...block);
  }
  return `${parts.join('\n')}\n`;
}

/** Lines of a failed gate's output the CLI always prints (the summary and PR body keep more). */
export const TEXT_TAIL_LINES = 20;

export function renderGateText(gates: GateResult[]): string {
  return gates
    .map((gate) => {
      const tail = !gate.passed && gate.output ? gate.output.trimEnd().split('\n').slice(-TEXT_TAIL_LINES) : [];
      return [
        `${gate.passed ? mark('passed', 'passed') : mark('failed', 'FAILED')}  ${gate.gate}${gate.name !== gate.gate ? ` (${q(gate.name)})` : ''}  ${seconds(gate.durationMs)}`,
        ...gate.details.map((d) => `    ${q(d)}`),
        ...(tail.length > 0 ? ['    output (last lines):', ...tail.map((line) => `    | ${q(line)}`)] : []),
      ].join('\n');
    })
    .join('\n');
}
