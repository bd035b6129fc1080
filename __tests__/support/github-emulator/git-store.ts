// One emulated repository's git objects and refs: a real bare repo driven through git's plumbing (argv only, no shell).
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
    this.name = 'GitError';
  }
}

export interface GitIdentity {
  name: string;
  email: string;
  /** ISO 8601; now when absent. */
  date?: string;
}

export interface CommitObject {
  sha: string;
  tree: string;
  parents: string[];
  author: Required<GitIdentity>;
  committer: Required<GitIdentity>;
  message: string;
}

export interface TreeListing {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size?: number;
  path: string;
}

/** One change to a tree, as the create-tree REST body carries it (sha null removes the path). */
export interface TreeChange {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha?: string | null;
  content?: string;
}

/** An object read by name (`<sha>`, `<rev>:<path>`…) with its content. */
export interface GitObject {
  sha: string;
  type: 'blob' | 'tree' | 'commit' | 'tag';
  content: Buffer;
}

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** git's own date format `<epoch> <+hhmm>`, which it parses without guessing. */
function toGitDate(iso: string | undefined): string {
  if (iso === undefined) return `${Math.floor(Date.now() / 1000)} +0000`;
  const epoch = Math.floor(new Date(iso).getTime() / 1000);
  const offset = /([+-])(\d\d):?(\d\d)$/.exec(iso);
  return `${epoch} ${offset ? `${offset[1]}${offset[2]}${offset[3]}` : '+0000'}`;
}

/** GitHub renders git dates in UTC without milliseconds. */
export function toIsoDate(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseIdentity(line: string): Required<GitIdentity> {
  const match = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (!match) throw new Error(`unparsable git identity "${line}"`);
  return { name: match[1], email: match[2], date: toIsoDate(Number(match[3])) };
}

export function parseCommit(sha: string, raw: string): CommitObject {
  const split = raw.indexOf('\n\n');
  const headers = (split === -1 ? raw : raw.slice(0, split)).split('\n');
  const message = split === -1 ? '' : raw.slice(split + 2);
  const commit: CommitObject = { sha, tree: '', parents: [], message, author: undefined!, committer: undefined! };
  for (const header of headers) {
    const space = header.indexOf(' ');
    const [key, value] = [header.slice(0, space), header.slice(space + 1)];
    if (key === 'tree') commit.tree = value;
    else if (key === 'parent') commit.parents.push(value);
    else if (key === 'author') commit.author = parseIdentity(value);
    else if (key === 'committer') commit.committer = parseIdentity(value);
  }
  return commit;
}

export class GitRepo {
  constructor(readonly dir: string) {}

  static async init(dir: string, defaultBranch: string): Promise<GitRepo> {
    await runGit(undefined, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, dir]);
    return new GitRepo(dir);
  }

  git(
    args: string[],
    options: { input?: string | Buffer; env?: Record<string, string>; okCodes?: number[] } = {},
  ): Promise<Buffer> {
    return runGit(this.dir, args, options);
  }

  async text(args: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}): Promise<string> {
    return (await this.git(args, options)).toString('utf8');
  }

  async writeBlob(content: string | Buffer): Promise<string> {
    return (await this.text(['hash-object', '-w', '--stdin'], { input: content })).trim();
  }

  /**
   * Many blobs in one git process: one pack (https://git-scm.com/docs/pack-format) handed to `git index-pack --stdin`,
   * instead of a process (or a loose file) per blob; returns the shas in order.
   */
  async writeBlobs(contents: (string | Buffer)[]): Promise<string[]> {
    const unique = new Map<string, Buffer>();
    const shas = contents.map((content) => {
      const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      const sha = createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
      unique.set(sha, data);
      return sha;
    });
    if (unique.size === 0) return shas;
    const header = Buffer.alloc(12);
    header.write('PACK', 0, 'latin1');
    header.writeUInt32BE(2, 4);
    header.writeUInt32BE(unique.size, 8);
    const parts = [header];
    for (const data of unique.values()) {
      // Object header: type (3 = blob) and size, 4 bits then 7 bits per byte, high bit = more.
      const bytes: number[] = [];
      let size = data.length;
      let byte = (3 << 4) | (size & 0x0f);
      size = Math.floor(size / 16);
      while (size > 0) {
        bytes.push(byte | 0x80);
        byte = size & 0x7f;
        size = Math.floor(size / 128);
      }
      bytes.push(byte);
      parts.push(Buffer.from(bytes), deflateSync(data));
    }
    const body = Buffer.concat(parts);
    await this.git(['index-pack', '--stdin'], {
      input: Buffer.concat([body, createHash('sha1').update(body).digest()]),
    });
    return shas;
  }

  /** Object type per sha (`missing` when absent), in one git call. */
  async objectTypes(shas: string[]): Promise<Map<string, string>> {
    const types = new Map<string, string>();
    if (shas.length === 0) return types;
    const out = await this.text(['cat-file', '--batch-check=%(objectname) %(objecttype) %(rest)'], {
      input: shas.map((sha) => `${sha} ${sha}\n`).join(''),
    });
    for (const line of out.split('\n').filter(Boolean)) {
      const parts = line.split(' ');
      // "<sha> missing" for absent objects; "<oid> <type> <asked>" otherwise
      if (parts[1] === 'missing') types.set(parts[0], 'missing');
      else types.set(parts[2], parts[1]);
    }
    return types;
  }

  async objectType(sha: string): Promise<string> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return 'missing';
    return (await this.objectTypes([sha])).get(sha) ?? 'missing';
  }

  /** Full sha of a revision expression (`main`, `refs/heads/x`, `<sha>:path`), or undefined. */
  async resolve(rev: string): Promise<string | undefined> {
    if (rev.startsWith('-') || rev.length === 0) return undefined;
    const out = await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', rev], { okCodes: [0, 1, 128] });
    const sha = out.toString('utf8').trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  }

  /** The commit a ref/sha names (peeling tags), or undefined. */
  async resolveCommit(rev: string): Promise<string | undefined> {
    return this.resolve(`${rev}^{commit}`);
  }

  async readBlob(sha: string): Promise<Buffer> {
    return this.git(['cat-file', 'blob', sha]);
  }

  async readCommit(sha: string): Promise<CommitObject> {
    return parseCommit(sha, await this.text(['cat-file', 'commit', sha]));
  }

  /** Many commits in one git call (`cat-file --batch`: "<sha> <type> <size>\n<body>\n" per object). */
  async readCommits(shas: string[]): Promise<CommitObject[]> {
    if (shas.length === 0) return [];
    const out = await this.git(['cat-file', '--batch'], { input: shas.map((sha) => `${sha}\n`).join('') });
    const commits: CommitObject[] = [];
    let offset = 0;
    while (offset < out.length) {
      const eol = out.indexOf(0x0a, offset);
      const [sha, type, size] = out.subarray(offset, eol).toString('utf8').split(' ');
      if (type !== 'commit') throw new Error(`${sha} is a ${type}, not a commit`);
      const body = out.subarray(eol + 1, eol + 1 + Number(size)).toString('utf8');
      commits.push(parseCommit(sha, body));
      offset = eol + 1 + Number(size) + 1;
    }
    return commits;
  }

  /** Objects by name (`<sha>`, `<branch>`, `<rev>:<path>`) with their content, in one `git cat-file --batch`; undefined when absent. */
  async readObjects(names: string[]): Promise<(GitObject | undefined)[]> {
    // A name with a newline cannot be asked on cat-file's line protocol (and names no object anyway).
    const askable = names.filter((name) => name.length > 0 && !/[\n\r\0]/.test(name));
    const found = new Map<string, GitObject | undefined>();
    if (askable.length > 0) {
      const out = await this.git(['cat-file', '--batch'], { input: askable.map((name) => `${name}\n`).join('') });
      let offset = 0;
      for (const name of askable) {
        const eol = out.indexOf(0x0a, offset);
        const header = /^([0-9a-f]{40}) (blob|tree|commit|tag) (\d+)$/.exec(out.subarray(offset, eol).toString('utf8'));
        if (!header) {
          // "<name> missing" / "<name> ambiguous"
          found.set(name, undefined);
          offset = eol + 1;
          continue;
        }
        const size = Number(header[3]);
        found.set(name, {
          sha: header[1],
          type: header[2] as GitObject['type'],
          content: out.subarray(eol + 1, eol + 1 + size),
        });
        offset = eol + 1 + size + 1;
      }
    }
    return names.map((name) => found.get(name));
  }

  /** Tree entries (recursive lists sub-trees too, as GitHub's `?recursive=1` does). */
  async listTree(treeish: string, options: { recursive?: boolean; paths?: string[] } = {}): Promise<TreeListing[]> {
    const args = ['ls-tree', '-z', '--long', '--full-tree'];
    if (options.recursive) args.push('-r', '-t');
    args.push(treeish);
    if (options.paths) args.push('--', ...options.paths);
    const out = await this.text(args);
    return out
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf('\t');
        const [mode, type, sha, size] = line.slice(0, tab).split(/ +/);
        const entry: TreeListing = { mode, type: type as TreeListing['type'], sha, path: line.slice(tab + 1) };
        if (type === 'blob') entry.size = Number(size);
        return entry;
      });
  }

  /** Applies changes on top of baseTree (or an empty tree) and writes the result, via a throw-away index. */
  async buildTree(baseTree: string | undefined, changes: TreeChange[]): Promise<string> {
    const index = join(tmpdir(), `github-emulator-index-${randomUUID()}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.git(baseTree ? ['read-tree', baseTree] : ['read-tree', '--empty'], { env });
      let pending: string[] = [];
      const flush = async () => {
        if (pending.length === 0) return;
        await this.git(['update-index', '--add', '--replace', ...pending], { env });
        pending = [];
      };
      const withContent = changes.filter((change) => change.content !== undefined);
      const written = await this.writeBlobs(withContent.map((change) => change.content as string));
      const blobOf = new Map(withContent.map((change, index) => [change, written[index]]));
      for (const change of changes) {
        const sha = blobOf.get(change) ?? change.sha;
        if (sha !== null && sha !== undefined && change.type !== 'tree') {
          pending.push('--cacheinfo', `${change.mode},${sha},${change.path}`);
          if (pending.length >= 600) await flush();
          continue;
        }
        await flush();
        // A removal (or a whole sub-tree) replaces everything at or below the path.
        const existing = await this.text(['ls-files', '-z', '--cached', '--', change.path], { env });
        const paths = existing.split('\0').filter((p) => p === change.path || p.startsWith(`${change.path}/`));
        // --index-info with mode 0 drops an entry (update-index --force-remove would want a work tree).
        if (paths.length > 0)
          await this.git(['update-index', '-z', '--index-info'], {
            env,
            input: paths.map((p) => `0 ${'0'.repeat(40)}\t${p}\0`).join(''),
          });
        if (sha) await this.git(['read-tree', `--prefix=${change.path}/`, sha], { env });
      }
      await flush();
      return (await this.text(['write-tree'], { env })).trim();
    } finally {
      await rm(index, { force: true });
    }
  }

  async commitTree(
    tree: string,
    parents: string[],
    message: string,
    author: GitIdentity,
    committer: GitIdentity,
  ): Promise<string> {
    const args = ['commit-tree', tree];
    for (const parent of parents) args.push('-p', parent);
    const out = await this.text(args, {
      input: message,
      env: {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: toGitDate(author.date),
        GIT_COMMITTER_NAME: committer.name,
        GIT_COMMITTER_EMAIL: committer.email,
        GIT_COMMITTER_DATE: toGitDate(committer.date),
      },
    });
    return out.trim();
  }

  /** All refs under refs/ with the sha they point at, sorted by name. */
  async listRefs(): Promise<{ ref: string; sha: string; type: string }[]> {
    const out = await this.text(['for-each-ref', '--format=%(refname)%00%(objectname)%00%(objecttype)', 'refs/']);
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref, sha, type] = line.split('\0');
        return { ref, sha, type };
      });
  }

  async refSha(ref: string): Promise<string | undefined> {
    const out = await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', ref], { okCodes: [0, 1] });
    const sha = out.toString('utf8').trim();
    return sha.length === 40 ? sha : undefined;
  }

  /** Compare-and-swap: fails (returns false) when the ref no longer holds expectedOld ('' = must not exist). */
  async updateRef(ref: string, newSha: string, expectedOld: string): Promise<boolean> {
    try {
      await this.git(['update-ref', '--no-deref', ref, newSha, expectedOld]);
      return true;
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  }

  /** One transaction (`git update-ref --stdin`): every ref holds its expected old value and moves, or none does. */
  async updateRefs(updates: { ref: string; newSha: string; expectedOld: string }[]): Promise<boolean> {
    const script = [
      'start',
      ...updates.map((u) => `update ${u.ref} ${u.newSha} ${u.expectedOld}`),
      'prepare',
      'commit',
      '',
    ].join('\n');
    try {
      await this.git(['update-ref', '--no-deref', '--stdin'], { input: script });
      return true;
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  }

  async deleteRef(ref: string, expectedOld: string): Promise<boolean> {
    try {
      await this.git(['update-ref', '--no-deref', '-d', ref, expectedOld]);
      return true;
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  }

  async isValidRefName(ref: string): Promise<boolean> {
    return (await exitCode(this.dir, ['check-ref-format', ref])) === 0;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const code = await exitCode(this.dir, ['merge-base', '--is-ancestor', ancestor, descendant]);
    return code === 0;
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const out = await this.git(['merge-base', a, b], { okCodes: [0, 1] });
    const sha = out.toString('utf8').trim();
    return sha.length === 40 ? sha : undefined;
  }

  /** Commits reachable from `from` (newest first), optionally excluding `exclude` and limited to paths. */
  async revList(
    from: string,
    options: { exclude?: string; path?: string; max?: number; skip?: number; reverse?: boolean } = {},
  ): Promise<string[]> {
    const args = ['rev-list'];
    if (options.max !== undefined) args.push(`--max-count=${options.max}`);
    if (options.skip) args.push(`--skip=${options.skip}`);
    if (options.reverse) args.push('--reverse');
    args.push(from);
    if (options.exclude) args.push(`^${options.exclude}`);
    args.push('--');
    if (options.path) args.push(options.path);
    return (await this.text(args)).split('\n').filter(Boolean);
  }

  /** Per-file changes between two commits: status letter, paths, blob shas, line counts (binary → 0) and, unless
   *  `patches: false`, each file's hunks; three git calls whatever the number of files. */
  async diff(
    from: string,
    to: string,
    options: { patches?: boolean } = {},
  ): Promise<
    {
      status: string;
      path: string;
      oldSha: string;
      newSha: string;
      additions: number;
      deletions: number;
      patch?: string;
    }[]
  > {
    const raw = await this.text(['diff-tree', '-r', '-z', '--no-renames', '--raw', from, to]);
    const fields = raw.split('\0');
    const entries: {
      status: string;
      path: string;
      oldSha: string;
      newSha: string;
      additions: number;
      deletions: number;
      patch?: string;
    }[] = [];
    // -z raw format: ":<old mode> <new mode> <old sha> <new sha> <status>" NUL "<path>" NUL
    for (let i = 0; i + 1 < fields.length && fields[i].startsWith(':'); i += 2) {
      const [, , oldSha, newSha, status] = fields[i].split(' ');
      entries.push({ status, path: fields[i + 1], oldSha, newSha, additions: 0, deletions: 0 });
    }
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    const numstat = await this.text(['diff', '--numstat', '-z', '--no-renames', from, to]);
    for (const record of numstat.split('\0').filter(Boolean)) {
      const [added, deleted, path] = record.split('\t');
      const entry = byPath.get(path);
      if (entry && added !== '-') {
        entry.additions = Number(added);
        entry.deletions = Number(deleted);
      }
    }
    if (options.patches === false || entries.length === 0) return entries;
    // One patch for all files, cut at each "diff --git" header: git lists files in the same (path) order as diff-tree.
    const patch = await this.text(['diff', '--no-renames', '--no-color', '--no-ext-diff', '-U3', from, to]);
    const sections = patch.split(/^(?=diff --git )/m).filter((section) => section.startsWith('diff --git '));
    sections.forEach((section, index) => {
      const entry = entries[index];
      const hunk = section.indexOf('\n@@');
      if (entry && hunk !== -1) entry.patch = section.slice(hunk + 1).replace(/\n$/, '');
    });
    return entries;
  }
}

const BASE_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

function runGit(
  dir: string | undefined,
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string>; okCodes?: number[] } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { ...BASE_ENV, ...options.env };
    if (dir) env.GIT_DIR = dir;
    const child = spawn('git', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if ((options.okCodes ?? [0]).includes(code ?? -1)) resolve(Buffer.concat(out));
      else reject(new GitError(args, code, Buffer.concat(err).toString('utf8')));
    });
    child.stdin.on('error', () => undefined); // git may exit before reading all input
    child.stdin.end(options.input ?? '');
  });
}

async function exitCode(dir: string, args: string[]): Promise<number | null> {
  try {
    await runGit(dir, args, { okCodes: [0] });
    return 0;
  } catch (error) {
    if (error instanceof GitError) return error.code;
    throw error;
  }
}
