// RepoFiles over a local working tree. Every path is checked to stay inside the root, symlinks included.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkRelativePath,
  FileNotFoundError,
  MissingFolderError,
  OutsideRepoError,
  type RepoFiles,
} from './repo-files.js';

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

  /** The absolute path of an existing regular file (the contract's FileNotFoundError otherwise). */
  function regularFile(file: string): string {
    if (listed.has(file)) return path.join(realRoot, file);
    const absolute = resolve(file);
    const stat = existsSync(absolute) ? statSync(absolute) : undefined;
    if (!stat?.isFile())
      throw new FileNotFoundError(checkRelativePath(file), 'in the config repository', stat?.isDirectory());
    return absolute;
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
      return readFileSync(regularFile(file), 'utf8');
    },
    async mode(file) {
      // Git records only the owner's execute bit (core.fileMode).
      return statSync(regularFile(file)).mode & 0o100 ? '100755' : '100644';
    },
    async write(file, content) {
      const target = listed.has(file) ? path.join(realRoot, file) : resolveForWrite(file);
      if (!existsSync(target) || !statSync(target).isFile()) throw new FileNotFoundError(checkRelativePath(file));
      writeFileSync(target, content);
    },
  };
}
