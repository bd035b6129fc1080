// Local git: commits for `promote --commit`, and read-only access to revisions for soak and `verify`.
// argv arrays only, never a shell string, and literal pathspecs (a `*` in a file name is no glob); `verify` reads git
// objects and never checks out or runs the pull request's code.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PromotionError, StagecoachError } from '../core/errors.js';
import { createGitFiles, GitError } from './git-files.js';
import { checkRelativePath, type RepoFiles } from './repo-files.js';

export { GitError } from './git-files.js';

const run = promisify(execFile);

export interface Git {
  /** The checked-out commit, or undefined outside a git work tree. */
  head(): Promise<string | undefined>;
  /**
   * What stops a promotion from being committed on a new `branch`, one sentence each (empty: nothing): no commit yet, no
   * git identity, a held index lock, an invalid or taken branch name, and any of `files` that differs from HEAD (an
   * uncommitted hand edit would be committed inside the promotion).
   */
  commitProblems(branch: string | undefined, files: string[]): Promise<string[]>;
  /**
   * Creates `branch` at HEAD, switches to it, runs `write` and commits exactly `files` with `message`; returns the commit.
   * On any failure the files are restored from HEAD, the previous branch is checked out again and `branch` is deleted.
   */
  commitOnNewBranch(branch: string, files: string[], message: string, write: () => Promise<void>): Promise<string>;
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

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/** `version` as a whole token in an extended regular expression (git -G), so `1.5` does not match `1.5.0`. */
function tokenPattern(version: string): string {
  return `(^|[^A-Za-z0-9_.-])${version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_.-])`;
}

export function createGit(cwd: string): Git {
  return {
    async head() {
      try {
        return await git(cwd, ['rev-parse', '--verify', '-q', 'HEAD']);
      } catch {
        return undefined;
      }
    },
    commitProblems: (branch, files) => commitProblems(cwd, branch, files),
    commitOnNewBranch: (branch, files, message, write) => commitOnNewBranch(cwd, branch, files, message, write),
    filesAt: (revision) => filesAt(cwd, revision),
    async arrivedAt(revision, file, version) {
      const out = await git(cwd, [
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
    changes: (base, head) => changes(cwd, base, head),
  };
}

/** stdout, trimmed unless `raw` (porcelain and -z output keep their leading spaces). */
async function git(cwd: string, args: string[], raw = false): Promise<string> {
  try {
    const { stdout } = await run('git', ['--literal-pathspecs', ...args], { cwd, maxBuffer: 256 * 1024 * 1024 });
    return raw ? stdout : stdout.trim();
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new GitError(args[0], stderr?.trim() || stdout?.trim() || String(error));
  }
}

async function verifyRevision(cwd: string, revision: string): Promise<string> {
  if (revision.startsWith('-')) throw new RevisionError(revision);
  try {
    return await git(cwd, ['rev-parse', '--verify', '-q', `${revision}^{commit}`]);
  } catch {
    throw new RevisionError(revision);
  }
}

function filesAt(cwd: string, revision: string): RepoFiles {
  let commit: Promise<string> | undefined;
  // Resolved once, to a commit id: a revision that looks like an option never reaches git as one.
  return createGitFiles(
    (args) => git(cwd, args, true),
    cwd,
    revision,
    () => (commit ??= verifyRevision(cwd, revision)),
  );
}

/** The branch checked out (or the commit, when detached): where a failed commit switches back to. */
async function currentBranch(cwd: string): Promise<{ name: string; detached: boolean }> {
  const name = await git(cwd, ['symbolic-ref', '-q', '--short', 'HEAD']).catch(() => '');
  return name ? { name, detached: false } : { name: await git(cwd, ['rev-parse', 'HEAD']), detached: true };
}

async function identityProblem(cwd: string): Promise<string | undefined> {
  for (const who of ['GIT_AUTHOR_IDENT', 'GIT_COMMITTER_IDENT']) {
    const failed = await git(cwd, ['var', who]).then(
      () => undefined,
      (error: Error) => error,
    );
    if (failed)
      return `git has no identity to commit with (${lastLine(failed.message)}): set user.name and user.email, e.g. git config user.email you@example.com`;
  }
  return undefined;
}

async function branchProblem(cwd: string, branch: string): Promise<string | undefined> {
  if (!(await git(cwd, ['check-ref-format', '--branch', branch]).catch(() => '')))
    return `"${branch}" is not a valid branch name`;
  if (await git(cwd, ['rev-parse', '--verify', '-q', `refs/heads/${branch}`]).catch(() => ''))
    return `branch ${branch} already exists: merge or delete it first`;
  return undefined;
}

/** The files that differ from HEAD: changed, staged, untracked or ignored (none of them is at HEAD as it is). */
async function uncommitted(cwd: string, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const args = ['status', '--porcelain', '-z', '--no-renames', '--untracked-files=all', '--ignored=matching'];
  // Porcelain v1 -z: "XY path\0" per file.
  const status = await git(cwd, [...args, '--', ...files], true);
  return status
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3));
}

async function commitProblems(cwd: string, branch: string | undefined, files: string[]): Promise<string[]> {
  if (!(await git(cwd, ['rev-parse', '--verify', '-q', 'HEAD']).catch(() => '')))
    return [`${cwd} is not a git repository with a commit to branch from`];
  const problems = [await identityProblem(cwd), branch === undefined ? undefined : await branchProblem(cwd, branch)];
  const lock = path.resolve(cwd, await git(cwd, ['rev-parse', '--git-path', 'index.lock']));
  if (existsSync(lock)) problems.push(`${lock} exists: another git command is running (remove the file if none is)`);
  const dirty = await uncommitted(cwd, files);
  if (dirty.length > 0)
    problems.push(
      `${dirty.join(', ')} ${dirty.length === 1 ? 'differs' : 'differ'} from HEAD: commit or stash the change first, so that the promotion commit holds only the promotion`,
    );
  return problems.filter((problem): problem is string => problem !== undefined);
}

async function commitOnNewBranch(
  cwd: string,
  branch: string,
  files: string[],
  message: string,
  write: () => Promise<void>,
): Promise<string> {
  const previous = await currentBranch(cwd);
  await git(cwd, ['switch', '-q', '-c', branch]);
  try {
    await write();
    await git(cwd, ['add', '--', ...files]);
    await git(cwd, ['commit', '--quiet', '--no-verify', '-m', message, '--', ...files]);
    return await git(cwd, ['rev-parse', 'HEAD']);
  } catch (error) {
    const undone = await dropBranch(cwd, branch, previous, files);
    const reason = error instanceof Error ? error.message : String(error);
    throw new PromotionError(`The promotion was not committed: ${reason}\n${undone}.`, { cause: error });
  }
}

/** Undoes a promotion branch: files back to HEAD, the previous branch checked out, the new branch deleted. */
async function dropBranch(
  cwd: string,
  branch: string,
  previous: { name: string; detached: boolean },
  files: string[],
): Promise<string> {
  const steps: [string, string[]][] = [
    ['restore the files', ['restore', '--source=HEAD', '--staged', '--worktree', '--', ...files]],
    [
      `switch back to ${previous.name}`,
      previous.detached ? ['switch', '-q', '--detach', previous.name] : ['switch', '-q', previous.name],
    ],
    [`delete branch ${branch}`, ['branch', '-q', '-D', branch]],
  ];
  const failed: string[] = [];
  for (const [what, args] of steps) await git(cwd, args).catch(() => failed.push(what));
  return failed.length === 0
    ? `switched back to ${previous.name} and deleted branch ${branch}; the files are as they were`
    : `could not ${failed.join(', ')}: check with git status`;
}

async function changes(cwd: string, base: string, head: string): Promise<{ mergeBase: string; files: ChangedFile[] }> {
  const [baseSha, headSha] = await Promise.all([verifyRevision(cwd, base), verifyRevision(cwd, head)]);
  const mergeBase = await git(cwd, ['merge-base', baseSha, headSha]);
  // --raw -z: ":old-mode new-mode old-sha new-sha status\0path\0" per file.
  const out = await git(cwd, ['diff', '--raw', '-z', '--no-renames', '--relative', mergeBase, headSha]);
  const parts = out.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i].replace(/^:/, '').split(' ');
    if (meta.length >= 5) files.push({ path: parts[i + 1], mode: meta[1] });
  }
  return { mergeBase, files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}
