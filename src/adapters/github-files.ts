// Read-only RepoFiles over the GitHub API at one commit, for runs without a checkout: one tree read, texts in GraphQL batches.
import type { BlobText, GitHubTreeReader, RepoRef, TreeEntry } from './github/index.js';
import {
  checkFolderPath,
  checkRelativePath,
  FileNotFoundError,
  MissingFolderError,
  OutsideRepoError,
  ReadOnlyFilesError,
  type FileMode,
  type RepoFiles,
} from './repo-files.js';

/** GitHub's node limit allows far more, but ~100 aliased blobs keep one response a few MB at most. */
export const BATCH_SIZE = 100;

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

  async function fetchBatch(paths: string[]): Promise<void> {
    const found = await github.readTexts(repo, commit, paths);
    for (const path of paths) {
      const blob = found.get(path);
      const settle = deferreds.get(path);
      deferreds.delete(path);
      if (!settle) continue;
      if (!blob) settle.reject(new FileNotFoundError(path, where));
      else if (blob.binary) settle.reject(new Error(`${path}: a binary file, not text`));
      else if (blob.text !== undefined) settle.resolve(blob.text);
      // Too big for GraphQL's text field: fall back to the blob endpoint.
      else if (blob.oid) github.readBlob(repo, blob.oid).then(settle.resolve, settle.reject);
      else settle.reject(new Error(`${path}: GitHub returned no text`));
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
        if (!texts.has(file)) texts.set(file, Promise.resolve(blob.text));
      }
    },

    async list(dir: string): Promise<string[]> {
      const root = checkFolderPath(dir);
      const blobs = await allBlobs();
      if (!folders.has(root)) {
        if (symlinks.has(root)) throw new OutsideRepoError(root, 'the folder is reached through a symlink');
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

    async read(path: string): Promise<string> {
      const file = checkRelativePath(path);
      const cached = texts.get(file);
      if (cached) return cached;
      const entries = await allBlobs();
      if (!entries.has(file)) {
        if (symlinks.has(file))
          throw new OutsideRepoError(file, 'it is a symlink, which Stagecoach does not follow over the API');
        throw new FileNotFoundError(file, where);
      }
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
      const file = checkRelativePath(path);
      const entry = (await allBlobs()).get(file);
      if (!entry) throw new FileNotFoundError(file, where);
      return entry.mode === '100755' ? '100755' : '100644';
    },

    async write(path: string): Promise<void> {
      throw new ReadOnlyFilesError(path, 'a commit read over the GitHub API');
    },
  };
}
