// Read-only RepoFiles over the GitHub API at one commit, for runs without a checkout: one tree read, texts in GraphQL batches.
import { createHash } from 'node:crypto';
import type { BlobText, GitHubTreeReader, RepoRef, TreeEntry } from './github/index.js';
import {
  checkFolderPath,
  checkRelativePath,
  FileNotFoundError,
  MissingFolderError,
  NotUtf8Error,
  OutsideRepoError,
  parentFolders,
  ReadOnlyFilesError,
  type FileMode,
  type RepoFiles,
} from './repo-files.js';

/** GitHub's node limit allows far more, but ~100 aliased blobs keep one response a few MB at most. */
export const BATCH_SIZE = 100;

/**
 * The text only if it is exactly the blob's bytes: GitHub decodes a blob that is not UTF-8 with replacement characters
 * (or transcodes it), and a rewrite of such a text would change bytes nobody planned to change.
 */
function exactText(path: string, oid: string, text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const sha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
  if (oid.length === 40 && sha !== oid) {
    const before = text.slice(0, Math.max(0, text.indexOf('\uFFFD')));
    throw new NotUtf8Error(path, before.split('\n').length);
  }
  return text;
}

export interface GitHubFiles extends RepoFiles {
  /** Takes texts already read at this commit (with a snapshot query), so reading them costs no request. */
  seed(files: ReadonlyMap<string, BlobText>): void;
}

/** A commit's regular files (no symlinks, no submodules), read lazily and cached. */
export function createGitHubFiles(github: GitHubTreeReader, repo: RepoRef, commit: string): GitHubFiles {
  const where = `at ${commit.slice(0, 12)} in ${repo.owner}/${repo.repo}`;
  let blobs: Promise<Map<string, TreeEntry>> | undefined;
  /** Every folder of the commit, so that list() of a missing one fails as it does on disk. */
  const folders = new Set<string>(['']);
  const symlinks = new Set<string>();
  const texts = new Map<string, Promise<string>>();
  /** Files in the order list() returned them: reads usually follow it, so a miss prefetches the next ones. */
  const order: string[] = [];
  const position = new Map<string, number>();

  async function readAllBlobs(): Promise<Map<string, TreeEntry>> {
    const files = new Map<string, TreeEntry>();
    // A symlink's target is only known by reading it; none is followed, so none can lead outside the repo.
    const keep = (entry: TreeEntry, prefix: string) => {
      if (entry.type !== 'blob') return;
      if (entry.mode === '120000') symlinks.add(prefix + entry.path);
      else {
        files.set(prefix + entry.path, entry);
        const parts = (prefix + entry.path).split('/');
        for (let end = 1; end < parts.length; end += 1) folders.add(parts.slice(0, end).join('/'));
      }
    };
    const walk = async (treeish: string, prefix: string): Promise<void> => {
      const { entries, truncated } = await github.readTree(repo, treeish, true);
      if (!truncated) {
        for (const entry of entries) keep(entry, prefix);
        return;
      }
      // GitHub cuts recursive listings (100,000 entries / 7 MB): descend one level at a time instead.
      const { entries: top } = await github.readTree(repo, treeish, false);
      for (const entry of top) {
        if (entry.type === 'blob') keep(entry, prefix);
        else if (entry.type === 'tree') await walk(entry.sha, `${prefix}${entry.path}/`);
      }
    };
    await walk(commit, '');
    return files;
  }

  const allBlobs = () => (blobs ??= readAllBlobs());

  /** The tree entry of a regular file at `file`, or the contract's error. */
  async function regularFile(file: string): Promise<TreeEntry> {
    const entry = (await allBlobs()).get(file);
    if (entry) return entry;
    if (symlinks.has(file))
      throw new OutsideRepoError(file, 'it is a symlink, which Stagecoach does not follow over the API');
    const linked = parentFolders(file).find((folder) => symlinks.has(folder));
    if (linked) throw new OutsideRepoError(file, `the folder ${linked} is a symlink, which Stagecoach does not follow`);
    throw new FileNotFoundError(file, where, folders.has(file));
  }

  async function fetchBatch(paths: string[]): Promise<void> {
    const [found, entries] = await Promise.all([github.readTexts(repo, commit, paths), allBlobs()]);
    for (const path of paths) {
      const blob = found.get(path);
      const settle = deferreds.get(path);
      deferreds.delete(path);
      if (!settle) continue;
      // The tree listed the file: a path GraphQL cannot resolve (a newline in its name) is read by its blob id.
      const oid = blob?.oid ?? entries.get(path)?.sha;
      const text = blob?.binary ? undefined : blob?.text;
      if (!oid) settle.reject(new FileNotFoundError(path, where));
      else if (text !== undefined)
        new Promise<string>((resolve) => resolve(exactText(path, oid, text))).then(settle.resolve, settle.reject);
      // Binary (a NUL byte) or too big for GraphQL's text field: the blob endpoint, checked byte for byte the same way.
      else
        github
          .readBlob(repo, oid)
          .then((text) => exactText(path, oid, text))
          .then(settle.resolve, settle.reject);
    }
  }

  const deferreds = new Map<string, { resolve: (text: string) => void; reject: (error: Error) => void }>();

  function load(paths: string[]): void {
    for (const path of paths) {
      texts.set(
        path,
        new Promise<string>((resolve, reject) => {
          deferreds.set(path, { resolve, reject });
        }),
      );
      // Unobserved prefetches must not surface as unhandled rejections.
      texts.get(path)?.catch(() => {});
    }
    fetchBatch(paths).catch((error: Error) => {
      for (const path of paths) {
        deferreds.get(path)?.reject(error);
        deferreds.delete(path);
      }
    });
  }

  return {
    seed(files: ReadonlyMap<string, BlobText>): void {
      for (const [path, blob] of files) {
        // Only plain texts: a binary or oversized blob takes the ordinary path and its error or fallback.
        if (blob.text === undefined || blob.binary) continue;
        const file = checkRelativePath(path);
        if (texts.has(file)) continue;
        const text = blob.text;
        const exact = new Promise<string>((resolve) => resolve(blob.oid ? exactText(file, blob.oid, text) : text));
        exact.catch(() => {}); // an unread seed must not surface as an unhandled rejection
        texts.set(file, exact);
      }
    },

    async list(dir: string): Promise<string[]> {
      const root = checkFolderPath(dir);
      const blobs = await allBlobs();
      if (!folders.has(root)) {
        const linked = [...parentFolders(root), root].find((folder) => symlinks.has(folder));
        if (linked) throw new OutsideRepoError(root, 'the folder is reached through a symlink');
        throw new MissingFolderError(root);
      }
      const files = [...blobs.keys()].filter((path) => root === '' || path.startsWith(`${root}/`)).sort();
      for (const file of files) {
        if (position.has(file)) continue;
        position.set(file, order.length);
        order.push(file);
      }
      return files;
    },

    async links(dir: string): Promise<string[]> {
      const root = checkFolderPath(dir);
      await allBlobs();
      return [...symlinks].filter((path) => root === '' || path.startsWith(`${root}/`)).sort();
    },

    async read(path: string): Promise<string> {
      const file = checkRelativePath(path);
      const cached = texts.get(file);
      if (cached) return cached;
      await regularFile(file);
      if (!texts.has(file)) {
        const start = position.get(file);
        const batch = [file];
        if (start !== undefined) {
          for (let index = start + 1; index < order.length && batch.length < BATCH_SIZE; index += 1) {
            if (!texts.has(order[index])) batch.push(order[index]);
          }
        }
        load(batch);
      }
      return texts.get(file) as Promise<string>;
    },

    async mode(path: string): Promise<FileMode> {
      const entry = await regularFile(checkRelativePath(path));
      return entry.mode === '100755' ? '100755' : '100644';
    },

    async writeAll(files: Record<string, string>): Promise<void> {
      throw new ReadOnlyFilesError(Object.keys(files)[0] ?? '(no file)', 'a commit read over the GitHub API');
    },
  };
}
