// Choosing the newest tag by a Flux-style ImagePolicy (semver, numerical, alphabetical, filterTags).
// Semantics follow https://fluxcd.io/flux/components/image/imagepolicies/ (image-reflector-controller internal/policy).
import { RE2JS } from 're2js';
import semver from 'semver';

/** How the newest tag is chosen (`images[].policy` and `filterTags` of stagecoach.yaml, Flux's ImagePolicy spec). */
export interface TagPolicy {
  semver?: { range: string; prerelease: boolean };
  numerical?: 'asc' | 'desc';
  alphabetical?: 'asc' | 'desc';
  filterTags?: { pattern: string; extract: string };
}

type Order = (a: string, b: string) => number;

/** A compiled filterTags pattern: RE2, which matches in time linear in the tag, whatever the pattern. */
export type FilterPattern = RE2JS;

/** The groups of a match: `[0]` the whole match, `[n]` group n, `groups` the named ones (undefined when unmatched). */
export interface FilterMatch {
  readonly [group: number]: string | undefined;
  readonly groups?: Record<string, string | undefined>;
}

/** The longest tag a registry may hold (OCI distribution spec); a longer answer is not a tag and is never matched. */
const TAG_MAX = 128;

/**
 * Compiles a filterTags pattern in Go's RE2 syntax, as Flux reads it: `(?P<name>...)` and `(?<name>...)` groups,
 * inline flags such as `(?i)`, POSIX and Unicode classes; no backreferences or lookaround. The engine (re2js, a port
 * of RE2) never backtracks, so no pattern in a config file can stall on a tag from the registry (issue 9).
 * Throws SyntaxError with Go's reason, e.g. "missing closing ): `^main-([0-9]+`".
 */
export function compileFilterPattern(pattern: string): FilterPattern {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    throw new SyntaxError((error as Error).message.replace(/^error parsing regexp: /, ''));
  }
}

/** The group names (in pattern order) and count of a compiled pattern. */
export function patternGroups(pattern: FilterPattern): { count: number; names: string[] } {
  const named = Object.entries(pattern.namedGroups()).sort(([, a], [, b]) => a - b);
  return { count: pattern.groupCount(), names: named.map(([name]) => name) };
}

/** Go's Regexp.Expand: `$1`, `$name`, `${name}`, `$$`; unknown groups expand to nothing, a lone `$` stays. */
export function expandTemplate(template: string, match: FilterMatch): string {
  return template.replace(/\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare;
    if (name === undefined) return '$';
    if (/^[0-9]+$/.test(name)) return match[Number(name)] ?? '';
    return match.groups?.[name] ?? '';
  });
}

/** Masterminds/semver (Flux) separates AND-ed comparators with commas; node-semver with spaces. */
export function normalizeSemverRange(range: string): string {
  return range.replace(/\s*,\s*/g, ' ').trim();
}

/** The value a policy orders a tag by (after filterTags), or undefined when the tag is filtered out. */
function sortKey(tag: string, policy: TagPolicy, pattern: FilterPattern | undefined): string | undefined {
  if (!policy.filterTags || !pattern) return tag;
  if (tag.length > TAG_MAX) return undefined;
  const match: FilterMatch | null = pattern.exec(tag);
  if (!match) return undefined;
  return policy.filterTags.extract ? expandTemplate(policy.filterTags.extract, match) : tag;
}

const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

interface Ranker {
  /** Whether a sort key can be ordered at all (a valid semver, a number...). */
  comparable(key: string): boolean;
  /** Whether the policy lets the key through (range, pre-releases). */
  allowed(key: string): boolean;
  /** Positive when `a` is newer than `b`. */
  newer: Order;
}

function rankerFor(policy: TagPolicy): Ranker {
  if (policy.numerical) {
    const sign = policy.numerical === 'desc' ? -1 : 1;
    const comparable = (key: string) => DECIMAL.test(key) && Number.isFinite(Number(key));
    return { comparable, allowed: comparable, newer: (a, b) => sign * (Number(a) - Number(b)) };
  }
  if (policy.alphabetical) {
    const sign = policy.alphabetical === 'desc' ? -1 : 1;
    return { comparable: () => true, allowed: () => true, newer: (a, b) => sign * (a < b ? -1 : a > b ? 1 : 0) };
  }
  // No ordering named: the newest release of any version.
  const range = normalizeSemverRange(policy.semver?.range ?? '*');
  const prerelease = policy.semver?.prerelease ?? false;
  const comparable = (key: string) => fluxSemver(key) !== null;
  return {
    comparable,
    allowed: (key) => {
      const version = fluxSemver(key);
      if (!version || (!prerelease && version.prerelease.length > 0)) return false;
      return semver.satisfies(version, range, { includePrerelease: prerelease });
    },
    newer: (a, b) => semver.compare(fluxSemver(a) ?? a, fluxSemver(b) ?? b),
  };
}

/** Masterminds/semver's NewVersion (what Flux parses tags with): `v` prefix, and minor and patch may be left out. */
const MASTERMINDS =
  /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** A tag as Flux reads a version (`1.26` is 1.26.0, `v2-rc.1` is 2.0.0-rc.1, pre-release and build kept); else null. */
export function fluxSemver(tag: string): semver.SemVer | null {
  const m = MASTERMINDS.exec(tag);
  if (!m) return null;
  return semver.parse(`${m[1]}.${m[2] ?? '0'}.${m[3] ?? '0'}${m[4] ?? ''}${m[5] ?? ''}`);
}

interface Compiled {
  regex: FilterPattern | undefined;
  ranker: Ranker;
}

/** Policies are compiled once (RE2 and range), however many tags are judged by them. */
const compiledPolicies = new WeakMap<TagPolicy, Compiled>();

function compiled(policy: TagPolicy): Compiled {
  let found = compiledPolicies.get(policy);
  if (!found) {
    found = { regex: filterRegex(policy), ranker: rankerFor(policy) };
    compiledPolicies.set(policy, found);
  }
  return found;
}

function filterRegex(policy: TagPolicy): FilterPattern | undefined {
  return policy.filterTags ? compileFilterPattern(policy.filterTags.pattern) : undefined;
}

/** Whether the policy (filterTags included) lets `tag` through. */
export function isTagAllowed(tag: string, policy: TagPolicy): boolean {
  const { regex, ranker } = compiled(policy);
  const key = sortKey(tag, policy, regex);
  return key !== undefined && ranker.allowed(key);
}

/**
 * The newest tag allowed by the policy among `tags` (unsorted input), or undefined. Never returns a tag older than
 * `current` (when given and comparable). Pre-releases only when asked. Ties (`1.0.0` and `v1.0.0`, equal extracted
 * values) go to the greater tag text so the answer does not depend on the input order.
 */
export function selectTag(tags: string[], policy: TagPolicy, current?: string): { tag: string } | undefined {
  const { regex, ranker } = compiled(policy);
  let floor: string | undefined;
  if (current !== undefined) {
    const key = sortKey(current, policy, regex);
    if (key !== undefined && ranker.comparable(key)) floor = key;
  }
  let best: { tag: string; key: string } | undefined;
  for (const tag of tags) {
    const key = sortKey(tag, policy, regex);
    if (key === undefined || !ranker.allowed(key)) continue;
    if (floor !== undefined && ranker.newer(key, floor) < 0) continue;
    if (!best) {
      best = { tag, key };
      continue;
    }
    const order = ranker.newer(key, best.key) || (tag > best.tag ? 1 : tag < best.tag ? -1 : 0);
    if (order > 0) best = { tag, key };
  }
  return best && { tag: best.tag };
}

const DOTTED = /^v?([0-9]+(?:\.[0-9]+)*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=.)/, '');
  const y = b.replace(/^0+(?=.)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * -1/0/1 when two versions are comparable, undefined otherwise. Comparable: both dotted numeric versions, with an
 * optional leading `v`, SemVer pre-release and build (`1.2.3`, `v1.2`, `42`), compared component by component, so
 * `1.25` is newer than `1.3`; this covers SemVer and plain numbers. A `@digest` suffix is ignored.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const x = DOTTED.exec(a.split('@')[0]);
  const y = DOTTED.exec(b.split('@')[0]);
  if (!x || !y) return undefined;
  const xs = x[1].split('.');
  const ys = y[1].split('.');
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const order = compareDigits(xs[i] ?? '0', ys[i] ?? '0');
    if (order !== 0) return order;
  }
  const [px, py] = [x[2], y[2]];
  if (px === undefined || py === undefined) return px === py ? 0 : px === undefined ? 1 : -1;
  // Pre-release precedence as SemVer 2.0.0 §11, borrowed from node-semver on a neutral core version.
  const order = semver.compare(`0.0.0-${px}`, `0.0.0-${py}`, { loose: true });
  return order === 0 ? 0 : order < 0 ? -1 : 1;
}

/** The value `policy` orders `tag` by (after filterTags/extract), or undefined when the policy cannot order it. */
export function policyKey(tag: string, policy: TagPolicy): string | undefined {
  const { regex, ranker } = compiled(policy);
  const key = sortKey(tag, policy, regex);
  return key !== undefined && ranker.comparable(key) ? key : undefined;
}

/** Positive when key `a` is newer than key `b` under `policy` (keys from policyKey). */
export function compareKeys(a: string, b: string, policy: TagPolicy): number {
  return compiled(policy).ranker.newer(a, b);
}

/** Two policies order keys the same way (the same ordering and direction), so their keys compare. */
export function sameOrdering(a: TagPolicy, b: TagPolicy): boolean {
  if (a.numerical || b.numerical) return a.numerical === b.numerical;
  if (a.alphabetical || b.alphabetical) return a.alphabetical === b.alphabetical;
  return true;
}
