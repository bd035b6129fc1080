// The pipeline as the engine sees it (from the config file or the --stage flags), and finding a stage in it.
import { ConfigError } from './config-error.js';
import { didYouMean } from './did-you-mean.js';
import type { Cluster } from './clusters.js';
import type { FieldRule } from './fields.js';
import { DEFAULT_FILES } from './files.js';
import type { ImagePolicy } from './images.js';
import type { Stage } from './stages.js';

export interface Pipeline {
  /** Config file path, for messages; FLAGS_FILE for --stage flags. */
  configFile?: string;
  stages: Stage[];
  files: string[];
  fields: FieldRule[];
  images: ImagePolicy[];
  /** `charts: true`: Helm chart versions are promoted too. */
  charts: boolean;
  /** The clusters stages' `live:` targets name. */
  clusters: Cluster[];
}

/** The file name problems in --stage flags are reported under. */
export const FLAGS_FILE = '<flags>';

/** A pipeline with every key at its default, before the config file (or the flags) fill it in. */
export function defaultPipeline(configFile: string): Pipeline {
  return { configFile, stages: [], files: [...DEFAULT_FILES], fields: [], images: [], charts: false, clusters: [] };
}

/** The stage named `name`; ConfigError naming the known stages (and the closest one) otherwise. */
export function findStage(pipeline: Pipeline, name: string): Stage {
  const stage = pipeline.stages.find((s) => s.name === name);
  if (stage) return stage;
  const known = pipeline.stages.map((s) => s.name);
  throw new ConfigError([
    {
      file: pipeline.configFile ?? FLAGS_FILE,
      line: 0,
      message: `no stage is named "${name}"${didYouMean(name, known)} (the stages are ${known.join(', ') || 'none'})`,
    },
  ]);
}

/** The stage after `name` in promotion order, undefined for the last one; ConfigError for an unknown name. */
export function nextStage(pipeline: Pipeline, name: string): Stage | undefined {
  const stage = findStage(pipeline, name);
  return pipeline.stages[pipeline.stages.indexOf(stage) + 1];
}
