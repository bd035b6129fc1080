// Loads the pipeline: `stagecoach.yaml` (or --config) from the repo, else the stages given as flags.
import { parseConfig, stagesFromFlags, type Pipeline } from '../core/config/index.js';
import { FileNotFoundError, type RepoFiles } from '../adapters/repo-files.js';
import { UsageError } from '../core/errors.js';
import { didYouMean } from '../core/config/did-you-mean.js';

export const DEFAULT_CONFIG = 'stagecoach.yaml';

export interface ConfigLocation {
  /** Repo-relative config path; DEFAULT_CONFIG when absent. */
  config?: string;
  /** `NAME=PATH[,PATH...]` values of --stage, used when given (they win over the config file). */
  stages?: string[];
  /** The folder searched, for the message when the config is missing (`/src/repo (the git top-level …)`). */
  lookedIn?: string;
}

async function readIfPresent(files: RepoFiles, file: string): Promise<string | undefined> {
  try {
    return await files.read(file);
  } catch (error) {
    if (!(error instanceof FileNotFoundError)) throw error;
    if (!error.isFolder) return undefined;
    throw new UsageError(`${file}: is a folder; --config (input config) names the pipeline file, e.g. stagecoach.yaml`);
  }
}

export async function loadPipeline(files: RepoFiles, location: ConfigLocation): Promise<Pipeline> {
  if (location.stages && location.stages.length > 0) return stagesFromFlags(location.stages);
  const file = location.config ?? DEFAULT_CONFIG;
  const text = await readIfPresent(files, file);
  if (text === undefined) {
    throw new UsageError(
      location.config
        ? `${file}: no such file in the config repository (the path is relative to the repository root)`
        : `No ${DEFAULT_CONFIG} ${location.lookedIn ? `in ${location.lookedIn}` : 'at the repository root'} and no --stage flags: add ${DEFAULT_CONFIG} (see README) or pass --stage dev=envs/dev --stage staging=envs/staging`,
    );
  }
  return parseConfig(text, file);
}

/** Stage names from flags or inputs that the pipeline lacks: a usage mistake (exit 2) with the list and the closest. */
export function checkStageNames(pipeline: Pipeline, named: Record<string, string | undefined>): void {
  const known = pipeline.stages.map((stage) => stage.name);
  const problems = Object.entries(named)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && !known.includes(entry[1]))
    .map(
      ([flag, name]) =>
        `${flag} ${name}: no stage is named "${name}"${didYouMean(name, known)} (the stages are ${known.join(', ') || 'none'})`,
    );
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
}
