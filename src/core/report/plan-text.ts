// The plan as the CLI prints it.
import type { Plan } from '../plan-types.js';
import { groupNotPromoted } from '../plan.js';
import { textTable } from './text-table.js';
import { quoteControl as q } from './terminal-text.js';

function where(change: { file: string; line: number; workload?: string; container?: string }): string {
  const place =
    change.workload && change.workload !== change.file
      ? ` (${change.workload}${change.container ? ` ${change.container}` : ''})`
      : '';
  return `${change.file}:${change.line}${place}`;
}

export function renderPlanText(plan: Plan): string {
  const files = new Set(plan.changes.map((change) => change.file)).size;
  const lines = [
    plan.outcome
      ? `Plan ${plan.from} → ${plan.to}: ${q(plan.outcome.headline)}.`
      : plan.changes.length === 0
        ? `Plan ${plan.from} → ${plan.to}: nothing to promote, ${plan.to} already runs what ${plan.from} offers.`
        : `Plan ${plan.from} → ${plan.to}: ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.`,
  ];
  if (plan.changes.length > 0) {
    lines.push(
      '',
      textTable(
        ['IMAGE', 'OLD', 'NEW', 'WHERE'],
        plan.changes.map((change) => [
          change.image,
          change.old,
          change.downgrade ? { text: change.new, suffix: ' (downgrade)', mark: 'downgrade' } : change.new,
          where(change),
        ]),
      ),
    );
  }
  if (plan.notPromoted.length > 0) {
    lines.push('', 'Not promoted:');
    // One line per reason, then the images it holds for: the same sentence is not repeated per image.
    for (const group of groupNotPromoted(plan.notPromoted)) {
      if (group.items.length === 1) {
        const [item] = group.items;
        lines.push(`  ${q(item.image)} ${q(item.version)}: ${q(item.reason)}`);
        continue;
      }
      lines.push(`  ${q(group.reason)}:`);
      for (const item of group.items)
        lines.push(`    ${q(item.image)} ${q(item.version)}${item.file ? ` (${q(item.file)}:${item.line})` : ''}`);
    }
  }
  if (plan.skipped.length > 0) {
    lines.push('', 'Skipped (not read, never written):');
    for (const item of plan.skipped) lines.push(`  ${q(item.file)}:${item.line}: ${q(item.reason)}`);
  }
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const item of plan.warnings)
      lines.push(
        `  ${item.file ? `${q(item.file)}:${item.line}${item.column ? `:${item.column}` : ''}: ` : ''}${q(item.message)}`,
      );
  }
  return lines.join('\n');
}
