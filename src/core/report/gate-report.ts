// Gate results, pass or fail with duration, for the job summary and the pull request body.
import type { GateResult } from '../gate-result.js';
import { escapeMarkdown, markdownTable } from './markdown.js';
import { quoteControl as q } from './terminal-text.js';

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

export function renderGateReport(gates: GateResult[]): string {
  if (gates.length === 0) return '';
  const rows = gates.map((gate) => [
    gate.passed ? '✅ passed' : '❌ failed',
    `${escapeMarkdown(gate.gate)}${gate.name !== gate.gate ? `: ${escapeMarkdown(gate.name)}` : ''}`,
    seconds(gate.durationMs),
    gate.details.map(escapeMarkdown).join('<br>'),
  ]);
  const parts = ['### Gates', '', markdownTable(['Result', 'Gate', 'Took', 'Details'], rows)];
  for (const gate of gates) {
    if (gate.passed || !gate.output) continue;
    // A fence longer than any backtick run in the output, so the output cannot close it (CommonMark).
    const fence = '`'.repeat(Math.max(3, ...(gate.output.match(/`+/g) ?? []).map((run) => run.length + 1)));
    parts.push(
      '',
      // An HTML block: Markdown is not rendered there, so the name is escaped as HTML, not as Markdown.
      `<details><summary>Output of <code>${escapeHtml(gate.name)}</code> (last lines)</summary>`,
      '',
      fence,
      gate.output.replace(/\s+$/, ''),
      fence,
      '',
      '</details>',
    );
  }
  return `${parts.join('\n')}\n`;
}

export function renderGateText(gates: GateResult[]): string {
  return gates
    .map((gate) =>
      [
        `${gate.passed ? 'passed' : 'FAILED'}  ${gate.gate}${gate.name !== gate.gate ? ` (${q(gate.name)})` : ''}  ${seconds(gate.durationMs)}`,
        ...gate.details.map((d) => `    ${q(d)}`),
      ].join('\n'),
    )
    .join('\n');
}
