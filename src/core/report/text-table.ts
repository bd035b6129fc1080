// Plain-text tables for the CLI: columns padded to their widest cell.
import { quoteControl, visibleLength } from './terminal-text.js';

/** A cell's text quoted, the renderer's own marks (colour) kept. */
function quote(cell: string): string {
  return cell
    .split(/(\ue000\d|\ue001)/)
    .map((part) => (/^(\ue000\d|\ue001)$/.test(part) ? part : quoteControl(part)))
    .join('');
}

/** Cells are single-line fields: control characters in them are shown escaped (a newline would split the table). */
export function textTable(header: string[], cellRows: string[][], indent = '  '): string {
  const rows = cellRows.map((row) => row.map(quote));
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => visibleLength(row[column] ?? ''))),
  );
  const pad = (cell: string, width: number) => cell + ' '.repeat(Math.max(0, width - visibleLength(cell)));
  const line = (cells: string[]) =>
    indent + cells.map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
