// The files of a config repo, confined to its root: a local working tree (local-files), a commit of the local repository
// (git filesAt) or a commit read over the GitHub API (github-files). Every implementation passes the same contract test
// (__tests__/adapters/repo-files-contract.test.ts) and reports each failure below with the same type.
import path from 'node:path';
import { StagecoachError } from '../core/errors.js';

export type FileMode = '100644' | '100755';

export interface RepoFiles {
  /** Repo-relative `/`-separated paths of every regular file under `dir` (recursive, sorted; symlinks are not files).
   *  `''` or `.` is the whole repository. Throws MissingFolderError when `dir` is no folder of the repository. */
  list(dir: string): Promise<string[]>;
  /** UTF-8 text of a repo-relative file. Throws FileNotFoundError when there is no regular file at `path`. */
  read(path: string): Promise<string>;
  /** Git's mode of a regular file: `100755` when executable (kept when a promotion commits it over the API).
   *  Throws FileNotFoundError like `read`. */
  mode(path: string): Promise<FileMode>;
  /** Replaces a repo-relative file's content (the file must exist inside the repo). Read-only views (a commit)
   *  throw ReadOnlyFilesError. */
  write(path: string, content: string): Promise<void>;
}

/** A path that leads out of the repository: absolute, `..`, or a symlink. Every method throws it before any I/O. */
export class OutsideRepoError extends StagecoachError {
  readonly kind = 'usage';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}; Stagecoach only reads and writes files inside the config repository`);
  }
}

/** A stage folder that does not exist: almost always a typo in the stage's paths. */
export class MissingFolderError extends StagecoachError {
  readonly kind = 'usage';
  constructor(readonly folder: string) {
    super(`${folder}: no such folder in the config repository; check the stage's paths`);
  }
}

/** No regular file at the path: absent, or a folder (`isFolder`). `where` names the commit for views of one. */
export class FileNotFoundError extends StagecoachError {
  readonly kind = 'usage';
  constructor(
    readonly file: string,
    where = 'in the config repository',
    readonly isFolder = false,
  ) {
    super(`${file}: ${isFolder ? 'a folder, not a file,' : 'no such file'} ${where}`);
  }
}

/** A write to a view that cannot be written (a commit): a bug in the caller, never a user's mistake. */
export class ReadOnlyFilesError extends StagecoachError {
  readonly kind = 'failure';
  constructor(file: string, what: string) {
    super(`${file}: ${what} is read-only; the promotion is committed by the pull request step`);
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

/** `list('')` and `list('.')` both mean the whole repository. */
export function checkFolderPath(dir: string): string {
  return dir === '' || dir === '.' ? '' : checkRelativePath(dir);
}
