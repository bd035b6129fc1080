// `verify` as the CLI prints it and as the job summary shows it.
import type { VerifyResult } from '../verify-result.js';
import { renderGateReport, renderGateText } from './gate-report.js';
import { fitSummary } from './job-summary.js';
import { code, escapeMarkdown, markdownTable } from './markdown.js';
import { mark, quoteControl as q } from './terminal-text.js';

export function renderVerifyText(result: VerifyResult): string {
  const failing = result.changes.filter((change) => change.problems.length > 0);
  const head =
    result.changes.length === 0 && result.skipped.length === 0
      ? `verify: the change sets no image versions in ${result.stages.join(', ') || 'any stage'}.`
      : `verify: ${result.changes.length} version${result.changes.length === 1 ? '' : 's'} set in ${result.stages.join(', ')}; ${failing.length} with problems.`;
  const lines = [head];
  for (const change of result.changes) {
    lines.push(
      `  ${change.problems.length ? mark('failed', 'FAIL') : mark('passed', 'ok  ')}  ${q(change.file)}:${change.line}  ${q(change.image)} ${change.old ? `${q(change.old)} → ` : ''}${q(change.new)}`,
    );
    for (const problem of change.problems) lines.push(`        ${q(problem)}`);
  }
  if (result.skipped.length > 0) {
    lines.push('', 'Changed files verify could not read (a required check fails closed):');
    for (const item of result.skipped) lines.push(`  ${mark('failed', 'FAIL')}  ${q(item.file)}: ${q(item.reason)}`);
  }
  if (result.gates.length > 0) lines.push('', renderGateText(result.gates));
  lines.push(
    '',
    result.passed
      ? mark('passed', 'Passed.')
      : mark('failed', 'Failed:') +
          ' fix the versions above (see the messages), or promote through the pipeline with stagecoach.',
  );
  return lines.join('\n');
}

export function renderVerifySummary(result: VerifyResult): string {
  const parts = [`## Stagecoach verify: ${result.passed ? '✅ passed' : '❌ failed'}`, ''];
  if (result.changes.length === 0)
    parts.push(`The change sets no image versions in ${result.stages.map(code).join(', ') || 'any stage'}.`);
  else
    parts.push(
      markdownTable(
        ['', 'File', 'Image', 'Version', 'Problems'],
        result.changes.map((change) => [
          change.problems.length ? '❌' : '✅',
          `${code(change.file)}:${change.line}`,
          code(change.image),
          `${change.old ? `${code(change.old)} → ` : ''}${code(change.new)}`,
          change.problems.map(escapeMarkdown).join('<br>'),
        ]),
      ),
    );
  if (result.skipped.length > 0) {
    parts.push(
      '',
      '### Changed files verify could not read',
      '',
      ...result.skipped.map((item) => `- ❌ ${code(item.file)}: ${escapeMarkdown(item.reason)}`),
    );
  }
  const gates = renderGateReport(result.gates);
  if (gates) parts.push('', gates);
  if (!result.passed) {
    parts.push(
      '',
      '**What to do:** a stage may only receive versions that already run in the stage before it. Promote the version there first ' +
        '(`stagecoach promote --from <upstream> --to <stage>`, or the Promote workflow), wait for the soak time, or correct a mistyped tag.',
    );
  }
  return fitSummary(`${parts.join('\n')}\n`, 'verify-file');
}
