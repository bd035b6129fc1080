// Reads every file a stage owns that the pipeline's `files` globs select, and scans it.
import { minimatch } from 'minimatch';
import type { Pipeline, Stage } from '../core/config.js';
import { stageRelative, type ScannedStage } from '../core/plan.js';
import { scanFile } from '../core/scan.js';
import type { RepoFiles } from '../adapters/repo-files.js';

/** Whether a stage-relative path is selected: it matches a positive glob and no `!` glob. */
export function selectedByGlobs(relative: string, globs: string[]): boolean {
  let included = false;
  for (const glob of globs) {
    if (glob.startsWith('!')) {
      if (minimatch(relative, glob.slice(1), { dot: true })) return false;
    } else if (!included && minimatch(relative, glob, { dot: true })) included = true;
  }
  return included;
}

export async function scanStage(files: RepoFiles, pipeline: Pipeline, stage: Stage): Promise<ScannedStage> {
  const scanned: ScannedStage = { name: stage.name, paths: stage.paths, references: [], skipped: [], warnings: [] };
  for (const root of stage.paths) {
    for (const file of await files.list(root)) {
      if (!selectedByGlobs(stageRelative(file, [root]), pipeline.files)) continue;
      const result = scanFile(file, await files.read(file), { fields: pipeline.fields });
      scanned.references.push(...result.references);
      scanned.skipped.push(...result.skipped);
      scanned.warnings.push(...result.warnings);
    }
  }
  return scanned;
}
