// The git questions live state asks, read-only: which commit last changed a stage's folders (the commit that set its
// versions), and whether a revision an agent applied contains it (agents report the branch head, not our commit).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitAncestry {
  /** The newest first-parent commit of `revision` that changed any of `paths`; undefined outside a repository. */
  lastChange(revision: string, paths: string[]): Promise<string | undefined>;
  /** The full sha of a revision; undefined when the repository does not hold it. */
  resolve(revision: string): Promise<string | undefined>;
  /** For each sha: does it contain `commit`? A sha this repository does not hold is left out (unknown). */
  contains(commit: string, shas: string[]): Promise<Record<string, boolean>>;
}

export function createGitAncestry(cwd: string): GitAncestry {
  const git = (args: string[]) => run('git', ['--literal-pathspecs', ...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
  return {
    async lastChange(revision, paths) {
      try {
        const pathspecs = paths.map((p) => (p === '.' ? '.' : p));
        const { stdout } = await git(['log', '-1', '--first-parent', '--format=%H', revision, '--', ...pathspecs]);
        return stdout.trim() || undefined;
      } catch {
        return undefined;
      }
    },
    async resolve(revision) {
      try {
        return (await git(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`])).stdout.trim() || undefined;
      } catch {
        return undefined;
      }
    },
    async contains(commit, shas) {
      const out: Record<string, boolean> = {};
      await Promise.all(
        [...new Set(shas)].map(async (sha) => {
          if (!/^[0-9a-f]{40}$/.test(sha)) return;
          try {
            await git(['merge-base', '--is-ancestor', commit, sha]);
            out[sha] = true;
          } catch (error) {
            // 1: not an ancestor; anything else (128: unknown object, e.g. a shallow clone) stays unknown.
            if ((error as { code?: number }).code === 1) out[sha] = false;
          }
        }),
      );
      return out;
    },
  };
}
