// Reads every file a stage owns (its folders, files and globs) that the `files` globs select, and scans it.
import { Minimatch } from 'minimatch';
import type { Pipeline, Stage } from '../core/config/index.js';
import type { Skipped } from '../core/image-reference.js';
import type { ScannedStage } from '../core/plan.js';
import { scanFile } from '../core/scan.js';
import { rulesFor } from '../core/scan/fields.js';
import type { Finding } from '../core/image-reference.js';
import { compileStagePath, inDotFolder, type StagePattern } from '../core/stage-layout.js';
import { UsageError } from '../core/errors.js';
import {
  FileNotFoundError,
  MissingFolderError,
  NotUtf8Error,
  OutsideRepoError,
  type RepoFiles,
} from '../adapters/repo-files.js';
import { readImagePolicies, type FluxImagePolicy } from '../core/flux-image-policy.js';
import { policiesBeside } from './image-policies.js';

/** A selector for stage-relative paths: a positive glob matches and no `!` glob does. Globs compile once. */
export function globSelector(globs: string[]): (relative: string, file?: string) => boolean {
  const include = globs.filter((glob) => !glob.startsWith('!')).map((glob) => new Minimatch(glob, { dot: true }));
  const exclude = globs
    .filter((glob) => glob.startsWith('!'))
    .map((glob) => new Minimatch(glob.slice(1), { dot: true }));
  // Globs may be written relative to the stage folder or to the repository (`file`): either spelling counts.
  const any = (list: Minimatch[], relative: string, file?: string) =>
    list.some((glob) => glob.match(relative) || (file !== undefined && file !== relative && glob.match(file)));
  return (relative, file) => any(include, relative, file) && !any(exclude, relative, file);
}

/**
 * Whether a stage scans a file: one it names in its paths always; otherwise the top-level and the stage's own `files:`
 * globs, matched against the path inside the stage folder or the repo-relative path. Files in dot-folders
 * (`.chainsaw-test/`) only when a glob names a dot-folder.
 */
export function fileSelector(pipeline: Pipeline, stage: Stage): (file: string, relative: string) => boolean {
  const globs = [...pipeline.files, ...(stage.files ?? [])];
  const selected = globSelector(globs);
  const namesDotFolder = globs.some((glob) => !glob.startsWith('!') && inDotFolder(glob));
  return (file, relative) =>
    relative === '' || ((namesDotFolder || !inDotFolder(relative)) && selected(relative, file));
}

/** A file a stage owns and scans, with its place in the stage's layout. */
export interface StageFile {
  file: string;
  place: string;
}

async function listed(files: RepoFiles, folder: string): Promise<string[] | undefined> {
  try {
    return await files.list(folder);
  } catch (error) {
    if (error instanceof MissingFolderError) return undefined;
    throw error;
  }
}

async function isFile(files: RepoFiles, path: string): Promise<boolean> {
  try {
    await files.mode(path);
    return true;
  } catch (error) {
    if (error instanceof FileNotFoundError) return false;
    throw error;
  }
}

/** The files under one stage path; UsageError naming the path when it names nothing. */
/** Stage paths that name nothing in the repository: every one of them, from every stage scanned, at once. */
export class StagePathError extends UsageError {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1 ? problems[0] : `${problems.length} stage paths name nothing:\n  ${problems.join('\n  ')}`,
    );
  }
}

/** Scans run side by side; their StagePathErrors become one that lists every missing path. */
export async function settleScans<T>(scans: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(scans);
  const failed = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  const other = failed.find((error) => !(error instanceof StagePathError));
  if (other !== undefined) throw other;
  if (failed.length > 0) throw new StagePathError(failed.flatMap((error) => (error as StagePathError).problems));
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** The files under one stage path, or the sentence saying it names nothing. */
async function filesOf(files: RepoFiles, stage: Stage, pattern: StagePattern): Promise<string[] | string> {
  const shown = JSON.stringify(pattern.path);
  if (!pattern.glob) {
    const inFolder = await listed(files, pattern.path);
    if (inFolder) return inFolder;
    if (await isFile(files, pattern.path)) return [pattern.path];
    return `${pattern.path}: no such folder or file in the config repository; check stage "${stage.name}"'s paths`;
  }
  const matched = ((await listed(files, pattern.base)) ?? []).filter((file) => pattern.match(file));
  if (matched.length === 0)
    return `stage "${stage.name}": the glob ${shown} matches no file in the config repository; check the stage's paths`;
  return matched;
}

/** The symlinks where a stage's paths would otherwise find files it scans: listed as skipped, never followed. */
async function stageLinks(files: RepoFiles, pipeline: Pipeline, stage: Stage): Promise<string[]> {
  const selected = fileSelector(pipeline, stage);
  const links = new Set<string>();
  for (const [index, path] of stage.paths.entries()) {
    const pattern = compileStagePath(path, index);
    const found = await files.links(pattern.glob ? pattern.base : pattern.path).catch((error: unknown) => {
      if (error instanceof MissingFolderError || error instanceof FileNotFoundError) return [];
      throw error;
    });
    for (const link of found) {
      const place = pattern.match(link);
      if (place && selected(link, place.relative)) links.add(link);
    }
  }
  return [...links].sort();
}

/** The files a stage scans, sorted, each once (the first of its paths that holds it gives its place). */
/** With `leftOut`, also collects the files a `fields:` rule names that the `files:` globs leave out of the scan. */
export async function stageFiles(
  files: RepoFiles,
  pipeline: Pipeline,
  stage: Stage,
  leftOut?: string[],
): Promise<StageFile[]> {
  const selected = fileSelector(pipeline, stage);
  const owned = new Map<string, string>();
  const problems: string[] = [];
  for (const [index, path] of stage.paths.entries()) {
    const pattern = compileStagePath(path, index);
    const found = await filesOf(files, stage, pattern);
    if (typeof found === 'string') problems.push(found);
    else
      for (const file of found) {
        const place = pattern.match(file);
        if (!place || owned.has(file)) continue;
        if (selected(file, place.relative)) owned.set(file, place.place);
        else if (leftOut && rulesFor(file, pipeline.fields).length > 0) leftOut.push(file);
      }
  }
  if (problems.length > 0) throw new StagePathError(problems);
  return [...owned.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, place]) => ({ file, place }));
}

/** `onListed` is told how many files the stage scans, once listed (for progress). */
export async function scanStage(
  files: RepoFiles,
  pipeline: Pipeline,
  stage: Stage,
  onListed?: (count: number) => void,
): Promise<ScannedStage> {
  const scanned: ScannedStage = {
    name: stage.name,
    paths: stage.paths,
    references: [],
    skipped: [],
    warnings: [],
    places: {},
  };
  const seen = new Set<string>();
  const policies: FluxImagePolicy[] = [];
  const reason = 'a symlink; Stagecoach reads and writes regular files only — commit the file itself';
  for (const link of await stageLinks(files, pipeline, stage)) scanned.skipped.push({ file: link, line: 1, reason });
  const leftOut: string[] = [];
  const owned = await stageFiles(files, pipeline, stage, pipeline.fields.length > 0 ? leftOut : undefined);
  onListed?.(owned.length);
  if (leftOut.length > 0) scanned.warnings.push(fieldFilesLeftOut(pipeline, stage, leftOut));
  for (const { file, place } of owned) {
    (scanned.places as Record<string, string>)[file] = place;
    const text = await readText(files, file);
    if (typeof text !== 'string') {
      scanned.skipped.push(text);
      continue;
    }
    seen.add(file);
    policies.push(...readImagePolicies(file, text));
    const result = scanFile(file, text, { fields: pipeline.fields, charts: pipeline.charts });
    scanned.references.push(...result.references);
    scanned.skipped.push(...result.skipped);
    scanned.warnings.push(...result.warnings);
  }
  if (policies.length > 0) scanned.policies = policies;
  await policiesBeside(files, scanned, seen);
  return scanned;
}

/** A `fields:` rule that names files the scan never reads would find nothing without a word. */
function fieldFilesLeftOut(pipeline: Pipeline, stage: Stage, leftOut: string[]): Finding {
  const globs = [...pipeline.files, ...(stage.files ?? [])].join(', ');
  const some = leftOut.slice(0, 3).join(', ') + (leftOut.length > 3 ? ` and ${leftOut.length - 3} more` : '');
  return {
    file: '',
    line: 0,
    message: `${leftOut.length} file${leftOut.length === 1 ? '' : 's'} of stage ${stage.name} that a fields: rule names ${leftOut.length === 1 ? 'is' : 'are'} not scanned (${some}): files: (${globs}) leaves them out; add a glob for them to files:`,
  };
}

/** Globs the config check cannot tell apart (`envs/*-a`, `envs/b-*`) may still claim one file: refused when they do. */
export function checkDisjoint(stages: ScannedStage[]): void {
  const owner = new Map<string, string>();
  for (const stage of stages) {
    for (const file of Object.keys(stage.places ?? {})) {
      const first = owner.get(file);
      if (first !== undefined && first !== stage.name)
        throw new UsageError(
          `${file} is owned by stage "${first}" and by stage "${stage.name}"; each file belongs to one stage, so narrow their paths`,
        );
      owner.set(file, stage.name);
    }
  }
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
