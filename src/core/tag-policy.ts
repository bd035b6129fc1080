// Choosing the newest tag by a Flux-style ImagePolicy (semver, numerical, alphabetical, filterTags).
// Semantics follow https://fluxcd.io/flux/components/image/imagepolicies/ (image-reflector-controller internal/policy).
import semver from 'semver';

/** How the newest tag is chosen (`images[].policy` and `filterTags` of stagecoach.yaml, Flux's ImagePolicy spec). */
export interface TagPolicy {
  semver?: { range: string; prerelease: boolean };
  numerical?: 'asc' | 'desc';
  alphabetical?: 'asc' | 'desc';
  filterTags?: { pattern: string; extract: string };
}

type Order = (a: string, b: string) => number;

/**
 * Compiles a filterTags pattern written for Go's RE2 (Flux) as a JavaScript RegExp: `(?P<name>` becomes `(?<name>`
 * and leading flag groups such as `(?i)` become flags (JavaScript has no inline flags). Throws SyntaxError.
 */
export function compileFilterPattern(pattern: string): RegExp {
  let source = pattern.replace(/\(\?P</g, '(?<');
  let flags = '';
  const leading = /^\(\?([ims]+)\)/.exec(source);
  if (leading) {
    flags = [...new Set(leading[1])].join('');
    source = source.slice(leading[0].length);
  }
  return new RegExp(source, flags);
}

/** The group names and count of a compiled pattern (matching the empty alternative exposes every group). */
export function patternGroups(regex: RegExp): { count: number; names: string[] } {
  const probe = new RegExp(`(?:${regex.source})|`, regex.flags).exec('');
  return { count: probe ? probe.length - 1 : 0, names: Object.keys(probe?.groups ?? {}) };
}

/** Go's Regexp.Expand: `$1`, `$name`, `${name}`, `$$`; unknown groups expand to nothing, a lone `$` stays. */
export function expandTemplate(template: string, match: RegExpExecArray): string {
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
function sortKey(tag: string, policy: TagPolicy, regex: RegExp | undefined): string | undefined {
  if (!policy.filterTags || !regex) return tag;
  const match = regex.exec(tag);
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
  const comparable = (key: string) => semver.parse(key) !== null;
  return {
    comparable,
    allowed: (key) => {
      const version = semver.parse(key);
      if (!version || (!prerelease && version.prerelease.length > 0)) return false;
      return semver.satisfies(version, range, { includePrerelease: prerelease });
    },
    newer: (a, b) => semver.compare(a, b),
  };
}

function filterRegex(policy: TagPolicy): RegExp | undefined {
  return policy.filterTags ? compileFilterPattern(policy.filterTags.pattern) : undefined;
}

/** Whether the policy (filterTags included) lets `tag` through. */
export function isTagAllowed(tag: string, policy: TagPolicy): boolean {
  const key = sortKey(tag, policy, filterRegex(policy));
  return key !== undefined && rankerFor(policy).allowed(key);
}

/**
 * The newest tag allowed by the policy among `tags` (unsorted input), or undefined. Never returns a tag older than
 * `current` (when given and comparable). Pre-releases only when asked. Ties (`1.0.0` and `v1.0.0`, equal extracted
 * values) go to the greater tag text so the answer does not depend on the input order.
 */
export function selectTag(tags: string[], policy: TagPolicy, current?: string): { tag: string } | undefined {
  const regex = filterRegex(policy);
  const ranker = rankerFor(policy);
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
