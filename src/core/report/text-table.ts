// Plain-text tables for the CLI: columns padded to their widest cell.
import { quoteControl as quote } from './terminal-text.js';

/** Cells are single-line fields: control characters in them are shown escaped (a newline would split the table). */
export function textTable(header: string[], cellRows: string[][], indent = '  '): string {
  const rows = cellRows.map((row) => row.map(quote));
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    indent + cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
