// The fast structural reader: an indentation-based line reader for ordinary block-style YAML (key paths, list items,
// plain/single/double-quoted scalars, comments, `---`/`...`, CRLF, BOM). It returns undefined (→ the eemeli/yaml
// fallback) as soon as it meets anything it does not fully understand; flow collections and block scalars become
// opaque nodes that make an extractor fall back only if it needs to look inside them. It claims to read exactly what
// eemeli/yaml reads: every line is read (nothing is skipped unchecked), keys compare as yaml compares them, a flow
// collection is checked token by token, and nesting past MAX_NESTING goes to the full reader, which bounds it.
import type { YDoc, YMap, YNode, YPair, YScalar, YSeq } from './tree.js';
import { NIL } from './tree.js';

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const CR = 13;
const LF = 10;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;

/** Characters that may not start a plain scalar or key here (YAML c-indicator), beyond the ones handled. */
function isBadStart(c: number): boolean {
  // & * ! % @ ` , ? : ] } | > [ { are indicators; '[' '{' '|' '>' are handled by the caller for values
  return (
    c === 38 ||
    c === 42 ||
    c === 33 ||
    c === 37 ||
    c === 64 ||
    c === 96 ||
    c === 44 ||
    c === 63 ||
    c === COLON ||
    c === 93 ||
    c === 125 ||
    c === 124 ||
    c === 62 ||
    c === 91 ||
    c === 123 ||
    c === HASH
  );
}

class Bail extends Error {}
const BAIL = new Bail();

/** Deeper files go to the full reader (which refuses past its own bound): keeps this reader's recursion shallow. */
const MAX_NESTING = 64;
/** Maps with more keys find duplicates with a set (linear); smaller ones compare pair by pair (no allocation). */
const SET_FROM = 8;

const NULL_KEY = /^(?:~|[Nn]ull|NULL)$/;
const BOOL_KEY = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const NUMBER_KEY =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** A plain key as yaml's core schema resolves it, for duplicate checks: `1`, `01` and `0x1` are one key. */
function plainKeyValue(key: string): unknown {
  const c = key.charCodeAt(0);
  if (c > 57 && c !== 126) {
    // only null, true and false (in three spellings each) are not strings among keys starting with a letter
    if (key.length !== 4 && key.length !== 5) return key;
    if (NULL_KEY.test(key)) return null;
    return BOOL_KEY.test(key) ? c === 116 || c === 84 : key;
  }
  if (key === '~') return null;
  if (!NUMBER_KEY.test(key)) return key;
  if (/nan|NaN|NAN/.test(key)) return Symbol(); // never equal to another key
  if (/inf|Inf|INF/.test(key)) return key.startsWith('-') ? -Infinity : Infinity;
  if (key.startsWith('0o')) return parseInt(key.slice(2), 8);
  if (key.startsWith('0x')) return parseInt(key.slice(2), 16);
  return Number(key);
}

class Reader {
  private readonly t: string;
  private readonly n: number;
  /** Current line: start, content start (first non-space), content end (before CR LF), next line start. */
  private ls = 0;
  private cs = 0;
  private ce = 0;
  private nx = 0;
  private eof = false;
  /** Collections open around the current node. */
  private nesting = 0;

  constructor(text: string) {
    this.t = text;
    this.n = text.length;
  }

  read(): YDoc[] {
    const t = this.t;
    const docs: YDoc[] = [];
    let index = -1;
    let inDoc = false;
    this.setLine(t.charCodeAt(0) === 0xfeff ? 1 : 0);
    for (;;) {
      this.skipBlank();
      if (this.eof) break;
      const marker = this.docMarker();
      if (marker === 1) {
        index++;
        inDoc = true;
        this.expectRestEmpty(this.ls + 3);
        this.nextLine();
        this.skipBlank();
        if (this.eof || this.docMarker() !== 0) continue;
        docs.push({ index, root: this.parseNode(this.cs, -1) });
      } else if (marker === 2) {
        if (!inDoc) index++; // yaml reads `...` outside a document as an empty one
        inDoc = false;
        this.expectRestEmpty(this.ls + 3);
        this.nextLine();
        continue;
      } else {
        if (t.charCodeAt(this.cs) === 37 && this.cs === this.ls) throw BAIL; // %YAML / %TAG directive
        if (!inDoc) {
          index++;
          inDoc = true;
        }
        docs.push({ index, root: this.parseNode(this.cs, -1) });
      }
      this.skipBlank();
      if (!this.eof && this.docMarker() === 0) throw BAIL; // content the root node did not take: odd indentation
    }
    return docs;
  }

  // ---- line cursor ----

  private setLine(start: number): void {
    const t = this.t;
    if (start >= this.n) {
      this.eof = true;
      this.ls = this.cs = this.ce = this.nx = this.n;
      return;
    }
    this.ls = start;
    let i = start;
    while (i < this.n && t.charCodeAt(i) === SPACE) i++;
    this.cs = i;
    let e = t.indexOf('\n', i);
    if (e === -1) e = this.n;
    this.nx = e + 1;
    if (e > i && t.charCodeAt(e - 1) === CR) e--;
    this.ce = e;
  }

  private nextLine(): void {
    this.setLine(this.nx);
  }

  /** Moves to the next line holding content (skips blank and comment-only lines). */
  private skipBlank(): void {
    while (!this.eof && (this.cs >= this.ce || this.t.charCodeAt(this.cs) === HASH)) this.nextLine();
  }

  private get indent(): number {
    return this.cs - this.ls;
  }

  /** 1 for `---`, 2 for `...` at column 0 (followed by space or end of line), 0 otherwise. */
  private docMarker(): number {
    if (this.cs !== this.ls || this.ce - this.ls < 3) return 0;
    const t = this.t;
    const c = t.charCodeAt(this.ls);
    if ((c !== DASH && c !== 46) || t.charCodeAt(this.ls + 1) !== c || t.charCodeAt(this.ls + 2) !== c) return 0;
    if (this.ls + 3 < this.ce && t.charCodeAt(this.ls + 3) !== SPACE) return 0;
    return c === DASH ? 1 : 2;
  }

  /** At a node boundary: end of input or a document marker. */
  private atEnd(): boolean {
    return this.eof || this.docMarker() !== 0;
  }

  /** From i to the end of the line there must be only spaces, or spaces then a comment. */
  private expectRestEmpty(i: number): void {
    const t = this.t;
    if (i < this.ce && t.charCodeAt(i) !== SPACE) throw BAIL;
    while (i < this.ce && t.charCodeAt(i) === SPACE) i++;
    if (i < this.ce && t.charCodeAt(i) !== HASH) throw BAIL;
  }

  // ---- nodes ----

  /** A node starting at offset `at` on the current line; `owner` is the indentation it must exceed. */
  private parseNode(at: number, owner: number): YNode {
    const t = this.t;
    const c = t.charCodeAt(at);
    const col = at - this.ls;
    if (c === DASH && this.isSep(at + 1)) return this.parseSeq(at, col);
    if (this.keyColon(at) !== -1) return this.parseMap(at, col);
    return this.parseValue(at, owner, false);
  }

  /** True when offset i is a space or the end of the line. */
  private isSep(i: number): boolean {
    return i >= this.ce || this.t.charCodeAt(i) === SPACE;
  }

  /** The offset of the `:` ending an implicit key that starts at `at`, or -1 when the line holds no key there. */
  private keyColon(at: number): number {
    const t = this.t;
    const c = t.charCodeAt(at);
    let i = at;
    if (c === DQUOTE || c === SQUOTE) {
      i = this.quoteEnd(at);
      if (i === -1) return -1;
      while (i < this.ce && t.charCodeAt(i) === SPACE) i++;
      return i < this.ce && t.charCodeAt(i) === COLON && this.isSep(i + 1) ? i : -1;
    }
    for (; i < this.ce; i++) {
      const ch = t.charCodeAt(i);
      if (ch === COLON && this.isSep(i + 1)) return i;
      if (ch === HASH && i > at && t.charCodeAt(i - 1) === SPACE) return -1;
    }
    return -1;
  }

  /** Offset just past the closing quote of a quoted scalar starting at `at` on this line, or -1. */
  private quoteEnd(at: number): number {
    const t = this.t;
    const q = t.charCodeAt(at);
    for (let i = at + 1; i < this.ce; i++) {
      const ch = t.charCodeAt(i);
      if (q === DQUOTE && ch === BACKSLASH) {
        i++;
        continue;
      }
      if (ch === q) {
        if (q === SQUOTE && t.charCodeAt(i + 1) === SQUOTE) {
          i++;
          continue;
        }
        return i + 1;
      }
    }
    return -1;
  }

  private parseMap(at: number, col: number): YMap {
    if (++this.nesting > MAX_NESTING) throw BAIL;
    const map = this.parseMapEntries(at, col);
    this.nesting--;
    return map;
  }

  private parseMapEntries(at: number, col: number): YMap {
    const t = this.t;
    const pairs: YPair[] = [];
    const map: YMap = { kind: 'map', flow: false, pairs };
    const ids: unknown[] = [];
    let seen: Set<unknown> | undefined;
    let keyAt = at;
    for (;;) {
      const colon = this.keyColon(keyAt);
      if (colon === -1 || colon - keyAt > 1024) throw BAIL; // yaml refuses longer implicit keys
      const c = t.charCodeAt(keyAt);
      let key: string;
      let keyEnd: number;
      if (c === DQUOTE || c === SQUOTE) {
        keyEnd = this.quoteEnd(keyAt);
        key = this.unquote(keyAt, keyEnd);
      } else {
        if (isBadStart(c) || (c === DASH && this.isSep(keyAt + 1))) throw BAIL;
        keyEnd = colon;
        while (keyEnd > keyAt && t.charCodeAt(keyEnd - 1) === SPACE) keyEnd--;
        key = t.slice(keyAt, keyEnd);
        if (key === '<<') throw BAIL; // merge keys: the full reader resolves them
      }
      const id = c === DQUOTE || c === SQUOTE ? key : plainKeyValue(key);
      // a duplicate (as yaml compares keys): let yaml report it
      if (seen) {
        if (seen.has(id)) throw BAIL;
        seen.add(id);
      } else {
        for (let i = 0; i < ids.length; i++) if (ids[i] === id) throw BAIL;
        ids.push(id);
        if (ids.length >= SET_FROM) seen = new Set(ids);
      }
      const value = this.parseValue(colon + 1, col, true);
      pairs.push({ key, keyStart: keyAt, keyEnd, value });
      if (this.atEnd()) return map;
      const indent = this.indent;
      if (indent < col) return map;
      if (indent > col) throw BAIL;
      keyAt = this.cs;
    }
  }

  private parseSeq(at: number, col: number): YSeq {
    if (++this.nesting > MAX_NESTING) throw BAIL;
    const t = this.t;
    const items: YNode[] = [];
    const seq: YSeq = { kind: 'seq', flow: false, items };
    let dash = at;
    for (;;) {
      let i = dash + 1;
      while (i < this.ce && t.charCodeAt(i) === SPACE) i++;
      if (i >= this.ce || t.charCodeAt(i) === HASH) {
        this.nextLine();
        this.skipBlank();
        if (!this.atEnd() && this.indent > col) {
          if (!this.isCollectionLine()) throw BAIL;
          items.push(this.parseNode(this.cs, col));
        } else items.push(NIL);
      } else {
        items.push(this.parseNode(i, col));
      }
      if (this.atEnd()) break;
      const indent = this.indent;
      if (indent < col) break;
      if (indent > col) throw BAIL;
      if (t.charCodeAt(this.cs) !== DASH || !this.isSep(this.cs + 1)) break; // `key:\n- a\nnext: b`
      dash = this.cs;
    }
    this.nesting--;
    return seq;
  }

  /**
   * A value starting at `at` (after `key:` or `- `): a scalar on this line, an empty value followed by a nested
   * block, a block scalar or a one-line flow collection. Leaves the cursor on the next content line.
   */
  private parseValue(at: number, owner: number, inMap: boolean): YNode {
    const t = this.t;
    let i = at;
    while (i < this.ce && t.charCodeAt(i) === SPACE) i++;
    if (i < this.ce && i === at && inMap) throw BAIL; // `key:x` is not a key; keyColon guarantees a separator
    if (i >= this.ce || t.charCodeAt(i) === HASH) {
      this.nextLine();
      this.skipBlank();
      if (this.atEnd()) return NIL;
      const indent = this.indent;
      if (indent > owner) {
        if (!this.isCollectionLine()) throw BAIL; // a scalar on the lines below its key: rare, and yaml has rules
        return this.parseNode(this.cs, owner);
      }
      if (inMap && indent === owner && t.charCodeAt(this.cs) === DASH && this.isSep(this.cs + 1)) {
        return this.parseSeq(this.cs, owner);
      }
      return NIL;
    }
    const c = t.charCodeAt(i);
    let node: YNode;
    if (c === 124 || c === 62) return this.skipBlockScalar(i, owner);
    if (c === 91 || c === 123) {
      node = this.flowOnOneLine(i);
    } else if (c === DQUOTE || c === SQUOTE) {
      const end = this.quoteEnd(i);
      if (end === -1) throw BAIL; // multi-line quoted scalar
      this.expectRestEmpty(end);
      node = { kind: 'scalar', style: c === DQUOTE ? 'double' : 'single', value: this.unquote(i, end), start: i, end };
    } else {
      if (isBadStart(c) || (c === DASH && this.isSep(i + 1))) throw BAIL;
      let end = i;
      for (let j = i; j < this.ce; j++) {
        const ch = t.charCodeAt(j);
        if (ch === HASH && t.charCodeAt(j - 1) === SPACE) break;
        if (ch === COLON && this.isSep(j + 1)) throw BAIL; // `a: b: c`, or a key where a scalar belongs
        if (ch !== SPACE) end = j + 1;
      }
      node = { kind: 'scalar', style: 'plain', value: t.slice(i, end), start: i, end } as YScalar;
    }
    this.nextLine();
    this.skipBlank();
    if (!this.atEnd() && this.indent > owner) throw BAIL; // a multi-line plain scalar, or bad indentation
    return node;
  }

  /** The current line starts a block collection (`- ` or `key:`), not a multi-line scalar. */
  private isCollectionLine(): boolean {
    return (this.t.charCodeAt(this.cs) === DASH && this.isSep(this.cs + 1)) || this.keyColon(this.cs) !== -1;
  }

  /** `[]`/`{}`, or an opaque flow collection that closes on this line (checked as yaml would read it). */
  private flowOnOneLine(at: number): YNode {
    const t = this.t;
    const open = t.charCodeAt(at);
    let j = at + 1;
    while (j < this.ce && t.charCodeAt(j) === SPACE) j++;
    if (t.charCodeAt(j) === open + 2) {
      this.expectRestEmpty(j + 1);
      return open === 91 ? { kind: 'seq', flow: true, items: [] } : { kind: 'map', flow: true, pairs: [] };
    }
    this.expectRestEmpty(this.checkFlow(at, this.nesting + 1));
    return { kind: 'opaque', flow: true, start: at };
  }

  /**
   * Checks the flow collection opening at `at` (on this line) entry by entry: plain or quoted scalars, nested
   * collections, `key: value`, commas; bails on anything else (anchors, tags, `?`, empty entries, comments, a
   * duplicate key, an implicit key yaml would refuse). Returns the offset just past its closing bracket.
   */
  private checkFlow(at: number, nesting: number): number {
    const t = this.t;
    if (nesting > MAX_NESTING || this.ce - at > 1000) throw BAIL; // yaml caps implicit keys at 1024 characters
    const close = t.charCodeAt(at) + 2;
    const keys = close === 125 ? new Set<unknown>() : undefined;
    let i = this.flowSpace(at + 1);
    for (;;) {
      if (t.charCodeAt(i) === close) return i + 1;
      const key = this.flowNode(i, nesting);
      i = this.flowSpace(key.end);
      let ch = t.charCodeAt(i);
      if (ch === COLON && (key.quoted || this.flowSep(i + 1))) {
        if (key.collection) throw BAIL; // a mapping or list as a key: the full reader refuses it
        if (keys) {
          if (keys.has(key.id)) throw BAIL;
          keys.add(key.id);
        }
        i = this.flowSpace(i + 1);
        i = this.flowSpace(this.flowNode(i, nesting).end);
        ch = t.charCodeAt(i);
      } else if (keys) {
        if (keys.has(key.id)) throw BAIL;
        keys.add(key.id);
      }
      if (ch === close) return i + 1;
      if (ch !== 44) throw BAIL;
      i = this.flowSpace(i + 1);
    }
  }

  /** Skips spaces inside a flow collection; a comment or the end of the line there is left to yaml. */
  private flowSpace(i: number): number {
    const t = this.t;
    while (i < this.ce && t.charCodeAt(i) === SPACE) i++;
    if (i >= this.ce || t.charCodeAt(i) === HASH) throw BAIL;
    return i;
  }

  /** After `:` in a flow collection: a value indicator when followed by a space, a flow indicator or the line end. */
  private flowSep(i: number): boolean {
    const ch = this.t.charCodeAt(i);
    return i >= this.ce || ch === SPACE || ch === 44 || ch === 91 || ch === 93 || ch === 123 || ch === 125;
  }

  /** One node inside a flow collection: its end, whether it was quoted, and its identity as a key. */
  private flowNode(i: number, nesting: number): { end: number; quoted: boolean; id: unknown; collection?: boolean } {
    const t = this.t;
    const c = t.charCodeAt(i);
    if (c === 91 || c === 123) {
      return { end: this.checkFlow(i, nesting + 1), quoted: true, id: Symbol(), collection: true };
    }
    if (c === DQUOTE || c === SQUOTE) {
      const end = this.quoteEnd(i);
      if (end === -1) throw BAIL;
      return { end, quoted: true, id: this.unquote(i, end) };
    }
    if (isBadStart(c) || ((c === DASH || c === 63) && this.flowSep(i + 1))) throw BAIL;
    let end = i + 1;
    for (let j = i + 1; j < this.ce; j++) {
      const ch = t.charCodeAt(j);
      if (ch === 44 || ch === 91 || ch === 93 || ch === 123 || ch === 125) break;
      if (ch === COLON && this.flowSep(j + 1)) break;
      if (ch === HASH && t.charCodeAt(j - 1) === SPACE) throw BAIL;
      if (ch !== SPACE) end = j + 1;
    }
    return { end, quoted: false, id: plainKeyValue(t.slice(i, end)) };
  }

  /** Skips a `|`/`>` block scalar; its lines are those indented deeper than the owner (or blank). */
  private skipBlockScalar(at: number, owner: number): YNode {
    const t = this.t;
    const chomp = t.charCodeAt(at + 1);
    if (chomp >= 48 && chomp <= 57) throw BAIL; // explicit indentation indicator
    const i = chomp === DASH || chomp === 43 ? at + 2 : at + 1;
    const after = t.charCodeAt(i);
    if (i < this.ce && (after === DASH || after === 43 || (after >= 48 && after <= 57))) throw BAIL;
    this.expectRestEmpty(i);
    let blockIndent = -1;
    let leading = 0; // the widest blank line before the first content line: yaml refuses one wider than that line
    for (;;) {
      this.nextLine();
      if (this.eof || this.docMarker() !== 0) break; // `---` / `...` at column 0 end even a root block scalar
      const indent = this.indent;
      if (this.cs >= this.ce) {
        if (blockIndent === -1 && indent > leading) leading = indent;
        continue; // blank
      }
      if (indent <= owner) break;
      if (blockIndent === -1) {
        if (leading > indent) throw BAIL;
        blockIndent = indent;
      } else if (indent < blockIndent) throw BAIL; // less indented than the first line: yaml says bad indentation
    }
    this.skipBlank();
    return { kind: 'opaque', flow: false, start: at };
  }

  /** Decodes a quoted scalar token [at, end). */
  private unquote(at: number, end: number): string {
    const t = this.t;
    const q = t.charCodeAt(at);
    const body = t.slice(at + 1, end - 1);
    if (q === SQUOTE) return body.indexOf("'") === -1 ? body : body.replaceAll("''", "'");
    if (body.indexOf('\\') === -1) return body;
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const ch = body[i];
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const e = body[++i];
      if (e === '"' || e === '\\' || e === '/') out += e;
      else if (e === 'n') out += '\n';
      else if (e === 't') out += '\t';
      else throw BAIL; // the rarer escapes: leave them to yaml
    }
    return out;
  }
}

/** Reads `text` with the fast reader; undefined when the full parser must be used instead. */
export function readFast(text: string): YDoc[] | undefined {
  if (text.indexOf('\t') !== -1 || text.indexOf('{{') !== -1) return undefined;
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== LF) return undefined; // a lone CR is a line break to YAML
  }
  try {
    return new Reader(text).read();
  } catch (error) {
    if (error instanceof Bail) return undefined;
    throw error;
  }
}
