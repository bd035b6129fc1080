// The status board: every stage scanned, compared with its upstream.
import type { Pipeline } from '../core/config/index.js';
import { buildStatus, type StatusBoard } from '../core/status.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import { checkDisjoint, scanStage } from './scan.js';

export async function readStatus(files: RepoFiles, pipeline: Pipeline): Promise<StatusBoard> {
  const stages = await Promise.all(pipeline.stages.map((stage) => scanStage(files, pipeline, stage)));
  checkDisjoint(stages);
  return buildStatus(stages);
}
