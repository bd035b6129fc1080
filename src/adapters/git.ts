// Local git: commits for `promote --commit`, and read-only access to revisions for soak and `verify`.
// argv arrays only, never a shell string; `verify` reads git objects and never checks out or runs the pull request's code.
import { StagecoachError } from '../core/errors.js';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { RepoFiles } from './repo-files.js';
import {
  checkFolderPath,
  checkRelativePath,
  FileNotFoundError,
  MissingFolderError,
  ReadOnlyFilesError,
} from './repo-files.js';

const run = promisify(execFile);

export interface Git {
  /** The checked-out commit, or undefined outside a git work tree. */
  head(): Promise<string | undefined>;
  /** Creates `branch` at HEAD and switches to it; fails (changing nothing) if the name is invalid or taken. */
  createBranch(branch: string): Promise<void>;
  /** Commits exactly `files` with `message`; returns the new commit. */
  commit(files: string[], message: string): Promise<string>;
  /** The files of a revision, read from git objects (read-only). */
  filesAt(revision: string): RepoFiles;
  /**
   * Commit time (unix seconds) of the newest first-parent commit on `revision` whose diff of `file` adds or removes a line
   * holding `version` as a whole token. First-parent: the commits of the branch itself (merges GitHub made), whose dates
   * a contributor does not choose.
   */
  arrivedAt(revision: string, file: string, version: string): Promise<number | undefined>;
  /** What `head` changes since it left `base`: the merge base and every changed path with its new mode. */
  changes(base: string, head: string): Promise<{ mergeBase: string; files: ChangedFile[] }>;
}

export interface ChangedFile {
  path: string;
  /** Git mode at head: `100644`/`100755` file, `120000` symlink, `160000` submodule, `000000` deleted. */
  mode: string;
}

/** A revision that does not exist: the user's to fix. */
export class RevisionError extends StagecoachError {
  readonly kind = 'usage';
  constructor(revision: string) {
    super(
      `${revision}: no such branch or commit in the repository (fetch it, e.g. actions/checkout with fetch-depth: 0)`,
    );
  }
}

/** `version` as a whole token in an extended regular expression (git -G), so `1.5` does not match `1.5.0`. */
function tokenPattern(version: string): string {
  return `(^|[^A-Za-z0-9_.-])${version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_.-])`;
}

export class GitError extends StagecoachError {
  readonly kind = 'failure';
  constructor(command: string, stderr: string) {
    super(`git ${command} failed: ${stderr.trim() || 'no message'}`);
  }
}

/** Reads many blobs with one `git cat-file --batch` process: `<sha> <type> <size>\n<content>\n` per object. */
function catFileBatch(cwd: string, specs: string[]): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new GitError('cat-file', stderr));
      const out = Buffer.concat(chunks);
      const result = new Map<string, string>();
      let offset = 0;
      for (const spec of specs) {
        const newline = out.indexOf(10, offset);
        const header = out.toString('utf8', offset, newline);
        offset = newline + 1;
        if (header.endsWith(' missing')) continue;
        const size = Number(header.split(' ')[2]);
        result.set(spec, out.toString('utf8', offset, offset + size));
        offset += size + 1;
      }
      resolve(result);
    });
    child.stdin.end(specs.map((spec) => `${spec}\n`).join(''));
  });
}

export function createGit(cwd: string): Git {
  async function git(args: string[]): Promise<string> {
    try {
      const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024 });
      return stdout.trim();
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new GitError(args[0], stderr?.trim() || stdout?.trim() || String(error));
    }
  }

  async function verifyRevision(revision: string): Promise<string> {
    try {
      return await git(['rev-parse', '--verify', '-q', `${revision}^{commit}`]);
    } catch {
      throw new RevisionError(revision);
    }
  }

  function filesAt(revision: string): RepoFiles {
    const cache = new Map<string, string>();
    const notFound = (file: string) => new FileNotFoundError(file, `at ${revision}`);
    return {
      async list(dir) {
        const relative = checkFolderPath(dir);
        const out = await git(['ls-tree', '-r', '-z', revision, '--', relative || '.']);
        // Regular files only (100644/100755): a symlink (120000) or submodule is never followed.
        const files = out
          .split('\0')
          .filter((entry) => /^100(644|664|755) blob /.test(entry))
          .map((entry) => entry.slice(entry.indexOf('\t') + 1))
          .sort();
        if (files.length === 0 && relative) {
          const kind = await git(['cat-file', '-t', `${revision}:./${relative}`]).catch(() => '');
          if (kind !== 'tree') throw new MissingFolderError(relative);
        }
        // One batch read for the whole folder: the scan reads every listed file next.
        const blobs = await catFileBatch(
          cwd,
          files.map((file) => `${revision}:./${file}`),
        );
        for (const file of files) {
          const text = blobs.get(`${revision}:./${file}`);
          if (text !== undefined) cache.set(file, text);
        }
        return files;
      },
      async read(file) {
        const relative = checkRelativePath(file);
        const cached = cache.get(relative);
        if (cached !== undefined) return cached;
        const spec = `${revision}:./${relative}`; // `./`: relative to cwd, which may be a folder inside the git repo
        const text = (await catFileBatch(cwd, [spec])).get(spec);
        if (text === undefined) throw notFound(relative);
        return text;
      },
      async mode(file) {
        const relative = checkRelativePath(file);
        const entry = await git(['ls-tree', '-z', revision, '--', relative]);
        if (!/^100(644|664|755) blob /.test(entry)) throw notFound(relative);
        return entry.startsWith('100755') ? '100755' : '100644';
      },
      async write(file) {
        throw new ReadOnlyFilesError(file, `revision ${revision}`);
      },
    };
  }

  return {
    async head() {
      try {
        return await git(['rev-parse', '--verify', '-q', 'HEAD']);
      } catch {
        return undefined;
      }
    },
    async createBranch(branch) {
      await git(['check-ref-format', '--branch', branch]);
      await git(['switch', '-c', branch]);
    },
    async commit(files, message) {
      await git(['add', '--', ...files]);
      await git(['commit', '--quiet', '--no-verify', '-m', message, '--', ...files]);
      return git(['rev-parse', 'HEAD']);
    },
    filesAt,
    async arrivedAt(revision, file, version) {
      const out = await git([
        'log',
        '-1',
        '--first-parent',
        '--format=%ct',
        `-G${tokenPattern(version)}`,
        revision,
        '--',
        checkRelativePath(file),
      ]);
      return out ? Number(out) : undefined;
    },
    async changes(base, head) {
      const [baseSha, headSha] = await Promise.all([verifyRevision(base), verifyRevision(head)]);
      const mergeBase = await git(['merge-base', baseSha, headSha]);
      // --raw -z: ":old-mode new-mode old-sha new-sha status\0path\0" per file.
      const out = await git(['diff', '--raw', '-z', '--no-renames', '--relative', mergeBase, headSha]);
      const parts = out.split('\0');
      const files: ChangedFile[] = [];
      for (let i = 0; i + 1 < parts.length; i += 2) {
        const meta = parts[i].replace(/^:/, '').split(' ');
        if (meta.length >= 5) files.push({ path: parts[i + 1], mode: meta[1] });
      }
      return { mergeBase, files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
    },
  };
}
