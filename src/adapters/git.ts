// Local git for `promote --commit`: argv arrays only, never a shell string.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Git {
  /** The checked-out commit, or undefined outside a git work tree. */
  head(): Promise<string | undefined>;
  /** Creates `branch` at HEAD and switches to it; fails (changing nothing) if the name is invalid or taken. */
  createBranch(branch: string): Promise<void>;
  /** Commits exactly `files` with `message`; returns the new commit. */
  commit(files: string[], message: string): Promise<string>;
}

export class GitError extends Error {
  constructor(command: string, stderr: string) {
    super(`git ${command} failed: ${stderr.trim() || 'no message'}`);
    this.name = 'GitError';
  }
}

export function createGit(cwd: string): Git {
  async function git(args: string[]): Promise<string> {
    try {
      const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
      return stdout.trim();
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      throw new GitError(args[0], stderr);
    }
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
  };
}
