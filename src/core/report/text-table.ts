// Plain-text tables for the CLI: columns padded to their widest cell.
import { mark, quoteControl, visibleLength, type Mark } from './terminal-text.js';

/** A cell with the renderer's own marked suffix (` (behind)`): the text is from files and quoted, the suffix is not. */
export interface MarkedCell {
  text: string;
  suffix: string;
  mark: Mark;
}

function quote(cell: string | MarkedCell): string {
  return typeof cell === 'string' ? quoteControl(cell) : `${quoteControl(cell.text)}${mark(cell.mark, cell.suffix)}`;
}

/** Cells are single-line fields: control characters in them are shown escaped (a newline would split the table). */
export function textTable(header: string[], cellRows: (string | MarkedCell)[][], indent = '  '): string {
  const rows = cellRows.map((row) => row.map(quote));
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => visibleLength(row[column] ?? ''))),
  );
  const pad = (cell: string, width: number) => cell + ' '.repeat(Math.max(0, width - visibleLength(cell)));
  const line = (cells: string[]) =>
    indent + cells.map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
