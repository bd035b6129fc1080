// RepoFiles at a revision of the local repository, read from git objects (read-only): `verify` and soak never check out.
// Blobs are asked for by object id, never by path: a path may hold a newline (which would split a `cat-file --batch`
// line and shift every later blob onto the wrong file), and every answer must name the object asked for.
import { spawn } from 'node:child_process';
import { StagecoachError } from '../core/errors.js';
import {
  checkFolderPath,
  checkRelativePath,
  decodeUtf8,
  FileNotFoundError,
  MissingFolderError,
  OutsideRepoError,
  parentFolders,
  ReadOnlyFilesError,
  type RepoFiles,
} from './repo-files.js';

export class GitError extends StagecoachError {
  readonly kind = 'failure';
  constructor(command: string, stderr: string) {
    super(`git ${command} failed: ${stderr.trim() || 'no message'}`);
  }
}

/** Runs git with `args` and literal pathspecs in the repository; returns its stdout (a GitError on failure). */
export type GitRunner = (args: string[]) => Promise<string>;

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  path: string;
}

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const REGULAR = /^100(644|664|755)$/;

/** `git ls-tree -z` output: `<mode> <type> <object>\t<path>\0` per entry. */
function parseTree(out: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of out.split('\0')) {
    if (record === '') continue;
    const match = /^(\d{6}) (\w+) ([0-9a-f]+)\t([\s\S]*)$/.exec(record);
    if (!match) throw new GitError('ls-tree', `unexpected output ${JSON.stringify(record.slice(0, 80))}`);
    entries.push({ mode: match[1], type: match[2], oid: match[3], path: match[4] });
  }
  return entries;
}

/** Reads blobs by object id with one `git cat-file --batch`; fails closed unless each answer is the blob asked for. */
export function catFileBlobs(cwd: string, oids: string[]): Promise<Map<string, Buffer>> {
  const bad = oids.find((oid) => !OBJECT_ID.test(oid));
  if (bad !== undefined) return Promise.reject(new GitError('cat-file', `not an object id: ${JSON.stringify(bad)}`));
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new GitError('cat-file', stderr));
      try {
        resolve(parseBatch(Buffer.concat(chunks), oids));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.on('error', () => {}); // a git that died early is reported by 'close'
    child.stdin.end(oids.map((oid) => `${oid}\n`).join(''));
  });
}

/** `<oid> <type> <size>\n<content>\n` per object, in the order asked. */
function parseBatch(out: Buffer, oids: string[]): Map<string, Buffer> {
  const blobs = new Map<string, Buffer>();
  let offset = 0;
  for (const oid of oids) {
    const newline = out.indexOf(10, offset);
    const header = newline < 0 ? '' : out.toString('latin1', offset, newline);
    const match = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
    if (!match || match[1] !== oid || match[2] !== 'blob')
      throw new GitError('cat-file', `asked for blob ${oid}, got ${JSON.stringify(header.slice(0, 100))}`);
    const size = Number(match[3]);
    const start = newline + 1;
    if (start + size + 1 > out.length || out[start + size] !== 10)
      throw new GitError('cat-file', `the answer for ${oid} is cut short`);
    blobs.set(oid, out.subarray(start, start + size));
    offset = start + size + 1;
  }
  if (offset !== out.length) throw new GitError('cat-file', 'more objects came back than were asked for');
  return blobs;
}

/** One revision's reader: how to run git, where, which commit, and the texts read (or being read) so far. */
interface Revision {
  git: GitRunner;
  cwd: string;
  /** "at <revision>", for messages. */
  where: string;
  commit: () => Promise<string>;
  texts: Map<string, Promise<string>>;
}

/** The files of `revision` (named in errors; `commit` resolves it), read from git objects (read-only). */
export function createGitFiles(
  git: GitRunner,
  cwd: string,
  revision: string,
  commit: () => Promise<string>,
): RepoFiles {
  const rev: Revision = { git, cwd, where: `at ${revision}`, commit, texts: new Map() };
  return {
    list: (dir) => list(rev, dir),
    async links(dir) {
      const relative = checkFolderPath(dir);
      const out = await git(['ls-tree', '-r', '-z', await commit(), '--', relative || '.']);
      return parseTree(out)
        .filter((entry) => entry.mode === '120000')
        .map((entry) => entry.path)
        .sort();
    },
    async read(file) {
      const cached = rev.texts.get(checkRelativePath(file));
      if (cached) return cached;
      const entry = await regularFile(rev, file);
      if (!rev.texts.has(entry.path)) load(rev, [entry]);
      return rev.texts.get(entry.path) as Promise<string>;
    },
    async mode(file) {
      return (await regularFile(rev, file)).mode === '100755' ? '100755' : '100644';
    },
    async writeAll(files) {
      throw new ReadOnlyFilesError(Object.keys(files)[0] ?? '(no file)', `revision ${revision}`);
    },
  };
}

/** The entries at exactly `paths`. */
async function entriesAt(rev: Revision, paths: string[]): Promise<Map<string, TreeEntry>> {
  const out = await rev.git(['ls-tree', '-z', await rev.commit(), '--', ...paths]);
  return new Map(parseTree(out).map((entry) => [entry.path, entry]));
}

/** OutsideRepoError when a folder on the way to `file` is a symlink in the commit. */
async function refuseLinkedFolder(rev: Revision, file: string): Promise<void> {
  const folders = parentFolders(file);
  if (folders.length === 0) return;
  const entries = await entriesAt(rev, folders);
  const linked = folders.find((folder) => entries.get(folder)?.mode === '120000');
  if (linked) throw new OutsideRepoError(file, `the folder ${linked} is a symlink, which Stagecoach does not follow`);
}

/** The blob of a regular file at `file`, or the contract's error. */
async function regularFile(rev: Revision, file: string): Promise<TreeEntry> {
  const relative = checkRelativePath(file);
  const entry = (await entriesAt(rev, [relative])).get(relative);
  if (!entry) {
    await refuseLinkedFolder(rev, relative);
    throw new FileNotFoundError(relative, rev.where);
  }
  if (entry.mode === '120000')
    throw new OutsideRepoError(relative, 'it is a symlink, which Stagecoach does not follow');
  if (!REGULAR.test(entry.mode)) throw new FileNotFoundError(relative, rev.where, entry.type === 'tree');
  return entry;
}

function load(rev: Revision, entries: TreeEntry[]): void {
  const batch = catFileBlobs(
    rev.cwd,
    entries.map((entry) => entry.oid),
  );
  for (const entry of entries) {
    const text = batch.then((blobs) => decodeUtf8(entry.path, blobs.get(entry.oid) as Buffer));
    text.catch(() => {}); // a file that is never read must not surface as an unhandled rejection
    rev.texts.set(entry.path, text);
  }
}

async function list(rev: Revision, dir: string): Promise<string[]> {
  const relative = checkFolderPath(dir);
  if (relative) {
    const entry = (await entriesAt(rev, [relative])).get(relative);
    if (entry?.mode === '120000') throw new OutsideRepoError(relative, 'the folder is reached through a symlink');
    if (!entry) await refuseLinkedFolder(rev, relative);
    if (entry?.type !== 'tree') throw new MissingFolderError(relative);
  }
  const out = await rev.git(['ls-tree', '-r', '-z', await rev.commit(), '--', relative || '.']);
  // Regular files only: a symlink (120000) or submodule (160000) is never followed.
  const files = parseTree(out).filter((entry) => entry.type === 'blob' && REGULAR.test(entry.mode));
  // One batch read for the whole folder: the scan reads every listed file next.
  load(
    rev,
    files.filter((entry) => !rev.texts.has(entry.path)),
  );
  return files.map((entry) => entry.path).sort();
}
