// A promotion with the target stage's gates: registry (and pinning), soak, then the rewrite and the stage's commands.
// Nothing here writes the working tree: the commands run in a scratch copy, and the caller writes `written` (all or
// nothing) once every gate passed.
import { findStage, type Pipeline } from '../core/config/index.js';
import type { GateResult } from '../core/gate-result.js';
import { parseVersion } from '../core/image-reference.js';
import { downgrades, type Plan } from '../core/plan.js';
import type { Commands } from '../adapters/commands.js';
import type { Git } from '../adapters/git.js';
import type { Registry } from '../adapters/registry.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import { createScratchCopy } from '../adapters/scratch-copy.js';
import { interruption, InterruptedError } from '../adapters/interrupts.js';
import { PromotionError, UsageError } from '../core/errors.js';
import { runCommandGates } from './gates/commands-gate.js';
import { checkRegistry } from './gates/registry-gate.js';
import { checkSoak } from './gates/soak-gate.js';
import { checkHealth, type HealthDependencies } from './gates/health-gate.js';
import { planStages, type OnPhase, type PlanRequest, type PlannedPromotion } from './plan.js';
import { renderPromotion } from './rewrite.js';

export interface GatedPromotionDependencies {
  files: RepoFiles;
  /** The config repo's working tree: commands run in a scratch copy of it, with the promotion written there. */
  workDir: string;
  git?: Pick<Git, 'arrivedAt'>;
  registry?: Registry;
  commands?: Commands;
  /** Unix seconds. */
  now: number;
  /** Environment the commands start from (the commands gate passes on an allowlist of it). */
  baseEnv: Record<string, string>;
  /** Told as each phase starts (the action's log groups, the CLI's progress line). */
  onPhase?: OnPhase;
  /** How the health gate reads the source stage's clusters (their credentials come from this env only). */
  live?: HealthDependencies;
}

export interface GatedPromotion {
  plan: Plan;
  /** The new text of every changed file. */
  written: Record<string, string>;
  gates: GateResult[];
  passed: boolean;
  /** The request as planned, with the registry gate's digest pins: to plan the same promotion again. */
  request: PlanRequest;
}

/** The process environment without unset entries: what command gates start from (they keep an allowlist of it). */
export function definedEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The distinct (image, version) pairs a plan writes. */
export function releasesOf(plan: Plan): { image: string; version: ReturnType<typeof parseVersion> }[] {
  const seen = new Map<string, { image: string; version: ReturnType<typeof parseVersion> }>();
  for (const change of plan.changes)
    seen.set(`${change.image}|${change.new}`, { image: change.image, version: parseVersion(change.new) });
  return [...seen.values()];
}

/**
 * Plans, refuses downgrades, runs the gates in order (registry → soak → rewrite → commands) and returns the files; the
 * working tree is never written here: the caller writes what passed.
 */
/** Only what passed the stage right before reaches the next: over a stage or back up the pipeline needs skip-stages. */
function refuseStageSkip(pipeline: Pipeline, request: PlanRequest): void {
  const names = pipeline.stages.map((stage) => stage.name);
  const from = names.indexOf(request.from as string);
  const to = names.indexOf(request.to);
  if (from === -1 || to === -1 || to === from + 1) return;
  const order = names.join(' → ');
  const why =
    to < from
      ? `goes back up the pipeline (${order}): promotions go from a stage to the next; pass --skip-stages (input skip-stages) for a rollback`
      : `skips ${names.slice(from + 1, to).join(', ')} (${order}): promote ${names[from]} → ${names[from + 1]} first, or pass --skip-stages (input skip-stages) to go over it`;
  throw new UsageError(`promote from ${names[from]} to ${names[to]} ${why}`);
}

export async function runGatedPromotion(
  deps: GatedPromotionDependencies,
  pipeline: Pipeline,
  request: PlanRequest,
  options: { allowDowngrade?: boolean; skipStages?: boolean; revision?: string },
): Promise<GatedPromotion> {
  const stage = findStage(pipeline, request.to);
  if (request.from !== undefined && !request.images && !options.skipStages) refuseStageSkip(pipeline, request);
  let planned: PlannedPromotion = await planStages(deps.files, pipeline, request, deps.registry, deps.onPhase);
  const refused = options.allowDowngrade ? [] : downgrades(planned.plan);
  if (refused.length > 0) {
    const list = refused
      .map((change) => `  ${change.file}:${change.line} ${change.image} ${change.old} → ${change.new}`)
      .join('\n');
    throw new PromotionError(
      `Refusing ${refused.length} downgrade${refused.length === 1 ? '' : 's'} (nothing was written):\n${list}\nPass --allow-downgrade (input allow-downgrade) if this is a rollback.`,
    );
  }
  const gates: GateResult[] = [];
  let effective = request;
  if (planned.plan.changes.length === 0) return { plan: planned.plan, written: {}, gates, passed: true, request };

  if (stage.gates.registry || stage.gates.soakSeconds > 0 || stage.gates.commands.length > 0)
    deps.onPhase?.('gates', stage.name);
  if (stage.gates.registry) {
    if (!deps.registry)
      throw new UsageError(`Stage ${stage.name} has a registry gate, but no registry access was configured`);
    // chart versions (`charts: true`) live in chart repositories, not in the container registry this gate reads
    const images = { ...planned.plan, changes: planned.plan.changes.filter((change) => change.kind !== 'chart') };
    const { result, digests } = await checkRegistry(deps.registry, releasesOf(images));
    gates.push(result);
    // Pinning writes tag@digest, so that exactly what ran upstream (and was just checked) reaches this stage.
    if (result.passed && stage.gates.registry.pin && digests.size > 0) {
      effective = { ...request, pins: digests };
      planned = await planStages(deps.files, pipeline, effective, deps.registry);
    }
  }
  if (stage.gates.soakSeconds > 0 && planned.source) {
    if (!deps.git) throw new UsageError(`Stage ${stage.name} has a soak gate: it needs the config repo's git history`);
    gates.push(
      await checkSoak(deps.git, planned.source, releasesOf(planned.plan), {
        revision: options.revision ?? 'HEAD',
        minimumSeconds: stage.gates.soakSeconds,
        now: deps.now,
      }),
    );
  }
  // Promotion OUT of the source stage is held to its live health; promotion INTO a broken stage never is.
  if (stage.gates.health && planned.source) {
    if (!deps.live) throw new UsageError(`Stage ${stage.name} has a health gate, but no cluster can be read here`);
    gates.push(await checkHealth(pipeline, planned.source, releasesOf(planned.plan), stage.gates.health, deps.live));
  }
  const written = await renderPromotion(deps.files, pipeline, planned);
  if (stage.gates.commands.length > 0 && gates.every((gate) => gate.passed)) {
    if (!deps.commands) throw new UsageError(`Stage ${stage.name} has command gates, but commands cannot run here`);
    gates.push(...(await runCommands(deps, planned, written, stage.gates.commands)));
  }
  return { plan: planned.plan, written, gates, passed: gates.every((gate) => gate.passed), request: effective };
}

/** Runs the stage's commands in a scratch copy of the working tree holding the new files, with the plan in a JSON file. */
async function runCommands(
  deps: GatedPromotionDependencies,
  planned: PlannedPromotion,
  written: Record<string, string>,
  commands: Pipeline['stages'][number]['gates']['commands'],
): Promise<GateResult[]> {
  const scratch = await createScratchCopy(deps.workDir, written, JSON.stringify(planned.plan, null, 2));
  try {
    const results = await runCommandGates(deps.commands as Commands, commands, {
      cwd: scratch.dir,
      plan: planned.plan,
      planFile: scratch.planFile,
      baseEnv: deps.baseEnv,
      changes: () => scratch.changes(),
      ...(deps.onPhase ? { onGate: (name: string) => deps.onPhase?.('gates', `command "${name}"`) } : {}),
    });
    // A command stopped by our own SIGINT/SIGTERM did not fail: the run was cancelled.
    const stopping = interruption();
    if (stopping) throw new InterruptedError(stopping);
    return results;
  } finally {
    scratch.remove();
  }
}
