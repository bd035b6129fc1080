// `images:`: how to pick the newest tag of an image when the registry is the source (Flux ImagePolicy spellings).
import semver from 'semver';
import { isMap } from 'yaml';
import { tryParseImage } from '../image-reference.js';
import {
  type FilterPattern,
  type TagPolicy,
  compileFilterPattern,
  normalizeSemverRange,
  patternGroups,
} from '../tag-policy.js';
import {
  type Checker,
  type Entry,
  type KeyTree,
  readBoolean,
  readEnum,
  readList,
  readMap,
  readNonEmptyString,
  readString,
} from './checker.js';

export interface ImagePolicy {
  /** Canonical repository. */
  image: string;
  policy: TagPolicy;
  line?: number;
}

const ORDERS = ['asc', 'desc'] as const;
const ORDER_KEYS = { order: null } as const satisfies KeyTree;
const SEMVER_KEYS = { range: null } as const satisfies KeyTree;
// semver: and the orderings take a plain value or Flux's mapping spelling ({ range: ... }, { order: ... }).
const POLICY_KEYS = {
  semver: SEMVER_KEYS,
  prerelease: null,
  numerical: ORDER_KEYS,
  alphabetical: ORDER_KEYS,
} as const satisfies KeyTree;
const FILTER_KEYS = { pattern: null, extract: null } as const satisfies KeyTree;
export const IMAGE_KEYS = { image: null, policy: POLICY_KEYS, filterTags: FILTER_KEYS } as const satisfies KeyTree;

export function readImages(c: Checker, entry: Entry): ImagePolicy[] {
  const expected = `a list such as "- { image: ghcr.io/acme/api, policy: { semver: '>=1.0.0' } }"`;
  const seen = new Map<string, number>();
  return readList(c, entry, 'images', expected, (item, list, path) => {
    const fields = readMap(c, item, list, path, IMAGE_KEYS, 'a mapping with image: and policy:');
    if (!fields || !item) return undefined;
    const line = c.position(item).line;
    const result: ImagePolicy = { image: '', policy: {}, line };
    const image = fields.get('image');
    if (!image)
      c.report(item, path, 'missing "image:"; give the repository as written in manifests, e.g. ghcr.io/acme/api');
    else result.image = readRepository(c, image, `${path}.image`, line, seen) ?? '';
    const policy = fields.get('policy');
    if (!policy)
      c.report(
        item,
        path,
        'missing "policy:"; e.g. "policy: { semver: \'>=1.0.0\' }", "{ numerical: asc }" or "{ alphabetical: asc }"',
      );
    else result.policy = readPolicy(c, policy, `${path}.policy`);
    const filter = fields.get('filterTags');
    if (filter) {
      const filterTags = readFilterTags(c, filter, `${path}.filterTags`);
      if (filterTags) result.policy.filterTags = filterTags;
    }
    return result;
  });
}

/** The canonical repository of a name without version; one policy per repository (`seen`: repository → line). */
function readRepository(
  c: Checker,
  entry: Entry,
  path: string,
  line: number,
  seen: Map<string, number>,
): string | undefined {
  const name = readNonEmptyString(c, entry.value, entry.key, path, 'an image repository such as ghcr.io/acme/api');
  if (name === undefined) return undefined;
  const parsed = tryParseImage(name);
  const at = entry.value ?? entry.key;
  if (!parsed) c.report(at, path, `"${name}" is not an image repository such as ghcr.io/acme/api`);
  else if (parsed.tag !== undefined || parsed.digest !== undefined) {
    c.report(at, path, `"${name}" names a version; give the repository only: ${parsed.name}`);
  } else {
    const first = seen.get(parsed.repository);
    if (first !== undefined)
      c.report(at, path, `"${name}" already has a policy on line ${first}; give each image one policy`);
    else seen.set(parsed.repository, line);
    return parsed.repository;
  }
  return undefined;
}

function readPolicy(c: Checker, entry: Entry, path: string): TagPolicy {
  const policy: TagPolicy = {};
  const expected = 'a mapping such as "{ semver: \'>=1.0.0\' }", "{ numerical: asc }" or "{ alphabetical: asc }"';
  const fields = readMap(c, entry.value, entry.key, path, POLICY_KEYS, expected);
  if (!fields || !entry.value) return policy;
  const kinds = (['semver', 'numerical', 'alphabetical'] as const).filter((k) => fields.has(k));
  if (kinds.length === 0) c.report(entry.value, path, 'expected one of semver:, numerical: or alphabetical:');
  if (kinds.length > 1)
    c.report(
      fields.get(kinds[1])!.key,
      `${path}.${kinds[1]}`,
      `give one ordering, not both ${kinds[0]}: and ${kinds[1]}:`,
    );
  const prerelease = fields.get('prerelease');
  if (prerelease && !fields.has('semver'))
    c.report(prerelease.key, `${path}.prerelease`, 'prerelease: only applies with semver:');
  const sv = fields.get('semver');
  if (sv) {
    const range = readSemverRange(c, sv, `${path}.semver`);
    const allow = prerelease ? readBoolean(c, prerelease.value, prerelease.key, `${path}.prerelease`) : false;
    if (range !== undefined && kinds.length === 1) policy.semver = { range, prerelease: allow ?? false };
  }
  for (const kind of ['numerical', 'alphabetical'] as const) {
    const e = fields.get(kind);
    if (!e) continue;
    const order = readOrder(c, e, `${path}.${kind}`);
    if (order && kinds.length === 1) policy[kind] = order;
  }
  return policy;
}

/** `semver: ">=1.0.0 <2"`, or Flux's `semver: { range: ... }`; Masterminds' comma ranges are accepted. */
function readSemverRange(c: Checker, entry: Entry, path: string): string | undefined {
  let rangeEntry: Entry | undefined = entry;
  if (isMap(entry.value)) {
    rangeEntry = readMap(c, entry.value, entry.key, path, SEMVER_KEYS, 'a range')?.get('range');
    if (!rangeEntry) c.report(entry.value, path, 'missing "range:", e.g. ">=1.0.0 <2"');
  }
  if (!rangeEntry) return undefined;
  const rangePath = rangeEntry === entry ? path : `${path}.range`;
  const what = 'a semver range such as ">=1.0.0 <2"';
  const range = readNonEmptyString(c, rangeEntry.value, rangeEntry.key, rangePath, what);
  if (range !== undefined && semver.validRange(normalizeSemverRange(range)) === null) {
    c.report(
      rangeEntry.value ?? rangeEntry.key,
      rangePath,
      `expected a semver range such as ">=1.0.0 <2", "^1.2" or "1.4.x", got ${JSON.stringify(range)}`,
    );
  }
  return range;
}

function readOrder(c: Checker, entry: Entry, path: string): 'asc' | 'desc' | undefined {
  if (!isMap(entry.value)) return readEnum(c, entry.value, entry.key, path, ORDERS);
  // Flux spelling: { order: asc }.
  const fields = readMap(c, entry.value, entry.key, path, ORDER_KEYS, 'asc, desc or { order: asc }');
  const order = fields?.get('order');
  return order ? readEnum(c, order.value, order.key, `${path}.order`, ORDERS) : 'asc';
}

function readFilterTags(c: Checker, entry: Entry, path: string): TagPolicy['filterTags'] {
  const expected = "a mapping such as \"{ pattern: '^main-(?<ts>[0-9]+)$', extract: '$ts' }\"";
  const fields = readMap(c, entry.value, entry.key, path, FILTER_KEYS, expected);
  if (!fields || !entry.value) return undefined;
  const patternEntry = fields.get('pattern');
  const extractEntry = fields.get('extract');
  if (!patternEntry) {
    c.report(entry.value, path, 'missing "pattern:", the regular expression tags must match');
    return undefined;
  }
  const what = 'a regular expression';
  const pattern = readNonEmptyString(c, patternEntry.value, patternEntry.key, `${path}.pattern`, what);
  const extract = extractEntry
    ? readString(c, extractEntry.value, extractEntry.key, `${path}.extract`, 'a template such as $ts')
    : '';
  if (pattern === undefined || extract === undefined) return undefined;
  let compiled: FilterPattern;
  try {
    compiled = compileFilterPattern(pattern);
  } catch (error) {
    const message = `not a valid regular expression in Go's RE2 syntax, as Flux reads it: ${(error as Error).message}`;
    c.report(patternEntry.value ?? patternEntry.key, `${path}.pattern`, message);
    return undefined;
  }
  const groups = patternGroups(compiled);
  for (const [, braced, bare] of extract.matchAll(/\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g)) {
    const name = braced ?? bare;
    if (name === undefined) continue;
    const known = /^[0-9]+$/.test(name) ? Number(name) <= groups.count : groups.names.includes(name);
    if (known) continue;
    const hint =
      groups.names.length > 0
        ? ` (the pattern has ${groups.names.map((n) => `$${n}`).join(', ')})`
        : ' (the pattern has no named groups; add one such as (?<ts>[0-9]+))';
    c.report(extractEntry?.value ?? entry.value, `${path}.extract`, `"$${name}" names no group of the pattern${hint}`);
  }
  return { pattern, extract };
}
