// The status board: every stage scanned, compared with its upstream; a version the upstream held earlier in its git
// history (first-parent, as the soak gate reads it) is behind, not drift.
import type { Pipeline } from '../core/config/index.js';
import { buildStatus, driftQuestions, settleDrift, type DriftQuestion, type StatusBoard } from '../core/status.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import type { Git } from '../adapters/git.js';
import { checkDisjoint, scanStage, settleScans } from './scan.js';

/** `git` and the revision whose history counts (HEAD for a work tree); without them, only ordered tags can be behind. */
export interface StatusHistory {
  git: Pick<Git, 'arrivedAt'>;
  revision: string;
}

async function heldEarlier(history: StatusHistory, question: DriftQuestion): Promise<boolean> {
  for (const version of question.versions) {
    const needle = version.includes('@') ? version.slice(version.indexOf('@') + 1) : version;
    let found = false;
    for (const file of question.files) {
      if ((await history.git.arrivedAt(history.revision, file, needle)) !== undefined) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

export async function readStatus(files: RepoFiles, pipeline: Pipeline, history?: StatusHistory): Promise<StatusBoard> {
  const stages = await settleScans(pipeline.stages.map((stage) => scanStage(files, pipeline, stage)));
  checkDisjoint(stages);
  const board = buildStatus(stages);
  if (!history || board.drift === 0) return board;
  const questions = driftQuestions(board, stages);
  const settled: DriftQuestion[] = [];
  for (const question of questions) if (await heldEarlier(history, question)) settled.push(question);
  return settleDrift(board, settled);
}
