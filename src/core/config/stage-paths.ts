// What a stage owns: its folders (`paths:`, or `path:` for one), normalised, inside the repository, and owned by
// one stage only. Shared by the config file and the --stage flags.
import { isSeq } from 'yaml';
import { type Checker, type Entry, type Where, type YamlNode, hasControl, readStringList } from './checker.js';

/** The normalised folder (`./envs/dev/` → `envs/dev`, `.` for the whole repo), or the reason it is refused. */
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
  if (/[*?[\]{}]/.test(raw)) return { problem: `path ${shown} is a glob; stages own folders (use files: for globs)` };
  if (segments[0] === '.git') return { problem: `path ${shown} is inside .git, which Stagecoach never writes` };
  return { path: segments.length === 0 ? '.' : segments.join('/') };
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

/** A folder belongs to one stage: no repeats, no folder inside another (in the same stage or another one). */
export function checkOverlaps(c: Checker, owned: OwnedPath[]): void {
  firstClashes(owned.map((o) => o.path)).forEach((first, j) => {
    if (first !== undefined) c.report(owned[j].where, owned[j].label, overlapMessage(c, owned[first], owned[j]));
  });
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
    a.path === b.path ? `${y} is also` : contains(a.path, b.path) ? `${y} is inside ${x},` : `${y} contains ${x},`;
  return `${relation} owned by stage "${a.stage}" (${at}); each folder belongs to one stage`;
}

/** A stage's `paths:` (or `path:`), each folder added to `owned` for the overlap check. */
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
    c.report(item, path, `missing "paths:"; list the folders stage "${stage}" owns, e.g. "paths: [envs/${example}]"`);
    return [];
  }
  const list = readStringList(c, entry.value, entry.key, `${path}.${key}`, 'folders', (text, node, itemPath) => {
    const normalized = normalizeStagePath(text);
    if ('problem' in normalized) {
      c.report(node, itemPath, normalized.problem);
      return undefined;
    }
    owned.push({ index, stage, path: normalized.path, where: node, label: itemPath });
    return normalized.path;
  });
  if (list && list.length === 0 && isSeq(entry.value) && entry.value.items.length === 0) {
    c.report(entry.value, `${path}.${key}`, `expected at least one folder, e.g. [envs/${stage}]`);
  }
  return list ?? [];
}
