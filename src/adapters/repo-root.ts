// Where the config repository is when no --repo is given: the current folder when it holds the config, else the git
// top-level above it (as git and kustomize find theirs), else the current folder.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

export interface RepoRoot {
  root: string;
  /** How the root was found, for messages: `the current folder` or `the git top-level of the current folder`. */
  found: 'current folder' | 'git top-level';
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}

/** The nearest folder at or above `start` holding `.git` (a folder, or a file in a worktree), or undefined. */
export function gitTopLevel(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function findRepoRoot(cwd: string, config: string): RepoRoot {
  if (isFile(path.join(cwd, config))) return { root: path.resolve(cwd), found: 'current folder' };
  const top = gitTopLevel(cwd);
  return top ? { root: top, found: 'git top-level' } : { root: path.resolve(cwd), found: 'current folder' };
}
