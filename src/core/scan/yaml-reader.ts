// The full reader: eemeli/yaml's parseAllDocuments turned into the scan tree, with source ranges and scalar styles.
// Used whenever the fast reader bails. Aliases resolve to the anchor's node (so an edit lands once, at the anchor)
// and `<<` merge keys are expanded the way Kubernetes' YAML 1.1 decoder does (explicit keys win, then earlier maps).
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import type { YDoc, YMap, YNode, YPair, YScalar, YSeq } from './tree.js';
import { NIL } from './tree.js';

export interface ReadError {
  offset: number;
  message: string;
}

class ComplexKey extends Error {
  constructor(readonly offset: number) {
    super('complex key');
  }
}

const STYLES: Record<string, YScalar['style']> = {
  PLAIN: 'plain',
  QUOTE_SINGLE: 'single',
  QUOTE_DOUBLE: 'double',
  BLOCK_LITERAL: 'block',
  BLOCK_FOLDED: 'block',
};

export function readFull(text: string): { docs: YDoc[] } | { error: ReadError } {
  const parsed = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(parsed) ? parsed : [];
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
  try {
    list.forEach((doc, index) => {
      const cache = new Map<unknown, YNode>();
      docs.push({ index, root: convert(doc.contents as YamlNode | null, doc, cache) });
    });
  } catch (error) {
    if (error instanceof ComplexKey) {
      return { error: { offset: error.offset, message: 'a key is itself a mapping or list (a template `{{ }}`?)' } };
    }
    throw error;
  }
  return { docs };
}

function convert(node: YamlNode | null | undefined, doc: Document, cache: Map<unknown, YNode>): YNode {
  if (node === null || node === undefined) return NIL;
  const cached = cache.get(node);
  if (cached) return cached;
  if (isAlias(node)) {
    const target = node.resolve(doc) as YamlNode | undefined;
    return target ? convert(target, doc, cache) : NIL;
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
    cache.set(node, scalar);
    return scalar;
  }
  if (isMap(node)) {
    const pairs: YPair[] = [];
    const map: YMap = { kind: 'map', flow: Boolean(node.flow), pairs };
    cache.set(node, map);
    const merges: YNode[] = [];
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      if (key !== null && !isScalar(key)) throw new ComplexKey(key.range?.[0] ?? 0);
      const keyText = key === null ? '' : plainKey(key);
      const value = convert(pair.value as YamlNode | null, doc, cache);
      if (keyText === '<<' && key !== null && key.type === 'PLAIN') {
        if (value.kind === 'seq') merges.push(...value.items);
        else merges.push(value);
        continue;
      }
      const range = key?.range ?? [-1, -1];
      pairs.push({ key: keyText, keyStart: range[0], keyEnd: range[1], value });
    }
    for (const source of merges) {
      if (source.kind !== 'map') continue;
      for (const pair of source.pairs) if (!pairs.some((p) => p.key === pair.key)) pairs.push(pair);
    }
    return map;
  }
  if (isSeq(node)) {
    const items: YNode[] = [];
    const seq: YSeq = { kind: 'seq', flow: Boolean(node.flow), items };
    cache.set(node, seq);
    for (const item of node.items) items.push(convert(item as YamlNode | null, doc, cache));
    return seq;
  }
  return NIL;
}

function plainKey(key: YamlNode & { type?: string; value?: unknown; source?: string }): string {
  if (key.type === 'PLAIN' || key.type === undefined) return key.source ?? String(key.value ?? '');
  return String(key.value);
}
