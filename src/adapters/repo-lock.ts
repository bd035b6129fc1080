// One promotion at a time per repository: an exclusive lock file (created with O_EXCL, as git's index.lock) in the git
// folder, holding the holder's pid. A second run waits briefly, then fails naming the lock and its holder; a lock whose
// holder died (SIGKILL, a power loss) is taken over.
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StagecoachError } from '../core/errors.js';
import { onInterrupt } from './interrupts.js';

export interface RepoLock {
  readonly path: string;
  /** Removes the lock (once; later calls do nothing). */
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

export class RepoLockedError extends StagecoachError {
  readonly kind = 'failure';
  constructor(lockPath: string, holder: Holder | undefined) {
    const who = holder
      ? `Stagecoach process ${holder.pid} on ${holder.host}, since ${holder.since}`
      : 'a Stagecoach process that is still starting';
    super(
      `Another promotion is running in this repository: ${who} holds the lock ${lockPath}. Wait for it to finish; remove the file only if that process is gone.`,
    );
  }
}

const DEFAULT_WAIT_MS = 5000;
const POLL_MS = 100;
/** A lock file without a readable holder is a run between create and write; older than this it was left behind. */
const UNREADABLE_STALE_MS = 10_000;

/** Where the lock of the repository at `root` lives: its git folder, else the temp folder (named by the root's path). */
export function lockPath(root: string): string {
  const real = realpathSync(root);
  for (let dir = real; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    if (existsSync(dotGit)) {
      if (lstatSync(dotGit).isDirectory()) return path.join(dotGit, 'stagecoach.lock');
      // A linked worktree or submodule: `.git` is a file "gitdir: <folder>".
      const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
      if (gitdir) return path.join(path.resolve(dir, gitdir), 'stagecoach.lock');
    }
    if (path.dirname(dir) === dir) break;
  }
  return path.join(tmpdir(), `stagecoach-${createHash('sha256').update(real).digest('hex').slice(0, 16)}.lock`);
}

function readHolder(file: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Holder;
    return Number.isInteger(holder.pid) && typeof holder.host === 'string' ? holder : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock at `file` was left by a process that is gone (then it is removed). */
function removeIfStale(file: string, holder: Holder | undefined, raw: string): boolean {
  let stale: boolean;
  if (holder) stale = holder.host === hostname() && !alive(holder.pid);
  else {
    try {
      stale = Date.now() - statSync(file).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return true; // gone meanwhile
    }
  }
  if (!stale) return false;
  // Only the lock that was judged stale: a new holder may have taken it over since.
  try {
    if (readFileSync(file, 'utf8') === raw) rmSync(file, { force: true });
  } catch {
    // gone meanwhile
  }
  return true;
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Takes the repository's lock, waiting up to `waitMs` for a running promotion; RepoLockedError after that. */
export async function acquireRepoLock(root: string, options: { waitMs?: number } = {}): Promise<RepoLock> {
  const file = lockPath(root);
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  for (;;) {
    if (tryCreate(file)) break;
    let raw = '';
    try {
      raw = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const holder = readHolder(file);
    if (removeIfStale(file, holder, raw)) continue;
    if (Date.now() >= deadline) throw new RepoLockedError(file, holder);
    await sleep(POLL_MS);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    forget();
    if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  const forget = onInterrupt(release);
  return { path: file, release };
}
