// What a stage owns: its folders, files or globs of them (`paths:`, or `path:` for one), normalised, inside the
// repository, and owned by one stage only. Shared by the config file and the --stage flags.
import { Minimatch } from 'minimatch';
import { isSeq } from 'yaml';
import { type Checker, type Entry, type Where, type YamlNode, hasControl, readStringList } from './checker.js';
import { globProblem } from './files.js';

const MAGIC = /[*?[\]{}]/;

/** Whether a stage path is a glob (`components/*\/staging`) rather than one folder or file. */
export function isGlobPath(path: string): boolean {
  return MAGIC.test(path);
}

/** The normalised folder or file (`./envs/dev/` → `envs/dev`, `.` for the whole repo), or the reason it is refused. */
export function normalizeStagePath(raw: string): { path: string } | { problem: string } {
  const shown = JSON.stringify(raw);
  if (raw.trim() === '') return { problem: 'expected a folder such as envs/dev, got an empty string' };
  if (hasControl(raw)) return { problem: `path ${shown} contains a control character` };
  if (raw.includes('\\')) return { problem: `path ${shown} uses "\\"; separate folders with "/"` };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) {
    return {
      problem: `path ${shown} is absolute; write it relative to the repository root, e.g. "${raw.replace(/^([A-Za-z]:)?\/+/, '') || 'envs/dev'}"`,
    };
  }
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    return { problem: `path ${shown} contains ".."; stage folders must stay inside the repository` };
  if (segments[0] === '.git') return { problem: `path ${shown} is inside .git, which Stagecoach never writes` };
  const path = segments.length === 0 ? '.' : segments.join('/');
  if (isGlobPath(path)) {
    if (path.startsWith('!')) return { problem: `path ${shown} starts with "!"; exclude files with files: "!glob"` };
    const problem = globProblem(path, 'the repository');
    if (problem) return { problem: `path ${problem}` };
  }
  return { path };
}

/** Whether two stage globs (or a glob and a path) may claim one file: each segment pair may match the same name. */
function globsMeet(a: string, b: string): boolean {
  if (a.includes('**') || b.includes('**')) {
    const [x, y] = [literalBase(a), literalBase(b)];
    return contains(x, y) || contains(y, x);
  }
  const [as, bs] = [a.split('/'), b.split('/')];
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    if (!segmentsMeet(as[i], bs[i])) return false;
  }
  return true;
}

function segmentsMeet(a: string, b: string): boolean {
  if (a === b) return true;
  const magicA = isGlobPath(a);
  const magicB = isGlobPath(b);
  if (!magicA && !magicB) return false;
  if (magicA && new Minimatch(a, { dot: true }).match(b)) return true;
  if (magicB && new Minimatch(b, { dot: true }).match(a)) return true;
  // Two globs neither of which matches the other as text (`*-dev.yaml`, `values-*`): they may still meet.
  return magicA && magicB && !(literalPrefix(a) !== '' && literalPrefix(b) !== '' && !samePrefix(a, b));
}

function literalPrefix(segment: string): string {
  const at = segment.search(MAGIC);
  return at === -1 ? segment : segment.slice(0, at);
}

function samePrefix(a: string, b: string): boolean {
  const [x, y] = [literalPrefix(a), literalPrefix(b)];
  return x.startsWith(y) || y.startsWith(x);
}

/** The folders before a glob's first wildcard segment (`components/*\/staging` → `components`; `.` when none). */
export function literalBase(pattern: string): string {
  const segments = pattern.split('/');
  const at = segments.findIndex((segment) => isGlobPath(segment));
  const base = at === -1 ? segments : segments.slice(0, at);
  return base.length === 0 ? '.' : base.join('/');
}

function contains(outer: string, inner: string): boolean {
  return outer === '.' || inner === outer || inner.startsWith(`${outer}/`);
}

/** One folder a stage claims, with where it was written (for the overlap check's messages). */
export interface OwnedPath {
  /** Position of the stage in the list: two stages may share a (duplicate) name. */
  index: number;
  stage: string;
  path: string;
  where: Where;
  label: string;
}

/**
 * A folder or file belongs to one stage: no repeats, no folder inside another (in the same stage or another one), no
 * glob that may claim what another path claims. Plain paths are checked through their ancestors (linear); globs, which
 * are few, against every other path.
 */
export function checkOverlaps(c: Checker, owned: OwnedPath[]): void {
  const plain = owned.filter((o) => !isGlobPath(o.path));
  const clashes = new Map<OwnedPath, OwnedPath>();
  firstClashes(plain.map((o) => o.path)).forEach((first, j) => {
    if (first !== undefined) clashes.set(plain[j], plain[first]);
  });
  owned.forEach((o, j) => {
    if (!isGlobPath(o.path) || clashes.has(o)) return;
    const first = owned.slice(0, j).find((other) => globsMeet(o.path, other.path));
    if (first) clashes.set(o, first);
  });
  owned.forEach((o, j) => {
    if (isGlobPath(o.path) || clashes.has(o)) return;
    const first = owned.find((other, i) => i !== j && isGlobPath(other.path) && globsMeet(other.path, o.path));
    if (first && owned.indexOf(first) < j) clashes.set(o, first);
  });
  for (const o of owned) {
    const first = clashes.get(o);
    if (first) c.report(o.where, o.label, overlapMessage(c, first, o));
  }
}

/**
 * For each folder, the index of the first earlier folder it clashes with (the same, inside it, or containing it), or
 * undefined. Found through each folder's ancestors, so the work is linear in the paths, not quadratic.
 */
export function firstClashes(paths: string[]): (number | undefined)[] {
  const exact = new Map<string, number>(); // folder → first index of it
  const under = new Map<string, number>(); // folder → first index strictly inside it
  return paths.map((path, j) => {
    const ancestors = ancestorsOf(path);
    const clashes = [exact.get(path), path === '.' && j > 0 ? 0 : under.get(path)];
    for (const ancestor of ancestors) clashes.push(exact.get(ancestor));
    if (!exact.has(path)) exact.set(path, j);
    for (const ancestor of ancestors) if (!under.has(ancestor)) under.set(ancestor, j);
    const first = Math.min(...clashes.filter((i): i is number => i !== undefined));
    return Number.isFinite(first) ? first : undefined;
  });
}

/** The folders that contain `path`, the whole repository (`.`) included: `a/b/c` → `.`, `a`, `a/b`. */
function ancestorsOf(path: string): string[] {
  if (path === '.') return [];
  const ancestors = ['.'];
  for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) ancestors.push(path.slice(0, at));
  return ancestors;
}

function overlapMessage(c: Checker, a: OwnedPath, b: OwnedPath): string {
  const at = c.lineName(c.position(a.where).line);
  const [x, y] = [JSON.stringify(a.path), JSON.stringify(b.path)];
  if (a.index === b.index)
    return a.path === b.path
      ? `${y} is listed twice in this stage (${at}); list it once`
      : `${y} and ${x} (${at}) overlap; list only ${contains(a.path, b.path) ? x : y}`;
  const relation =
    a.path === b.path
      ? `${y} is also`
      : isGlobPath(a.path) || isGlobPath(b.path)
        ? `${y} may match what ${x} matches, which is`
        : contains(a.path, b.path)
          ? `${y} is inside ${x},`
          : `${y} contains ${x},`;
  return `${relation} owned by stage "${a.stage}" (${at}); each folder or file belongs to one stage`;
}

/** A stage's `paths:` (or `path:`), each path added to `owned` for the overlap check. */
export function readStagePaths(
  c: Checker,
  fields: Map<string, Entry>,
  item: YamlNode,
  path: string,
  { index, stage }: { index: number; stage: string },
  owned: OwnedPath[],
): string[] {
  const plural = fields.get('paths');
  const single = fields.get('path');
  if (plural && single) {
    c.report(single.key, `${path}.path`, 'give either path: or paths:, not both');
    return [];
  }
  const entry = plural ?? single;
  const key = plural ? 'paths' : 'path';
  if (!entry) {
    const example = /^[a-z0-9-]+$/.test(stage) ? stage : 'dev';
    c.report(
      item,
      path,
      `missing "paths:"; list the folders, files or globs stage "${stage}" owns, e.g. "paths: [envs/${example}]"`,
    );
    return [];
  }
  const list = readStringList(
    c,
    entry.value,
    entry.key,
    `${path}.${key}`,
    'folders, files or globs',
    (text, node, itemPath) => {
      const normalized = normalizeStagePath(text);
      if ('problem' in normalized) {
        c.report(node, itemPath, normalized.problem);
        return undefined;
      }
      owned.push({ index, stage, path: normalized.path, where: node, label: itemPath });
      return normalized.path;
    },
  );
  if (list && list.length === 0 && isSeq(entry.value) && entry.value.items.length === 0) {
    c.report(entry.value, `${path}.${key}`, `expected at least one folder, file or glob, e.g. [envs/${stage}]`);
  }
  return list ?? [];
}
