// The positioned YAML checker every key of the config file is read with: each reader takes a node of the YAML AST,
// returns the value or undefined, and records a problem at the node's file:line:col. Nothing throws until `fail()`,
// so one run reports every problem in the file.
import { LineCounter, isAlias, isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';
import { parseDuration } from '../duration.js';
import type { Finding } from '../image-reference.js';
import { ConfigError } from './config-error.js';
import { didYouMean } from './did-you-mean.js';

export type { YamlNode };

export interface Position {
  line: number;
  column?: number;
}
/** Where a problem is reported: a node of the file, or a position (the --stage flags have no nodes). */
export type Where = YamlNode | Position;

/** One key of a mapping: its key node (where "unknown"/"missing" problems point) and its value (aliases resolved). */
export interface Entry {
  key: YamlNode;
  value: YamlNode | null;
}

/**
 * The keys a mapping of the config file knows, in the order messages list them: a key maps to the tree of its own
 * value's keys, or to null when its value has no keys of its own (a scalar, a list of scalars, or free keys like env).
 * The JSON schema test walks the same tree, so the parser and `stagecoach.schema.json` cannot drift apart.
 */
export interface KeyTree {
  readonly [key: string]: KeyTree | null;
}

export class Checker {
  readonly problems: Finding[] = [];
  constructor(
    readonly file: string,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
    /** How a message points at another line (`line 4`, or `--stage number 2` for flags). */
    readonly lineName: (line: number) => string = (line) => `line ${line}`,
  ) {}

  position(where: Where): Position {
    if ('line' in where && typeof where.line === 'number') return where as Position;
    const offset = (where as YamlNode).range?.[0];
    if (offset === undefined || !this.lines) return { line: 1, column: 1 };
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  report(where: Where, path: string, message: string): void {
    const { line, column } = this.position(where);
    this.problems.push({
      file: this.file,
      line,
      ...(column !== undefined ? { column } : {}),
      message: path ? `${path}: ${message}` : message,
    });
  }

  /** The node an alias points at (anchors let users share lists such as reviewers). */
  resolve(node: unknown): YamlNode | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (this.doc && node.resolve(this.doc)) ?? null;
    return node as YamlNode;
  }

  /** Throws ConfigError with every problem, in file order. */
  fail(): never {
    const sorted = [...this.problems].sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(sorted);
  }
}

/** A node as a message shows it: `"text"`, `true`, `a list`, `nothing`. */
export function describe(node: YamlNode | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    if (node.value === null) return node.source ? 'null' : 'nothing';
    if (typeof node.value === 'string') return JSON.stringify(node.value);
    return String(node.source ?? node.value);
  }
  return 'an unexpected node';
}

export function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function hasControl(text: string): boolean {
  return [...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
}

/** The entries of a mapping with known keys; reports a non-mapping and every unknown key. */
export function readMap(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  known: KeyTree,
  expected: string,
): Map<string, Entry> | undefined {
  const names = Object.keys(known);
  if (!isMap(node)) {
    c.report(node ?? where, path, `expected ${expected}, got ${describe(node)}`);
    return undefined;
  }
  const entries = new Map<string, Entry>();
  for (const pair of node.items) {
    const key = c.resolve(pair.key);
    const name = isScalar(key) && key.value !== null && typeof key.value !== 'object' ? String(key.value) : undefined;
    const at = key ?? node;
    if (name === undefined) {
      c.report(at, path, `keys must be plain names, got ${describe(key)}`);
    } else if (name === '<<') {
      c.report(at, path, 'merge keys (<<) are not supported; write the keys out');
    } else if (!names.includes(name)) {
      const message = `unknown key "${name}"${didYouMean(name, names)} (known keys: ${names.join(', ')})`;
      c.report(at, joinPath(path, name), message);
    } else {
      entries.set(name, { key: at, value: c.resolve(pair.value) });
    }
  }
  return entries;
}

/**
 * A list whose items are read one by one (`each` gets the item with aliases resolved, the list node to point at when
 * the item is empty, and the item's path such as `stages[2]`). Reports a non-list with `expected`.
 */
export function readList<T>(
  c: Checker,
  entry: { key: YamlNode; value: YamlNode | null },
  path: string,
  expected: string,
  each: (item: YamlNode | null, list: YamlNode, itemPath: string, index: number) => T | undefined,
): T[] {
  const node = entry.value;
  if (!isSeq(node)) {
    c.report(node ?? entry.key, path, `expected ${expected}, got ${describe(node)}`);
    return [];
  }
  const out: T[] = [];
  node.items.forEach((raw, i) => {
    const value = each(c.resolve(raw), node, `${path}[${i}]`, i);
    if (value !== undefined) out.push(value);
  });
  return out;
}

/** A text scalar. Plain numbers are read as written (`1.10` stays `1.10`); booleans and null are refused. */
export function readString(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  what = 'text',
): string | undefined {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  if (isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'bigint'))
    return node.source ?? String(node.value);
  const hint =
    isScalar(node) && typeof node.value === 'boolean'
      ? `; quote it ("${node.source ?? node.value}") if you mean the text`
      : '';
  c.report(node ?? where, path, `expected ${what}, got ${describe(node)}${hint}`);
  return undefined;
}

export function readNonEmptyString(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  what = 'text',
): string | undefined {
  const text = readString(c, node, where, path, what);
  if (text !== undefined && text.trim() === '') {
    c.report(node ?? where, path, `expected ${what}, got an empty string`);
    return undefined;
  }
  return text;
}

export function readBoolean(c: Checker, node: YamlNode | null, where: Where, path: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  c.report(node ?? where, path, `expected true or false, got ${describe(node)}`);
  return undefined;
}

/**
 * A list of text items, each checked by `check` (which reports and returns undefined to drop an item). A lone string
 * is a list of one.
 */
export function readStringList(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  what: string,
  check: (text: string, node: YamlNode, path: string) => string | undefined = (t) => t,
): string[] | undefined {
  if (isScalar(node) && typeof node.value === 'string') {
    const checked = check(node.value, node, path);
    return checked === undefined ? undefined : [checked];
  }
  if (!isSeq(node)) {
    c.report(node ?? where, path, `expected a list of ${what}, got ${describe(node)}`);
    return undefined;
  }
  const out: string[] = [];
  node.items.forEach((raw, i) => {
    const item = c.resolve(raw);
    const itemPath = `${path}[${i}]`;
    const text = readNonEmptyString(c, item, node, itemPath, what.replace(/s$/, ''));
    const checked = text === undefined ? undefined : check(text, item ?? node, itemPath);
    if (checked !== undefined) out.push(checked);
  });
  return out;
}

/** One of `values`, with "did you mean" for a near miss. */
export function readEnum<T extends string>(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  values: readonly T[],
): T | undefined {
  const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
  if (text !== undefined && (values as readonly string[]).includes(text)) return text as T;
  const hint = text !== undefined ? didYouMean(text, values) : '';
  c.report(node ?? where, path, `expected one of ${values.join(', ')}, got ${describe(node)}${hint}`);
  return undefined;
}

/** Seconds, from `90s`, `30m`, `1h30m`, `2d`. */
export function readDuration(c: Checker, node: YamlNode | null, where: Where, path: string): number | undefined {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
    try {
      return parseDuration(String(node.source ?? node.value));
    } catch (error) {
      c.report(node, path, (error as Error).message);
      return undefined;
    }
  }
  c.report(node ?? where, path, `expected a duration such as 30m or 1h30m, got ${describe(node)}`);
  return undefined;
}

const KEY_PATH = /^[^.\s]+(?:\.[^.\s]+)*$/;

/** A dotted key path into a YAML file, such as `app.image.tag`. */
export function readKeyPath(c: Checker, entry: Entry, path: string): string | undefined {
  const text = readNonEmptyString(c, entry.value, entry.key, path, 'a key path such as app.image.tag');
  if (text === undefined) return undefined;
  if (KEY_PATH.test(text)) return text;
  c.report(
    entry.value ?? entry.key,
    path,
    `"${text}" is not a key path; write the keys joined by dots, e.g. app.image.tag`,
  );
  return undefined;
}
