// Real git histories for soak and verify tests: commits with chosen dates.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface History {
  dir: string;
  /** Writes (or deletes, with null) files and commits them at `date` (unix seconds); returns the commit. */
  commit(files: Record<string, string | null>, message: string, date: number): string;
  git(...args: string[]): string;
}

export function createHistory(): History {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-history-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  return {
    dir,
    git,
    commit(files, message, date) {
      for (const [file, text] of Object.entries(files)) {
        const target = path.join(dir, file);
        if (text === null) rmSync(target);
        else {
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileSync(target, text);
        }
      }
      git('add', '-A');
      const stamp = `@${date} +0000`;
      execFileSync('git', ['commit', '-q', '--allow-empty', '-m', message], {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'T',
          GIT_AUTHOR_EMAIL: 't@example.invalid',
          GIT_COMMITTER_NAME: 'T',
          GIT_COMMITTER_EMAIL: 't@example.invalid',
          GIT_AUTHOR_DATE: stamp,
          GIT_COMMITTER_DATE: stamp,
        },
      });
      return git('rev-parse', 'HEAD');
    },
  };
}
