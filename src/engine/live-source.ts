// --source live: the versions a promotion takes from what runs on the ready pods of the source stage's clusters,
// instead of from its folder. Exactly one version per image, rolled out; otherwise refused with what runs where.
// Where live differs from the stage's git (a hand-applied hotfix), the plan carries a warning that says so.
import type { Pipeline } from '../core/config/index.js';
import { PromotionError, UsageError } from '../core/errors.js';
import { parseVersion } from '../core/image-reference.js';
import type { LiveCell } from '../core/live/live-cell.js';
import { type ScannedStage, type SourceVersion, stageVersions } from '../core/plan.js';
import { buildStatus } from '../core/status.js';
import { type LiveDependencies, readLive } from './live.js';

export interface LiveSource {
  versions: SourceVersion[];
  /** One line per image whose live version is not the one in the stage's git. */
  differences: string[];
}

function podsText(cell: LiveCell): string {
  const counts = new Map<string, number>();
  for (const w of cell.targets.flatMap((t) => t.workloads))
    for (const p of w.pods) if (p.ready > 0) counts.set(p.version, (counts.get(p.version) ?? 0) + p.ready);
  return [...counts].map(([v, n]) => `${v} on ${n} pod${n === 1 ? '' : 's'}`).join(', ');
}

export async function liveSourceVersions(
  pipeline: Pipeline,
  source: ScannedStage,
  deps: LiveDependencies,
): Promise<LiveSource> {
  const stage = pipeline.stages.find((s) => s.name === source.name)!;
  if (stage.live.length === 0)
    throw new UsageError(
      `--source live: stage ${stage.name} has no live: section (say where it runs in stagecoach.yaml)`,
    );
  const live = await readLive({ ...pipeline, stages: [stage] }, buildStatus([source]), deps);
  const refused: string[] = [];
  const chosen = new Map<string, string>();
  const differences: string[] = [];
  for (const cell of live.cells) {
    const versions = [...new Set(cell.targets.flatMap((t) => t.live))];
    if (versions.length > 1) refused.push(`${stage.name} is mid-rollout for ${cell.image}: ${podsText(cell)}`);
    else if (cell.state !== 'in-sync' && cell.state !== 'drift')
      refused.push(`${stage.name} ${cell.image}: ${cell.state} (${cell.message})`);
    else if (versions.length === 0) refused.push(`${stage.name} ${cell.image}: no ready pod runs it`);
    else {
      chosen.set(cell.image, versions[0]);
      if (!cell.git.includes(versions[0]))
        differences.push(
          `${cell.image}: ${stage.name} runs ${versions[0]} on its clusters, its git says ${cell.git.join(', ')}`,
        );
    }
  }
  if (refused.length > 0)
    throw new PromotionError(
      `Refusing --source live (nothing was written):\n${refused.map((r) => `  ${r}`).join('\n')}`,
    );
  const versions = stageVersions(source).map((v) => {
    const running = chosen.get(v.image);
    if (!running) return v;
    const { tag, digest } = parseVersion(running);
    return {
      image: v.image,
      ...(v.key ? { key: v.key } : {}),
      ...(tag ? { tag } : {}),
      ...(digest ? { digest } : {}),
      ...(v.file ? { file: v.file } : {}),
      ...(v.line ? { line: v.line } : {}),
    };
  });
  return { versions, differences };
}
