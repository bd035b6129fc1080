// The full reader: eemeli/yaml's parseAllDocuments turned into the scan tree, with source ranges and scalar styles.
// Used whenever the fast reader bails. Aliases resolve to the anchor's node (so an edit lands once, at the anchor)
// and `<<` merge keys are expanded the way Kubernetes' YAML 1.1 decoder does (explicit keys win, then earlier maps).
// Work is bounded on hostile input: nesting is measured on yaml's (iterative) CST before the recursive composer runs,
// what aliases expand to is counted (an alias bomb), and duplicate keys are found with a set, not pair by pair.
import { Composer, isAlias, isMap, isScalar, isSeq, Parser, type Document, type Node as YamlNode } from 'yaml';
import type { CST } from 'yaml';
import type { YDoc, YMap, YNode, YPair, YScalar, YSeq } from './tree.js';
import { NIL } from './tree.js';

export interface ReadError {
  offset: number;
  message: string;
  /** Valid YAML, perhaps, but past a bound on the work it takes (nesting, alias expansion): the message says which. */
  bound?: boolean;
}

/** Deeper nesting is refused (real manifests stay under 30 levels): it would exhaust the stack of any recursive walk. */
export const MAX_DEPTH = 200;
/** Nodes aliases may add beyond the file's own (or its length, if more): a 700-byte alias bomb expands to 9^12. */
export const MAX_ALIAS_EXPANSION = 100_000;

class Unreadable extends Error {
  constructor(
    readonly offset: number,
    message: string,
    readonly bound = false,
  ) {
    super(message);
  }
}

interface Convert {
  doc: Document;
  cache: Map<unknown, YNode>;
  /** Expanded size and depth of every finished collection; a cached collection without one is still being built. */
  metrics: Map<YNode, { size: number; depth: number }>;
  expansion: { left: number; limit: number };
}

const STYLES: Record<string, YScalar['style']> = {
  PLAIN: 'plain',
  QUOTE_SINGLE: 'single',
  QUOTE_DOUBLE: 'double',
  BLOCK_LITERAL: 'block',
  BLOCK_FOLDED: 'block',
};

export function readFull(text: string): { docs: YDoc[] } | { error: ReadError } {
  const tokens = Array.from(new Parser().parse(text));
  const deep = tooDeep(tokens);
  if (deep !== -1) {
    const message = `nested deeper than ${MAX_DEPTH} levels; stagecoach does not read it`;
    return { error: { offset: deep, message, bound: true } };
  }
  // uniqueKeys off: yaml compares each key with every earlier one (80,000 keys: minutes); convert() uses a set
  const list = Array.from(new Composer({ uniqueKeys: false }).compose(tokens));
  for (const doc of list) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const more = list.reduce((n, d) => n + d.errors.length, 0) - 1;
      return {
        error: {
          offset: e.pos[0],
          message: `${e.message.split(' at line')[0]}${more > 0 ? ` (and ${more} more)` : ''}`,
        },
      };
    }
  }
  const docs: YDoc[] = [];
  const limit = Math.max(MAX_ALIAS_EXPANSION, text.length);
  const expansion = { left: limit, limit };
  try {
    list.forEach((doc, index) => {
      const cx: Convert = { doc, cache: new Map(), metrics: new Map(), expansion };
      docs.push({ index, root: convert(doc.contents as YamlNode | null, cx) });
    });
  } catch (error) {
    if (error instanceof Unreadable)
      return { error: { offset: error.offset, message: error.message, bound: error.bound } };
    throw error;
  }
  return { docs };
}

/** The offset of the first collection nested deeper than MAX_DEPTH in the CST, or -1; iterative, so never too deep. */
function tooDeep(tokens: CST.Token[]): number {
  const stack: [CST.Token | null | undefined, number][] = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth >= MAX_DEPTH) return token.offset;
      for (const item of token.items as CST.CollectionItem[])
        stack.push([item.key, depth + 1], [item.value, depth + 1]);
    }
  }
  return -1;
}

function convert(node: YamlNode | null | undefined, cx: Convert): YNode {
  if (node === null || node === undefined) return NIL;
  const cached = cx.cache.get(node);
  if (cached) return cached;
  if (isAlias(node)) {
    const target = node.resolve(cx.doc) as YamlNode | undefined;
    if (!target) return NIL;
    const resolved = convert(target, cx);
    if (resolved.kind === 'scalar') return resolved;
    const metrics = cx.metrics.get(resolved);
    const at = node.range?.[0] ?? 0;
    if (!metrics) throw new Unreadable(at, `the alias *${node.source} refers to a node that holds it (a cycle)`, true);
    cx.expansion.left -= metrics.size;
    if (cx.expansion.left < 0) {
      const limit = cx.expansion.limit.toLocaleString('en-US');
      const message = `its aliases expand to more than ${limit} nodes (an alias bomb?); stagecoach does not read it`;
      throw new Unreadable(at, message, true);
    }
    return resolved;
  }
  if (isScalar(node)) {
    const range = node.range ?? [-1, -1, -1];
    const style = STYLES[node.type ?? 'PLAIN'] ?? 'plain';
    let scalar: YScalar;
    if (style === 'plain') {
      const source = (node as { source?: string }).source ?? String(node.value ?? '');
      scalar = source === '' ? NIL : { kind: 'scalar', style, value: source, start: range[0], end: range[1] };
    } else {
      scalar = { kind: 'scalar', style, value: String(node.value), start: range[0], end: range[1] };
    }
    cx.cache.set(node, scalar);
    return scalar;
  }
  if (isMap(node)) return convertMap(node, cx);
  if (isSeq(node)) {
    const items: YNode[] = [];
    const seq: YSeq = { kind: 'seq', flow: Boolean(node.flow), items };
    cx.cache.set(node, seq);
    for (const item of node.items) items.push(convert(item as YamlNode | null, cx));
    finish(cx, seq, items, node.range?.[0] ?? 0);
    return seq;
  }
  return NIL;
}

function convertMap(node: YamlNode & { items: { key: unknown; value: unknown }[]; flow?: boolean }, cx: Convert): YMap {
  const pairs: YPair[] = [];
  const map: YMap = { kind: 'map', flow: Boolean(node.flow), pairs };
  cx.cache.set(node, map);
  const merges: YNode[] = [];
  const seen = new Set<unknown>();
  for (const pair of node.items) {
    const key = pair.key as YamlNode | null;
    if (key !== null && !isScalar(key)) {
      throw new Unreadable(key.range?.[0] ?? 0, 'a key is itself a mapping or list (a template `{{ }}`?)');
    }
    const identity = key === null ? null : keyIdentity(key.value);
    if (seen.has(identity)) throw new Unreadable(key?.range?.[0] ?? node.range?.[0] ?? 0, 'Map keys must be unique');
    seen.add(identity);
    const keyText = key === null ? '' : plainKey(key);
    const value = convert(pair.value as YamlNode | null, cx);
    if (keyText === '<<' && key !== null && key.type === 'PLAIN') {
      if (value.kind === 'seq') merges.push(...value.items);
      else merges.push(value);
      continue;
    }
    const range = key?.range ?? [-1, -1];
    pairs.push({ key: keyText, keyStart: range[0], keyEnd: range[1], value });
  }
  if (merges.length > 0) {
    const keys = new Set(pairs.map((p) => p.key));
    for (const source of merges) {
      if (source.kind !== 'map') continue;
      for (const pair of source.pairs) {
        if (keys.has(pair.key)) continue;
        keys.add(pair.key);
        pairs.push(pair);
      }
    }
  }
  finish(
    cx,
    map,
    pairs.map((p) => p.value),
    node.range?.[0] ?? 0,
  );
  return map;
}

/** Records a finished collection's expanded size and depth; past MAX_DEPTH (through aliases) the file is refused. */
function finish(cx: Convert, node: YNode, children: YNode[], offset: number): void {
  let size = 1;
  let depth = 0;
  for (const child of children) {
    if (child.kind !== 'map' && child.kind !== 'seq') {
      size++;
      continue;
    }
    const m = cx.metrics.get(child);
    if (!m) continue; // a cycle back to an ancestor: reported where its alias is read
    size += m.size;
    if (m.depth > depth) depth = m.depth;
  }
  if (depth + 1 > MAX_DEPTH) {
    throw new Unreadable(
      offset,
      `nested deeper than ${MAX_DEPTH} levels (through aliases); stagecoach does not read it`,
      true,
    );
  }
  cx.metrics.set(node, { size, depth: depth + 1 });
}

/** Keys compared as yaml compares them: by resolved value (`1`, `01` and `0x1` are one key; NaN is never equal). */
function keyIdentity(value: unknown): unknown {
  if (typeof value === 'number' && Number.isNaN(value)) return Symbol();
  return value;
}

function plainKey(key: YamlNode & { type?: string; value?: unknown; source?: string }): string {
  if (key.type === 'PLAIN' || key.type === undefined) return key.source ?? String(key.value ?? '');
  return String(key.value);
}
