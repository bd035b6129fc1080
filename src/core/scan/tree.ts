// The small YAML tree both readers (fast-reader.ts, yaml-reader.ts) produce and every format extractor walks.
// Scalars keep their source offsets and style so that extractors can build Slots without going back to a parser.

export interface YScalar {
  kind: 'scalar';
  style: 'plain' | 'single' | 'double' | 'block';
  /** Plain scalars: the source text (so `1.10` stays `1.10`); quoted/block: the decoded string. '' when `nil`. */
  value: string;
  /** Offsets of the token including quotes; -1 for an empty (null) value. */
  start: number;
  end: number;
  /** The node had no text at all (`key:` or `- `). */
  nil?: boolean;
}

export interface YPair {
  key: string;
  keyStart: number;
  keyEnd: number;
  value: YNode;
}

export interface YMap {
  kind: 'map';
  flow: boolean;
  pairs: YPair[];
}

export interface YSeq {
  kind: 'seq';
  flow: boolean;
  items: YNode[];
}

/** Fast reader only: a node it checked but did not build — a block scalar, or a flow collection on one line. */
export interface YOpaque {
  kind: 'opaque';
  flow: boolean;
  start: number;
}

export type YNode = YScalar | YMap | YSeq | YOpaque;

export interface YDoc {
  index: number;
  root: YNode;
}

/** Thrown by the accessors when an extractor needs to look inside a node the fast reader skipped. */
export class NeedFullParse extends Error {
  constructor() {
    super('the fast reader skipped a node the extractor needs');
  }
}
const NEED_FULL = new NeedFullParse();

export const NIL: YScalar = { kind: 'scalar', style: 'plain', value: '', start: -1, end: -1, nil: true };

export function asMap(node: YNode | undefined): YMap | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'map') return node;
  if (node.kind === 'opaque' && node.flow) throw NEED_FULL;
  return undefined;
}

export function asSeq(node: YNode | undefined): YSeq | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'seq') return node;
  if (node.kind === 'opaque' && node.flow) throw NEED_FULL;
  return undefined;
}

export function asScalar(node: YNode | undefined): YScalar | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar') return node;
  if (node.kind === 'opaque' && !node.flow) throw NEED_FULL;
  return undefined;
}

export function getPair(map: YMap | undefined, key: string): YPair | undefined {
  if (map === undefined) return undefined;
  const pairs = map.pairs;
  for (let i = 0; i < pairs.length; i++) if (pairs[i].key === key) return pairs[i];
  return undefined;
}

export function get(map: YMap | undefined, key: string): YNode | undefined {
  return getPair(map, key)?.value;
}

/** Follows `a.b.c` through maps. */
export function getPath(map: YMap | undefined, ...keys: string[]): YNode | undefined {
  let node: YNode | undefined = map;
  for (const key of keys) {
    node = get(asMap(node), key);
    if (node === undefined) return undefined;
  }
  return node;
}

const NULL_WORDS = new Set(['~', 'null', 'Null', 'NULL']);

/** The string a scalar holds for our purposes: '' for nil and plain null words. Block scalars count as text. */
export function text(scalar: YScalar | undefined): string | undefined {
  if (scalar === undefined) return undefined;
  if (scalar.style === 'plain' && NULL_WORDS.has(scalar.value)) return '';
  return scalar.value;
}

/** A plain-string scalar value (for kind, apiVersion, names); undefined for collections and block scalars. */
export function stringAt(map: YMap | undefined, key: string): string | undefined {
  const node = get(map, key);
  if (node === undefined || node.kind !== 'scalar' || node.style === 'block') return undefined;
  return text(node);
}
