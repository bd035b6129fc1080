// The text of a literal block scalar (`|`, `|-`, `|+`) as an inner YAML text whose every byte is a byte of the file:
// content lines minus their indentation. Kustomize inline patches live there; a slot found in the inner text maps back
// to the file by its line's shift, so an edit changes one token inside the block and keeps every other byte.
import type { YNode } from './tree.js';

export interface BlockText {
  /** The content lines with the block's indentation removed, line breaks (and any CR) kept. */
  text: string;
  /** Spaces of indentation removed from each content line. */
  indent: number;
  /** Inner offset → file offset. */
  map(offset: number): number;
}

/** The offset of a block scalar's `|`/`>` indicator, when `node` is one (either reader); undefined otherwise. */
export function blockScalarStart(node: YNode | undefined): number | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar' && node.style === 'block') return node.start;
  if (node.kind === 'opaque' && !node.flow) return node.start;
  return undefined;
}

/**
 * The column content lines must pass: a block scalar's lines are indented more than the node holding it, the key
 * (`  patch: |` → 2) or, for a list entry (`- |`), its dash.
 */
function parentColumn(text: string, at: number): number {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const before = text.slice(lineStart, at);
  const entry = /^([ ]*(?:-[ ]+)*)-[ ]+$/.exec(before);
  if (entry) return entry[1].length;
  return /^[ ]*(?:-[ ]+)*/.exec(before)![0].length;
}

/** Where the block scalar whose indicator is at `at` ends (any indicator: `|2`, `>`), by its lines' indentation. */
export function blockEnd(text: string, at: number): number {
  const parent = parentColumn(text, at);
  let line = text.indexOf('\n', at);
  while (line !== -1 && line < text.length) {
    const start = line + 1;
    let spaces = 0;
    while (text.charCodeAt(start + spaces) === 32) spaces++;
    const c = text.charCodeAt(start + spaces);
    const blank = start + spaces >= text.length || c === 10 || c === 13;
    if (!blank && spaces <= parent) return start;
    line = text.indexOf('\n', start);
  }
  return text.length;
}

/** The inner text of the block scalar whose indicator is at `at`, or a sentence saying why it cannot be read. */
export function blockText(text: string, at: number): BlockText | { problem: string } {
  const style = text.charCodeAt(at);
  if (style === 62) return { problem: 'a folded block scalar (>) joins its lines; write the patch under | instead' };
  let eol = text.indexOf('\n', at);
  if (eol === -1) eol = text.length;
  const header = /^\|([-+]?)([1-9]?)([-+]?)/.exec(text.slice(at, eol));
  if (!header) return { problem: 'not a block scalar' };
  if (header[2]) return { problem: 'a block scalar with an explicit indentation indicator; drop the digit after |' };
  const inner: string[] = [];
  const starts: number[] = []; // inner line start → file line start + removed indentation
  const shifts: number[] = [];
  let indent = -1;
  let innerLength = 0;
  const parent = parentColumn(text, at);
  for (let line = eol + 1; line < text.length;) {
    let next = text.indexOf('\n', line);
    next = next === -1 ? text.length : next + 1;
    let spaces = 0;
    while (text.charCodeAt(line + spaces) === 32) spaces++;
    const c = text.charCodeAt(line + spaces);
    const blank = line + spaces >= next || c === 10 || (c === 13 && text.charCodeAt(line + spaces + 1) === 10);
    if (!blank) {
      if (spaces <= parent) break; // the next key: the block ended (or held nothing)
      if (indent === -1) indent = spaces;
      if (spaces < indent) break;
    }
    const cut = blank ? Math.min(spaces, indent === -1 ? spaces : indent) : indent;
    starts.push(innerLength);
    shifts.push(line + cut - innerLength);
    const piece = text.slice(line + cut, next);
    inner.push(piece);
    innerLength += piece.length;
    line = next;
  }
  if (indent === -1) return { problem: 'an empty block scalar' };
  return {
    text: inner.join(''),
    indent,
    map(offset: number): number {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      return offset + (shifts[lo] ?? 0);
    },
  };
}
