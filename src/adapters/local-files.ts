// RepoFiles over a local working tree. Every path is checked to stay inside the root, symlinks included.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RepoFiles } from './repo-files.js';

export class OutsideRepoError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}; Stagecoach only reads and writes files inside the config repository`);
    this.name = 'OutsideRepoError';
  }
}

/** Rejects absolute paths, `..` segments and backslashes before anything touches the disk. */
export function checkRelativePath(file: string): string {
  const normal = path.posix.normalize(file.replace(/^\.\//, ''));
  if (file === '' || path.posix.isAbsolute(file) || /^[a-zA-Z]:/.test(file) || file.includes('\\'))
    throw new OutsideRepoError(file, 'expected a path relative to the repository root, with / separators');
  if (normal === '..' || normal.startsWith('../') || file.split('/').includes('..'))
    throw new OutsideRepoError(file, 'the path climbs out with ..');
  return normal === '.' ? '' : normal;
}

export function createLocalFiles(root: string): RepoFiles {
  const realRoot = realpathSync(root);
  const inside = (real: string) => real === realRoot || real.startsWith(realRoot + path.sep);
  // Regular files that list() reached through real folders only: safe to read without resolving links again.
  const listed = new Set<string>();

  /** The absolute path of a repo-relative file, after following every symlink on the way. */
  function resolve(file: string): string {
    const relative = checkRelativePath(file);
    const absolute = path.join(realRoot, relative);
    if (!existsSync(absolute)) return absolute;
    const real = realpathSync(absolute);
    if (!inside(real)) throw new OutsideRepoError(file, 'it is a symlink that leads out of the repository');
    return real;
  }

  function walk(dirAbsolute: string, dirRelative: string, out: string[]): void {
    for (const entry of readdirSync(dirAbsolute, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const relative = dirRelative ? `${dirRelative}/${entry.name}` : entry.name;
      const absolute = path.join(dirAbsolute, entry.name);
      if (entry.isDirectory()) walk(absolute, relative, out);
      else if (entry.isFile()) {
        out.push(relative);
        listed.add(relative);
      }
      else if (entry.isSymbolicLink()) {
        // A link inside the repo is read like its target; one leading out is not listed at all.
        const real = existsSync(absolute) ? realpathSync(absolute) : undefined;
        if (real && inside(real) && lstatSync(real).isFile()) out.push(relative);
      }
    }
  }

  return {
    async list(dir) {
      const base = resolve(dir);
      if (!existsSync(base) || !lstatSync(base).isDirectory()) return [];
      const out: string[] = [];
      walk(base, checkRelativePath(dir), out);
      return out.sort();
    },
    async read(file) {
      return readFileSync(listed.has(file) ? path.join(realRoot, file) : resolve(file), 'utf8');
    },
    async write(file, content) {
      const target = resolve(file);
      if (!existsSync(target)) throw new Error(`${file}: no such file; Stagecoach rewrites existing files only`);
      writeFileSync(target, content);
    },
  };
}
