// RepoFiles over a local working tree. No path leads out of the root: `..` is refused and no symlink is followed, neither
// a file nor a folder on the way. Writes are atomic and all or nothing (temporary file, fsync, rename).
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { uninterruptible } from './interrupts.js';
import {
  checkFolderPath,
  checkRelativePath,
  decodeUtf8,
  FileNotFoundError,
  MissingFolderError,
  OutsideRepoError,
  parentFolders,
  type RepoFiles,
  WriteError,
} from './repo-files.js';

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

function lstatOrUndefined(absolute: string): Stats | undefined {
  try {
    return lstatSync(absolute);
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

/** One working tree's state. */
interface Tree {
  realRoot: string;
  /** What each file held when it was read: a write refuses a file someone changed since (the change would be lost). */
  readDigests: Map<string, string>;
  /** Folders seen to be real folders (not links) by list() or a read: reads skip the lstat of each (a scan reads
   *  thousands of files). Writes check every folder again. */
  realFolders: Set<string>;
}

export function createLocalFiles(root: string): RepoFiles {
  const tree: Tree = { realRoot: realpathSync(root), readDigests: new Map(), realFolders: new Set(['']) };
  // A scan asks for a folder's links, then its files: one walk answers both, the other half kept for the next call.
  const half = { files: new Map<string, string[]>(), links: new Map<string, string[]>() };
  const walked = (relative: string, absolute: string, want: 'files' | 'links'): string[] => {
    const kept = half[want].get(relative);
    half[want].delete(relative);
    if (kept) return kept;
    const found = { files: [] as string[], links: [] as string[] };
    walk(tree, absolute, relative, found.files, found.links);
    const other = want === 'files' ? 'links' : 'files';
    half[other].set(relative, found[other].sort());
    return found[want].sort();
  };
  return {
    async list(dir) {
      const { relative, absolute, stat } = folder(tree, dir);
      if (!stat?.isDirectory()) throw new MissingFolderError(relative);
      tree.realFolders.add(relative);
      return walked(relative, absolute, 'files');
    },
    async links(dir) {
      const { relative, absolute, stat } = folder(tree, dir);
      if (!stat?.isDirectory()) return [];
      return walked(relative, absolute, 'links');
    },
    async read(file) {
      const relative = checkRelativePath(file);
      if (!foldersOnTheWay(tree, file, relative, true)) throw new FileNotFoundError(relative);
      const bytes = readRegular(tree, file, relative);
      tree.readDigests.set(relative, digest(bytes));
      return decodeUtf8(relative, bytes);
    },
    async mode(file) {
      // Git records only the owner's execute bit (core.fileMode).
      return regularFile(tree, file).stat.mode & 0o100 ? '100755' : '100644';
    },
    writeAll: (files) => writeAll(tree, files),
  };
}

function symlinkError(tree: Tree, file: string, absolute: string, what: string): OutsideRepoError {
  const { realRoot } = tree;
  let target = '';
  try {
    target = path.resolve(path.dirname(absolute), readlinkSync(absolute));
  } catch {
    // Gone meanwhile: still a link when it was looked at.
  }
  const inside = target === realRoot || target.startsWith(realRoot + path.sep);
  return new OutsideRepoError(
    file,
    inside
      ? `${what} is a symlink; Stagecoach reads and writes regular files only`
      : `${what} is a symlink that leads out of the repository`,
  );
}

/** OutsideRepoError when a folder on the way to `relative` is a symlink; false when one does not exist. */
function foldersOnTheWay(tree: Tree, file: string, relative: string, trustSeen: boolean): boolean {
  const { realRoot, realFolders } = tree;
  // A folder is only ever added after every folder above it was: the file's own folder vouches for the whole way.
  if (trustSeen && realFolders.has(path.posix.dirname(relative).replace(/^\.$/, ''))) return true;
  for (const folder of parentFolders(relative)) {
    if (trustSeen && realFolders.has(folder)) continue;
    const stat = lstatOrUndefined(path.join(realRoot, folder));
    if (stat?.isSymbolicLink()) throw symlinkError(tree, file, path.join(realRoot, folder), `the folder ${folder}`);
    if (!stat?.isDirectory()) return false;
    realFolders.add(folder);
  }
  return true;
}

/** The absolute path and lstat of a repo-relative path, no symlink on the way (OutsideRepoError otherwise). */
function locate(tree: Tree, file: string, relative: string): { absolute: string; stat: Stats | undefined } {
  const absolute = path.join(tree.realRoot, relative);
  if (!foldersOnTheWay(tree, file, relative, false)) return { absolute, stat: undefined };
  const stat = lstatOrUndefined(absolute);
  if (stat?.isSymbolicLink()) throw symlinkError(tree, file, absolute, 'it');
  return { absolute, stat };
}

/** A folder to list: the root, or a checked path with no symlink on the way. */
function folder(tree: Tree, dir: string): { relative: string; absolute: string; stat: Stats | undefined } {
  const relative = checkFolderPath(dir);
  const { absolute, stat } = relative
    ? locate(tree, dir, relative)
    : { absolute: tree.realRoot, stat: lstatSync(tree.realRoot) };
  return { relative, absolute, stat };
}

/** An existing regular file (the contract's FileNotFoundError otherwise). */
function regularFile(tree: Tree, file: string): { relative: string; absolute: string; stat: Stats } {
  const relative = checkRelativePath(file);
  const { absolute, stat } = locate(tree, file, relative);
  if (!stat?.isFile()) throw new FileNotFoundError(relative, 'in the config repository', stat?.isDirectory());
  return { relative, absolute, stat };
}

function walk(tree: Tree, dirAbsolute: string, dirRelative: string, out: string[], links: string[] = []): void {
  for (const entry of readdirSync(dirAbsolute, { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    const relative = dirRelative ? `${dirRelative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      tree.realFolders.add(relative);
      walk(tree, path.join(dirAbsolute, entry.name), relative, out, links);
    } else if (entry.isFile()) out.push(relative);
    else if (entry.isSymbolicLink()) links.push(relative);
    // Symlinks are neither listed nor followed: a link shared by two stages would let a promotion of one rewrite the
    // other, and git objects (verify, the API) see a link, not its target.
  }
}

/** The bytes of a regular file; O_NOFOLLOW: a link at the path is refused, never followed (even one put there since
 *  the file was listed). */
function readRegular(tree: Tree, file: string, relative: string): Buffer {
  const absolute = path.join(tree.realRoot, relative);
  let fd: number | undefined;
  try {
    fd = openSync(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
    return readFileSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw symlinkError(tree, file, absolute, 'it');
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR')
      throw new FileNotFoundError(relative, 'in the config repository', code === 'EISDIR');
    throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function writeAll(tree: Tree, files: Record<string, string>): Promise<void> {
  // Every target is checked before anything is written: a refusal changes nothing.
  const targets = Object.entries(files).map(([file, text]) => {
    const { relative, absolute, stat } = regularFile(tree, file);
    return { relative, absolute, stat, bytes: Buffer.from(text, 'utf8') };
  });
  const names = targets.map((target) => target.relative);
  for (const target of targets) {
    const problem = writeProblem(target.absolute, tree.readDigests.get(target.relative));
    if (problem) throw new WriteError(target.relative, problem, [], names);
  }
  await uninterruptible(() => replaceAll(targets, names));
  for (const target of targets) tree.readDigests.set(target.relative, digest(target.bytes));
}

/** Why a file cannot be replaced (read-only, changed since it was read), or undefined. */
function writeProblem(absolute: string, readDigest: string | undefined): string | undefined {
  try {
    accessSync(absolute, constants.W_OK);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EROFS'
      ? 'it is on a read-only file system'
      : 'the file is read-only';
  }
  if (readDigest !== undefined && digest(readFileSync(absolute)) !== readDigest)
    return 'it changed since Stagecoach read it; run the promotion again';
  return undefined;
}

interface Target {
  relative: string;
  absolute: string;
  stat: Stats;
  bytes: Buffer;
}

/** A hidden name beside `absolute` that no scan selects and no second run reuses. */
function sidePath(absolute: string, suffix: string): string {
  return path.join(path.dirname(absolute), `.${path.basename(absolute)}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/**
 * 1. the new text of every file goes to a temporary file beside it, flushed to disk (a full disk or a read-only folder
 *    fails here, before any target changed); 2. each original is kept under a hard link, and the temporary file is renamed
 *    over the target (atomic: a kill leaves the old or the new file, never half of one; a symlink put there meanwhile is
 *    replaced, not written through); 3. on a failed rename the originals are renamed back.
 */
function replaceAll(targets: Target[], names: string[]): void {
  const temps: string[] = [];
  const backups: (string | undefined)[] = [];
  const remove = (files: (string | undefined)[]) => {
    for (const file of files) if (file) rmSync(file, { force: true });
  };
  for (const target of targets) {
    try {
      temps.push(writeTemporary(target));
    } catch (error) {
      remove(temps);
      throw new WriteError(target.relative, (error as Error).message, [], names);
    }
  }
  let renamed = 0;
  try {
    for (const [index, target] of targets.entries()) {
      backups.push(keepOriginal(target.absolute));
      renameSync(temps[index], target.absolute);
      renamed += 1;
    }
  } catch (error) {
    const failed = targets[renamed];
    const notRestored = restore(targets.slice(0, renamed), backups);
    remove([...temps.slice(renamed), ...backups]);
    throw new WriteError(
      failed.relative,
      (error as Error).message,
      notRestored,
      names.filter((name) => !notRestored.includes(name)),
    );
  }
  syncFolders(targets);
  remove(backups);
}

function writeTemporary(target: Target): string {
  const temp = sidePath(target.absolute, 'stagecoach-tmp');
  const fd = openSync(temp, 'wx', 0o600);
  try {
    for (let offset = 0; offset < target.bytes.length;)
      offset += writeSync(fd, target.bytes, offset, target.bytes.length - offset);
    fchmodSync(fd, target.stat.mode & 0o7777);
    // As root the new file would belong to root: keep the owner (best effort; others cannot chown).
    if (process.getuid?.() === 0) fchownSync(fd, target.stat.uid, target.stat.gid);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** A second name for the original (a hard link: no new data blocks on a full disk), or a copy where links fail. */
function keepOriginal(absolute: string): string {
  const backup = sidePath(absolute, 'stagecoach-orig');
  try {
    linkSync(absolute, backup);
  } catch {
    copyFileSync(absolute, backup, constants.COPYFILE_EXCL);
  }
  return backup;
}

/** Renames the originals back; returns the files it could not restore (they hold the new text). */
function restore(renamed: Target[], backups: (string | undefined)[]): string[] {
  const failed: string[] = [];
  for (const [index, target] of renamed.entries()) {
    try {
      renameSync(backups[index] as string, target.absolute);
      backups[index] = undefined;
    } catch {
      failed.push(target.relative);
    }
  }
  return failed;
}

/** fsync each changed folder, so that the renames themselves survive a power loss. */
function syncFolders(targets: Target[]): void {
  for (const folder of new Set(targets.map((target) => path.dirname(target.absolute)))) {
    try {
      const fd = openSync(folder, constants.O_RDONLY);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      // Some file systems refuse to fsync a folder; the renames are done either way.
    }
  }
}
