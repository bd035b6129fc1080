// Reads every file a stage owns that the pipeline's `files` globs select, and scans it.
import { Minimatch } from 'minimatch';
import type { Pipeline, Stage } from '../core/config/index.js';
import type { Skipped } from '../core/image-reference.js';
import { stageRelative, type ScannedStage } from '../core/plan.js';
import { scanFile } from '../core/scan.js';
import { NotUtf8Error, OutsideRepoError, type RepoFiles } from '../adapters/repo-files.js';

/** A selector for stage-relative paths: a positive glob matches and no `!` glob does. Globs compile once. */
export function globSelector(globs: string[]): (relative: string) => boolean {
  const include = globs.filter((glob) => !glob.startsWith('!')).map((glob) => new Minimatch(glob, { dot: true }));
  const exclude = globs
    .filter((glob) => glob.startsWith('!'))
    .map((glob) => new Minimatch(glob.slice(1), { dot: true }));
  return (relative) => include.some((glob) => glob.match(relative)) && !exclude.some((glob) => glob.match(relative));
}

export async function scanStage(files: RepoFiles, pipeline: Pipeline, stage: Stage): Promise<ScannedStage> {
  const scanned: ScannedStage = { name: stage.name, paths: stage.paths, references: [], skipped: [], warnings: [] };
  const selected = globSelector(pipeline.files);
  for (const root of stage.paths) {
    for (const link of await files.links(root)) {
      if (!selected(stageRelative(link, [root]))) continue;
      const reason = 'a symlink; Stagecoach reads and writes regular files only — commit the file itself';
      scanned.skipped.push({ file: link, line: 1, reason });
    }
    for (const file of await files.list(root)) {
      if (!selected(stageRelative(file, [root]))) continue;
      const text = await readText(files, file);
      if (typeof text !== 'string') {
        scanned.skipped.push(text);
        continue;
      }
      const result = scanFile(file, text, { fields: pipeline.fields });
      scanned.references.push(...result.references);
      scanned.skipped.push(...result.skipped);
      scanned.warnings.push(...result.warnings);
    }
  }
  return scanned;
}

/** The file's text, or why it was skipped: a file that is not UTF-8 is reported, never rewritten. */
async function readText(files: RepoFiles, file: string): Promise<string | Skipped> {
  try {
    return await files.read(file);
  } catch (error) {
    // a name Stagecoach refuses to use (a backslash in it, say) skips that file, never the whole run
    if (error instanceof OutsideRepoError) return { file, line: 1, reason: error.message };
    if (!(error instanceof NotUtf8Error)) throw error;
    return { file, line: error.line, reason: 'not UTF-8 text; save it as UTF-8 to let Stagecoach edit it' };
  }
}
