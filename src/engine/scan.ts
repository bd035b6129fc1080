// Reads every file a stage owns that the pipeline's `files` globs select, and scans it.
import { Minimatch } from 'minimatch';
import type { Pipeline, Stage } from '../core/config/index.js';
import type { Skipped } from '../core/image-reference.js';
import { stageRelative, type ScannedStage } from '../core/plan.js';
import { scanFile } from '../core/scan.js';
import { NotUtf8Error, type RepoFiles } from '../adapters/repo-files.js';

/** A selector for stage-relative paths: a positive glob matches and no `!` glob does. Globs compile once. */
export function globSelector(globs: string[]): (relative: string) => boolean {
  const include = globs.filter((glob) => !glob.startsWith('!')).map((glob) => new Minimatch(glob, { dot: true }));
  const exclude = globs
    .filter((glob) => glob.startsWith('!'))
    .map((glob) => new Minimatch(glob.slice(1), { dot: true }));
  return (relative) => include.some((glob) => glob.match(relative)) && !exclude.some((glob) => glob.match(relative));
}

/** `onListed` is told how many files each of the stage's folders holds for the scan, once listed (for progress). */
export async function scanStage(
  files: RepoFiles,
  pipeline: Pipeline,
  stage: Stage,
  onListed?: (count: number) => void,
): Promise<ScannedStage> {
  const scanned: ScannedStage = { name: stage.name, paths: stage.paths, references: [], skipped: [], warnings: [] };
  const selected = globSelector(pipeline.files);
  for (const root of stage.paths) {
    const listed = (await files.list(root)).filter((file) => selected(stageRelative(file, [root])));
    onListed?.(listed.length);
    for (const file of listed) {
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
    if (!(error instanceof NotUtf8Error)) throw error;
    return { file, line: error.line, reason: 'not UTF-8 text; save it as UTF-8 to let Stagecoach edit it' };
  }
}
