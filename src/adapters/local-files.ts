// RepoFiles over a local working tree. Every path is checked to stay inside the root, symlinks included.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RepoFiles } from './repo-files.js';

export class OutsideRepoError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
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

/** A stage folder that does not exist: almost always a typo in the stage's paths. */
export class MissingFolderError extends Error {
  constructor(readonly folder: string) {
    super(`${folder}: no such folder in the config repository; check the stage's paths`);
    this.name = 'MissingFolderError';
  }
}

export function createLocalFiles(root: string): RepoFiles {
  const realRoot = realpathSync(root);
  const inside = (real: string) => real === realRoot || real.startsWith(realRoot + path.sep);
  // Regular files that list() reached through real folders only: safe to read without resolving links again.
  const listed = new Set<string>();

  /** The absolute path of a repo-relative file, checked to stay inside the repo whatever links lie on the way. */
  function resolve(file: string): string {
    const relative = checkRelativePath(file);
    const absolute = path.join(realRoot, relative);
    if (!existsSync(absolute)) return absolute;
    const real = realpathSync(absolute);
    if (!inside(real)) throw new OutsideRepoError(file, 'it is a symlink that leads out of the repository');
    return real;
  }

  /** Writes go to regular files only, never through a link (which could belong to another stage). */
  function resolveForWrite(file: string): string {
    const target = resolve(file);
    if (
      existsSync(path.join(realRoot, checkRelativePath(file))) &&
      lstatSync(path.join(realRoot, checkRelativePath(file))).isSymbolicLink()
    ) {
      throw new OutsideRepoError(file, 'it is a symlink; Stagecoach writes regular files only');
    }
    return target;
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
      // Symlinks are neither listed nor followed: a link shared by two stages would let a promotion of one rewrite the
      // other, and git objects (verify, the API) see a link, not its target.
    }
  }

  return {
    async list(dir) {
      const base = resolve(dir);
      if (!existsSync(base) || !lstatSync(base).isDirectory()) throw new MissingFolderError(dir);
      if (base !== path.join(realRoot, checkRelativePath(dir)))
        throw new OutsideRepoError(dir, 'the folder is reached through a symlink');
      const out: string[] = [];
      walk(base, checkRelativePath(dir), out);
      return out.sort();
    },
    async read(file) {
      return readFileSync(listed.has(file) ? path.join(realRoot, file) : resolve(file), 'utf8');
    },
    async mode(file) {
      // Git records only the owner's execute bit (core.fileMode).
      return statSync(listed.has(file) ? path.join(realRoot, file) : resolve(file)).mode & 0o100 ? '100755' : '100644';
    },
    async write(file, content) {
      const target = listed.has(file) ? path.join(realRoot, file) : resolveForWrite(file);
      if (!existsSync(target)) throw new Error(`${file}: no such file; Stagecoach rewrites existing files only`);
      writeFileSync(target, content);
    },
  };
}
