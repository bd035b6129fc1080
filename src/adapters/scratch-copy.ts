// A scratch copy of the config repo's working tree where command gates run on the promoted files: the live tree is never
// written before every gate passed, so a Ctrl-C, a failing or misbehaving gate, or a second run reading the tree meanwhile
// never meets an unvetted version. A copy (not a `git worktree`): it holds exactly what the user has, uncommitted and
// untracked files included, needs no git and leaves nothing in the repository's .git when the process is killed.
import { constants, cpSync, lstatSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PromotionError } from '../core/errors.js';
import { onInterrupt } from './interrupts.js';
import { createLocalFiles } from './local-files.js';

export interface TreeChanges {
  added: string[];
  deleted: string[];
  changed: string[];
}

export interface ScratchCopy {
  /** The copy's root, where the commands run. */
  readonly dir: string;
  /** The plan as JSON, beside the copy (not in it). */
  readonly planFile: string;
  /** The files added, deleted or changed in the copy since the last call (or since it was made). */
  changes(): TreeChanges;
  /** Deletes the copy (also done when the process is interrupted). */
  remove(): void;
}

/** Size, modification time and mode of every file and link under `dir`, by repo-relative path. */
function fingerprint(dir: string, prefix = '', out = new Map<string, string>()): Map<string, string> {
  let entries;
  try {
    entries = readdirSync(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return out; // a command removed the folder or made it unreadable: what is left of it counts as deleted
  }
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) fingerprint(dir, relative, out);
    else {
      try {
        const stat = lstatSync(path.join(dir, relative), { bigint: true });
        out.set(relative, `${stat.size}:${stat.mtimeNs}:${stat.mode}:${stat.ino}`);
      } catch {
        // removed while looked at
      }
    }
  }
  return out;
}

/** Copies the working tree at `root` (without .git) to a temporary folder and writes `files` into it. */
export async function createScratchCopy(
  root: string,
  files: Record<string, string>,
  plan: string,
): Promise<ScratchCopy> {
  const real = realpathSync(root);
  const base = mkdtempSync(path.join(tmpdir(), 'stagecoach-gate-'));
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    forget();
    try {
      rmSync(base, { recursive: true, force: true });
    } catch {
      // A command left a folder it made unreadable: the temp folder keeps it; the working tree is untouched anyway.
    }
  };
  const forget = onInterrupt(remove);
  // Named like the repository, for commands that print or test their folder's name.
  const dir = path.join(base, path.basename(real) || 'repo');
  const planFile = path.join(base, 'plan.json');
  try {
    cpSync(real, dir, {
      recursive: true,
      // Links stay links, pointing where they pointed; copy-on-write clones where the file system can.
      verbatimSymlinks: true,
      mode: constants.COPYFILE_FICLONE,
      filter: (source) => path.basename(source) !== '.git',
    });
    await createLocalFiles(dir).writeAll(files);
    writeFileSync(planFile, plan);
  } catch (error) {
    remove();
    throw new PromotionError(`Cannot prepare the scratch copy the command gates run in: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let last = fingerprint(dir);
  return {
    dir,
    planFile,
    changes() {
      const now = fingerprint(dir);
      const changes: TreeChanges = { added: [], deleted: [], changed: [] };
      for (const [file, print] of now) {
        if (!last.has(file)) changes.added.push(file);
        else if (last.get(file) !== print) changes.changed.push(file);
      }
      for (const file of last.keys()) if (!now.has(file)) changes.deleted.push(file);
      last = now;
      for (const list of Object.values(changes)) list.sort();
      return changes;
    },
    remove,
  };
}
