// Shared by every extractor: turns tree nodes into Slots, positions into line/column, and collects the result.
import type { Finding, ImageReference, Skipped, Slot } from '../image-reference.js';
import { markerAfter } from './imagepolicy-marker.js';
import type { YMap, YPair, YScalar } from './tree.js';
import { text } from './tree.js';

/** What an extractor knows of a reference; the collector adds where it stands (file, line, column, marker). */
export type NewReference = Omit<ImageReference, 'file' | 'line' | 'column' | 'marker'>;

/** Where an inner text (a YAML document held in a block scalar) sits in its file: offsets inner → outer. */
export interface Embedding {
  outer: Collector;
  map(offset: number): number;
  /** Spaces the block scalar's content is indented by: an inserted line gets them too. */
  indent: number;
}

export class Collector {
  readonly references: ImageReference[];
  readonly warnings: Finding[];
  readonly skipped: Skipped[];
  private readonly taken: Set<string>;
  private lineStarts: number[] | undefined;

  /** With `embedding`, `text` is an inner text and everything found lands in the outer collector, in its offsets. */
  constructor(
    readonly file: string,
    readonly text: string,
    private readonly embedding?: Embedding,
    /** `charts: true`: chart versions are references too. */
    readonly charts: boolean = embedding?.outer.charts ?? false,
  ) {
    const outer = embedding?.outer;
    this.references = outer ? outer.references : [];
    this.warnings = outer ? outer.warnings : [];
    this.skipped = outer ? outer.skipped : [];
    this.taken = outer ? outer.taken : new Set<string>();
  }

  /** The text is an inner text (an inline patch): patches inside it are not read (bounded work on hostile input). */
  get embedded(): boolean {
    return this.embedding !== undefined;
  }

  /** 1-based line and column of an offset (a leading BOM is not a column). */
  position(offset: number): { line: number; column: number } {
    if (this.embedding) return this.embedding.outer.position(this.embedding.map(offset));
    if (!this.lineStarts) {
      const starts = [this.text.charCodeAt(0) === 0xfeff ? 1 : 0];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: Math.max(1, offset - starts[lo] + 1) };
  }

  warn(offset: number, message: string): void {
    const { line, column } = this.position(Math.max(0, offset));
    this.warnings.push({ file: this.file, line, column, message });
  }

  skip(offset: number, reason: string): void {
    this.skipped.push({ file: this.file, line: this.position(Math.max(0, offset)).line, reason });
  }

  /** A slot over an existing scalar. Block scalars are never slots: the caller warns instead. */
  scalarSlot(role: Slot['role'], scalar: YScalar, prefix?: string): Slot {
    const slot: Slot = {
      role,
      start: scalar.start,
      end: scalar.end,
      style: scalar.style as Slot['style'],
      value: text(scalar) ?? '',
    };
    if (prefix) slot.prefix = prefix;
    return slot;
  }

  /** The slot of a present key: its scalar, or an insertion right after `key:` when the value is empty. */
  pairSlot(role: Slot['role'], pair: YPair): Slot | undefined {
    const value = pair.value;
    if (value.kind !== 'scalar' || value.style === 'block') return undefined;
    if (!value.nil) return this.scalarSlot(role, value);
    const colon = this.colonAfter(pair.keyEnd);
    if (colon === -1) return undefined;
    return { role, start: colon + 1, end: colon + 1, style: 'plain', value: '', insert: ' ' };
  }

  /** An insertion slot for `key` absent from `map`: a new line after the map's last entry, indented like its keys. */
  insertSlot(role: Slot['role'], map: YMap, key: string): Slot | undefined {
    const last = map.pairs[map.pairs.length - 1];
    if (!last) return undefined;
    const value = last.value;
    let end: number;
    if (value.kind === 'scalar' && value.style !== 'block')
      end = value.nil ? this.colonAfter(last.keyEnd) + 1 : value.end;
    else return undefined;
    if (end <= 0) return undefined;
    const t = this.text;
    if (map.flow) return { role, start: end, end, style: 'plain', value: '', insert: `, ${key}: ` };
    let eol = t.indexOf('\n', end);
    if (eol === -1) eol = t.length;
    const crlf = eol > 0 && t.charCodeAt(eol - 1) === 13;
    const at = crlf ? eol - 1 : eol;
    const first = map.pairs[0].keyStart;
    const lineStart = t.lastIndexOf('\n', first - 1) + 1;
    const indent = first - lineStart - (lineStart === 0 && t.charCodeAt(0) === 0xfeff ? 1 : 0);
    return {
      role,
      start: at,
      end: at,
      style: 'plain',
      value: '',
      insert: `${crlf ? '\r\n' : '\n'}${' '.repeat(indent)}${key}: `,
    };
  }

  /** An inner slot in the outer text: a slot lies on one line, which the block scalar shifts by its indentation. */
  private outerSlot(slot: Slot): Slot {
    const map = this.embedding!.map;
    const out: Slot = {
      ...slot,
      start: map(slot.start),
      end: slot.end === slot.start ? map(slot.start) : map(slot.end - 1) + 1,
    };
    if (slot.insert !== undefined && slot.insert.includes('\n'))
      out.insert = slot.insert.replace('\n', `\n${' '.repeat(this.embedding!.indent)}`);
    return out;
  }

  private colonAfter(offset: number): number {
    const t = this.text;
    let i = offset;
    while (i < t.length && t.charCodeAt(i) === 32) i++;
    return t.charCodeAt(i) === 58 ? i : -1;
  }

  /**
   * Records a reference once: a slot already claimed (an alias of an anchor, or a custom field over a values entry)
   * keeps its first reference. `at` positions references whose slots are all insertions; `extra` are scalars (name,
   * repository) whose line may carry the Flux marker.
   */
  add(ref: NewReference, at: number, extra: YScalar[] = []): void {
    if (this.embedding) ref = { ...ref, slots: ref.slots.map((slot) => this.outerSlot(slot)) };
    const keys = ref.slots.map((s) => `${s.start}:${s.end}:${s.role}`);
    if (keys.some((k) => this.taken.has(k))) return;
    for (const k of keys) this.taken.add(k);
    const first = ref.slots.find((s) => s.insert === undefined || s.insert === ' ');
    const outer = this.embedding?.outer ?? this;
    const where = first ? first.start : this.embedding ? this.embedding.map(at) : at;
    const { line, column } = outer.position(where);
    let marker: string | undefined;
    for (const slot of ref.slots) {
      marker = markerAfter(outer.text, slot.insert === undefined ? slot.end : slot.insert === ' ' ? slot.start : -1);
      if (marker) break;
    }
    for (let i = 0; !marker && i < extra.length; i++) marker = markerAfter(this.text, extra[i].end);
    if (marker && this.embedding) {
      // Flux's setters read YAML comments; inside a block scalar the marker is string content (fluxcd/flux2#5307)
      outer.warn(
        where,
        `the $imagepolicy marker ${marker} is inside an inline patch, where it is text, not a YAML comment: Flux's image automation ignores it and does not manage this line`,
      );
      marker = undefined;
    }
    const out: ImageReference = {
      file: this.file,
      line,
      column,
      format: ref.format,
      image: ref.image,
      name: ref.name,
      document: 0,
      slots: [],
    };
    if (ref.kind) out.kind = ref.kind;
    if (ref.tag) out.tag = ref.tag;
    if (ref.digest) out.digest = ref.digest;
    if (ref.workload !== undefined) out.workload = ref.workload;
    if (ref.container !== undefined) out.container = ref.container;
    out.document = ref.document;
    out.slots = ref.slots;
    if (marker) out.marker = marker;
    if (ref.remoteBases) out.remoteBases = ref.remoteBases;
    this.references.push(out);
  }
}
