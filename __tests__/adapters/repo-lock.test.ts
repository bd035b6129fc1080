import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireRepoLock, lockPath, RepoLockedError } from '../../src/adapters/repo-lock.js';

const temp = (name: string) => realpathSync(mkdtempSync(path.join(tmpdir(), `stagecoach-${name}-`)));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

describe('repository lock', () => {
  test('lives in the git folder: of the repository, of a linked worktree; else in the temp folder', () => {
    const repo = temp('lock-repo');
    git(repo, 'init', '-q');
    git(repo, '-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'x');
    mkdirSync(path.join(repo, 'envs'));
    expect(lockPath(repo)).toBe(path.join(repo, '.git/stagecoach.lock'));
    expect(lockPath(path.join(repo, 'envs'))).toBe(path.join(repo, '.git/stagecoach.lock'));
    const linked = path.join(temp('lock-linked'), 'wt');
    git(repo, 'worktree', 'add', '-q', linked);
    expect(lockPath(linked)).toBe(path.join(repo, '.git/worktrees/wt/stagecoach.lock'));
    const plain = temp('lock-plain');
    expect(lockPath(plain)).toMatch(new RegExp(`^${tmpdir()}/stagecoach-[0-9a-f]{16}\\.lock$`));
    expect(lockPath(plain)).toBe(lockPath(plain));
  });

  test('one holder at a time: the second waits, then fails naming the lock and the holder; free again once released', async () => {
    const repo = temp('lock-hold');
    const first = await acquireRepoLock(repo);
    const started = Date.now();
    const error = await acquireRepoLock(repo, { waitMs: 300 }).catch((caught: Error) => caught);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(error).toBeInstanceOf(RepoLockedError);
    expect((error as Error).message).toContain(`Stagecoach process ${process.pid} on `);
    expect((error as Error).message).toContain(`holds the lock ${first.path}`);
    first.release();
    first.release();
    expect(existsSync(first.path)).toBe(false);
    const second = await acquireRepoLock(repo, { waitMs: 0 });
    second.release();
  });

  test('a second run that waits gets the lock as soon as the first releases it', async () => {
    const repo = temp('lock-wait');
    const first = await acquireRepoLock(repo);
    setTimeout(() => first.release(), 200);
    const second = await acquireRepoLock(repo, { waitMs: 5000 });
    expect(second.path).toBe(first.path);
    second.release();
  });

  test('a lock file without a holder is a run starting up; left for long, it is taken over', async () => {
    const repo = temp('lock-empty');
    const file = lockPath(repo);
    writeFileSync(file, '');
    await expect(acquireRepoLock(repo, { waitMs: 200 })).rejects.toThrow(/a Stagecoach process that is still starting/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    (await acquireRepoLock(repo, { waitMs: 200 })).release();
  });
});
