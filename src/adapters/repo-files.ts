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
  /** The symlinks under `dir` (sorted; none when it is no folder: list() says so), never read nor followed: listed so
   *  that a scan can say so. */
  links(dir: string): Promise<string[]>;
  /** UTF-8 text of a repo-relative file, byte for byte (a BOM is kept). Throws FileNotFoundError when there is no
   *  regular file at `path`, OutsideRepoError when a symlink is on the way, NotUtf8Error when the bytes are not UTF-8. */
  read(path: string): Promise<string>;
  /** Git's mode of a regular file: `100755` when executable (kept when a promotion commits it over the API).
   *  Throws FileNotFoundError like `read`. */
  mode(path: string): Promise<FileMode>;
  /** Replaces existing regular files, all or nothing: either every file holds its new text or none changed (then a
   *  WriteError names the file that failed). Read-only views (a commit) throw ReadOnlyFilesError. */
  writeAll(files: Record<string, string>): Promise<void>;
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

/** Bytes that are not UTF-8 (a Latin-1 `é`): such a file is skipped, never rewritten, so no byte of it can change. */
export class NotUtf8Error extends StagecoachError {
  readonly kind = 'usage';
  constructor(
    readonly file: string,
    /** 1-based line of the first byte that is not UTF-8. */
    readonly line: number,
  ) {
    super(`${file}:${line}: not UTF-8 text (save the file as UTF-8 to let Stagecoach edit it)`);
  }
}

/** A write to a view that cannot be written (a commit): a bug in the caller, never a user's mistake. */
export class ReadOnlyFilesError extends StagecoachError {
  readonly kind = 'failure';
  constructor(file: string, what: string) {
    super(`${file}: ${what} is read-only; the promotion is committed by the pull request step`);
  }
}

/** A write that failed: what was written and what was not (all or nothing: `written` is empty unless a restore failed). */
export class WriteError extends StagecoachError {
  readonly kind = 'failure';
  constructor(
    readonly file: string,
    reason: string,
    readonly written: string[],
    readonly notWritten: string[],
  ) {
    const done = written.length === 0 ? 'no file was changed' : `written anyway: ${written.join(', ')}`;
    super(`${file}: cannot write it (${reason}); ${done}; not written: ${notWritten.join(', ')}`);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `bytes`, or NotUtf8Error naming the line of the first invalid byte; never a U+FFFD in place of a byte. */
export function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    for (let index = 0; index < at; index += 1) if (bytes[index] === 10) line += 1;
    throw new NotUtf8Error(file, line);
  }
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence (Unicode 15, table 3-7), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let index = 0; index < bytes.length;) {
    const form = utf8Form(bytes[index]);
    if (!form) return index;
    const [size, low, high] = form;
    if (size > 1 && !(bytes[index + 1] >= low && bytes[index + 1] <= high)) return index;
    for (let next = 2; next < size; next += 1)
      if (!(bytes[index + next] >= 0x80 && bytes[index + next] <= 0xbf)) return index;
    index += size;
  }
  return -1;
}

/** A lead byte's sequence length and the range of its second byte; undefined for a byte that cannot lead. */
function utf8Form(lead: number): [number, number, number] | undefined {
  if (lead < 0x80) return [1, 0, 0];
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead === 0xed) return [3, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];
  return undefined;
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
  return dir === '' || dir === '.' ? '' : checkRelativePath(dir).replace(/\/+$/, '');
}

/** The folders on the way to `file` (`a/b/c.yaml` → `a`, `a/b`): where a symlink would lead the path elsewhere. */
export function parentFolders(file: string): string[] {
  const parts = file.split('/');
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join('/'));
}
