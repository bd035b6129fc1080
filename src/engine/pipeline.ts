// Loads the pipeline: `stagecoach.yaml` (or --config) from the repo, else the stages given as flags.
import { parseConfig, stagesFromFlags, type Pipeline } from '../core/config.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import { UsageError } from './errors.js';

export const DEFAULT_CONFIG = 'stagecoach.yaml';

export interface PipelineSource {
  /** Repo-relative config path; DEFAULT_CONFIG when absent. */
  config?: string;
  /** `NAME=PATH[,PATH...]` values of --stage, used when given (they win over the config file). */
  stages?: string[];
}

async function readIfPresent(files: RepoFiles, file: string): Promise<string | undefined> {
  try {
    return await files.read(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR')
      throw new UsageError(
        `${file}: is a folder; --config (input config) names the pipeline file, e.g. stagecoach.yaml`,
      );
    throw error;
  }
}

export async function loadPipeline(files: RepoFiles, source: PipelineSource): Promise<Pipeline> {
  if (source.stages && source.stages.length > 0) return stagesFromFlags(source.stages);
  const file = source.config ?? DEFAULT_CONFIG;
  const text = await readIfPresent(files, file);
  if (text === undefined) {
    throw new UsageError(
      source.config
        ? `${file}: no such file in the config repository (the path is relative to the repository root)`
        : `No ${DEFAULT_CONFIG} at the repository root and no --stage flags: add ${DEFAULT_CONFIG} (see README) or pass --stage dev=envs/dev --stage staging=envs/staging`,
    );
  }
  return parseConfig(text, file);
}
