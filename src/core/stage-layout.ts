// Which files a stage owns and where each sits in the stage's layout: a stage path is a folder, a file or a glob of
// them; a file's place is what the glob captured (the component) plus its path inside what the path matched, the same
// across stages (`components/X/staging/a.yaml` and `components/X/production/a.yaml` both sit at `X|a.yaml`).
import { Minimatch } from 'minimatch';
import { isGlobPath, literalBase } from './config/stage-paths.js';

/** One stage path, compiled: `match` tells whether a repo-relative file lies in what the path names, and where. */
export interface StagePattern {
  /** The path as configured. */
  path: string;
  /** Position among the stage's paths (single files pair by it: `values.yaml` with `values-prod.yaml`). */
  index: number;
  glob: boolean;
  /** The folder to list to find the files the path may match (`.` for the whole repository). */
  base: string;
  match(file: string): FilePlace | undefined;
}

/** Where a file sits in its stage. */
export interface FilePlace {
  /** The folder or file the stage path matched (`components/kueue/staging`). */
  root: string;
  /** The segments the glob's wildcards matched (`['kueue']`); empty for a plain path. */
  captures: string[];
  /** The file's path inside `root`; `''` when the root is the file itself. */
  relative: string;
  /** The same for counterparts in every stage: captures, the single-file index, and the relative path. */
  place: string;
}

function placeOf(glob: boolean, index: number, captures: string[], relative: string): string {
  if (glob) return `<${captures.join('/')}>${relative}`;
  return relative === '' ? `[${index}]` : relative;
}

function plainPattern(path: string, index: number): StagePattern {
  return {
    path,
    index,
    glob: false,
    base: path,
    match(file) {
      if (path === '.' || path === '') return { root: '.', captures: [], relative: file, place: file };
      if (file === path) return { root: path, captures: [], relative: '', place: placeOf(false, index, [], '') };
      if (!file.startsWith(`${path}/`)) return undefined;
      const relative = file.slice(path.length + 1);
      return { root: path, captures: [], relative, place: relative };
    },
  };
}

function globPattern(path: string, index: number): StagePattern {
  const segments = path.split('/');
  const base = literalBase(path);
  const magic = segments.map((segment) => isGlobPath(segment));
  const deep = segments.includes('**');
  const perSegment = segments.map((segment) => new Minimatch(segment, { dot: false }));
  const whole = new Minimatch(path, { dot: false });
  const head = magic.indexOf(true);
  const tail = segments.length - 1 - magic.lastIndexOf(true);
  const found = (parts: string[], length: number, captures: string[]): FilePlace => {
    const relative = parts.slice(length).join('/');
    const root = parts.slice(0, length).join('/');
    return { root, captures, relative, place: placeOf(true, index, captures, relative) };
  };
  return {
    path,
    index,
    glob: true,
    base,
    match(file) {
      const parts = file.split('/');
      if (!deep) {
        if (parts.length < segments.length) return undefined;
        for (let i = 0; i < segments.length; i++) if (!perSegment[i].match(parts[i])) return undefined;
        return found(
          parts,
          segments.length,
          segments.flatMap((_, i) => (magic[i] ? [parts[i]] : [])),
        );
      }
      // `**` spans any number of folders: the shortest prefix of the file that matches is the root.
      for (let length = head + 1; length <= parts.length; length++) {
        const prefix = parts.slice(0, length);
        if (whole.match(prefix.join('/'))) return found(parts, length, prefix.slice(head, length - tail));
      }
      return undefined;
    },
  };
}

export function compileStagePath(path: string, index: number): StagePattern {
  return isGlobPath(path) ? globPattern(path, index) : plainPattern(path, index);
}

/** The first of a stage's compiled paths that holds `file`, with its place. */
export function placeIn(patterns: StagePattern[], file: string): (FilePlace & { pattern: StagePattern }) | undefined {
  for (const pattern of patterns) {
    const place = pattern.match(file);
    if (place) return { ...place, pattern };
  }
  return undefined;
}

/** Whether `relative` (a path inside a stage root) lies in a dot-folder such as `.chainsaw-test/`. */
export function inDotFolder(relative: string): boolean {
  const last = relative.lastIndexOf('/');
  if (last === -1) return false;
  const folders = relative.slice(0, last);
  return folders.startsWith('.') || folders.includes('/.');
}
