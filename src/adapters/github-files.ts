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
  return new GitHubCommitFiles(github, repo, commit);
}

type Deferred = { resolve: (text: string) => void; reject: (error: Error) => void };

class GitHubCommitFiles implements GitHubFiles {
  private readonly where: string;
  private blobs: Promise<Map<string, TreeEntry>> | undefined;
  /** Every folder of the commit, so that list() of a missing one fails as it does on disk. */
  private readonly folders = new Set<string>(['']);
  private readonly symlinks = new Set<string>();
  private readonly texts = new Map<string, Promise<string>>();
  private readonly deferreds = new Map<string, Deferred>();
  /** Files in the order list() returned them: reads usually follow it, so a miss prefetches the next ones. */
  private readonly order: string[] = [];
  private readonly position = new Map<string, number>();

  constructor(
    private readonly github: GitHubTreeReader,
    private readonly repo: RepoRef,
    private readonly commit: string,
  ) {
    this.where = `at ${commit.slice(0, 12)} in ${repo.owner}/${repo.repo}`;
  }

  seed(files: ReadonlyMap<string, BlobText>): void {
    for (const [path, blob] of files) {
      // Only plain texts: a binary or oversized blob takes the ordinary path and its error or fallback.
      if (blob.text === undefined || blob.binary) continue;
      const file = checkRelativePath(path);
      if (this.texts.has(file)) continue;
      const text = blob.text;
      const exact = new Promise<string>((resolve) => resolve(blob.oid ? exactText(file, blob.oid, text) : text));
      exact.catch(() => {}); // an unread seed must not surface as an unhandled rejection
      this.texts.set(file, exact);
    }
  }

  async list(dir: string): Promise<string[]> {
    const root = checkFolderPath(dir);
    const blobs = await this.allBlobs();
    if (!this.folders.has(root)) {
      const linked = [...parentFolders(root), root].find((folder) => this.symlinks.has(folder));
      if (linked) throw new OutsideRepoError(root, 'the folder is reached through a symlink');
      throw new MissingFolderError(root);
    }
    const files = [...blobs.keys()].filter((path) => root === '' || path.startsWith(`${root}/`)).sort();
    for (const file of files) {
      if (this.position.has(file)) continue;
      this.position.set(file, this.order.length);
      this.order.push(file);
    }
    return files;
  }

  async links(dir: string): Promise<string[]> {
    const root = checkFolderPath(dir);
    await this.allBlobs();
    return [...this.symlinks].filter((path) => root === '' || path.startsWith(`${root}/`)).sort();
  }

  async read(path: string): Promise<string> {
    const file = checkRelativePath(path);
    const cached = this.texts.get(file);
    if (cached) return cached;
    await this.regularFile(file);
    if (!this.texts.has(file)) {
      const start = this.position.get(file);
      const batch = [file];
      if (start !== undefined) {
        for (let index = start + 1; index < this.order.length && batch.length < BATCH_SIZE; index += 1) {
          if (!this.texts.has(this.order[index])) batch.push(this.order[index]);
        }
      }
      this.load(batch);
    }
    return this.texts.get(file) as Promise<string>;
  }

  async mode(path: string): Promise<FileMode> {
    const entry = await this.regularFile(checkRelativePath(path));
    return entry.mode === '100755' ? '100755' : '100644';
  }

  async writeAll(files: Record<string, string>): Promise<void> {
    throw new ReadOnlyFilesError(Object.keys(files)[0] ?? '(no file)', 'a commit read over the GitHub API');
  }

  private allBlobs(): Promise<Map<string, TreeEntry>> {
    return (this.blobs ??= this.readAllBlobs());
  }

  private async readAllBlobs(): Promise<Map<string, TreeEntry>> {
    const files = new Map<string, TreeEntry>();
    // A symlink's target is only known by reading it; none is followed, so none can lead outside the repo.
    const keep = (entry: TreeEntry, prefix: string) => {
      if (entry.type !== 'blob') return;
      if (entry.mode === '120000') this.symlinks.add(prefix + entry.path);
      else {
        files.set(prefix + entry.path, entry);
        const parts = (prefix + entry.path).split('/');
        for (let end = 1; end < parts.length; end += 1) this.folders.add(parts.slice(0, end).join('/'));
      }
    };
    const walk = async (treeish: string, prefix: string): Promise<void> => {
      const { entries, truncated } = await this.github.readTree(this.repo, treeish, true);
      if (!truncated) {
        for (const entry of entries) keep(entry, prefix);
        return;
      }
      // GitHub cuts recursive listings (100,000 entries / 7 MB): descend one level at a time instead.
      const { entries: top } = await this.github.readTree(this.repo, treeish, false);
      for (const entry of top) {
        if (entry.type === 'blob') keep(entry, prefix);
        else if (entry.type === 'tree') await walk(entry.sha, `${prefix}${entry.path}/`);
      }
    };
    await walk(this.commit, '');
    return files;
  }

  /** The tree entry of a regular file at `file`, or the contract's error. */
  private async regularFile(file: string): Promise<TreeEntry> {
    const entry = (await this.allBlobs()).get(file);
    if (entry) return entry;
    if (this.symlinks.has(file))
      throw new OutsideRepoError(file, 'it is a symlink, which Stagecoach does not follow over the API');
    const linked = parentFolders(file).find((folder) => this.symlinks.has(folder));
    if (linked) throw new OutsideRepoError(file, `the folder ${linked} is a symlink, which Stagecoach does not follow`);
    throw new FileNotFoundError(file, this.where, this.folders.has(file));
  }

  private load(paths: string[]): void {
    for (const path of paths) {
      this.texts.set(
        path,
        new Promise<string>((resolve, reject) => {
          this.deferreds.set(path, { resolve, reject });
        }),
      );
      // Unobserved prefetches must not surface as unhandled rejections.
      this.texts.get(path)?.catch(() => {});
    }
    this.fetchBatch(paths).catch((error: Error) => {
      for (const path of paths) {
        this.deferreds.get(path)?.reject(error);
        this.deferreds.delete(path);
      }
    });
  }

  private async fetchBatch(paths: string[]): Promise<void> {
    const found = await this.github.readTexts(this.repo, this.commit, paths);
    // The tree only for a path GraphQL could not resolve (a newline in its name): not a request per batch.
    const entries = paths.some((path) => !found.get(path)?.oid) ? await this.allBlobs() : undefined;
    for (const path of paths) {
      const blob = found.get(path);
      const settle = this.deferreds.get(path);
      this.deferreds.delete(path);
      if (!settle) continue;
      // The tree listed the file: a path GraphQL cannot resolve (a newline in its name) is read by its blob id.
      const oid = blob?.oid ?? entries?.get(path)?.sha;
      const text = blob?.binary ? undefined : blob?.text;
      if (!oid) settle.reject(new FileNotFoundError(path, this.where));
      else if (text !== undefined)
        new Promise<string>((resolve) => resolve(exactText(path, oid, text))).then(settle.resolve, settle.reject);
      // Binary (a NUL byte) or too big for GraphQL's text field: the blob endpoint, checked byte for byte the same way.
      else
        this.github
          .readBlob(this.repo, oid)
          .then((text) => exactText(path, oid, text))
          .then(settle.resolve, settle.reject);
    }
  }
}
