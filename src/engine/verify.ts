// verify: a pull request into a stage may only set versions that already stand in the stage before it (on the base
// branch), exist in the registry and have soaked. It reads git objects and the BASE branch's config only: nothing from the
// pull request is run or trusted.
import { findStage, type Pipeline, type Stage } from '../core/config.js';
import { formatVersion, type ImageReference, type Version } from '../core/image-reference.js';
import { compareText, insideStagePath, referenceKey, type ScannedStage } from '../core/plan.js';
import type { Git } from '../adapters/git.js';
import type { Registry } from '../adapters/registry.js';
import { UsageError } from './errors.js';
import { checkRegistry } from './gates/registry-gate.js';
import { checkSoak } from './gates/soak-gate.js';
import type { GateResult } from '../core/gate-result.js';
import type { VerifiedChange, VerifyResult } from '../core/verify-result.js';

export type { VerifiedChange, VerifyResult } from '../core/verify-result.js';
import { loadPipeline } from './pipeline.js';
import { scanStage } from './scan-stage.js';

export interface VerifyRequest {
  base: string;
  head: string;
  /** The stage the pull request promotes into; default: every stage whose files it changes. */
  to?: string;
  config?: string;
}

export interface VerifyDependencies {
  git: Git;
  registry?: Pick<Registry, 'resolve'>;
  /** Unix seconds. */
  now: number;
}

function sameRelease(set: Version, held: Version): boolean {
  if (set.tag && held.tag !== set.tag) return false;
  if (set.digest && held.digest && set.digest !== held.digest) return false;
  if (set.digest && !held.digest && !set.tag) return false;
  return true;
}

function stagesTouched(pipeline: Pipeline, files: string[]): Stage[] {
  return pipeline.stages.filter((stage) => files.some((file) => stage.paths.some((path) => insideStagePath(file, path))));
}

/** The references of the head scan whose version the base did not hold at the same place. */
function versionsSet(base: ScannedStage, head: ScannedStage, changedFiles: Set<string>): { reference: ImageReference; old?: string }[] {
  const before = new Map<string, string[]>();
  for (const ref of base.references) {
    const key = `${ref.image}|${referenceKey(ref, base.paths)}`;
    before.set(key, [...(before.get(key) ?? []), formatVersion(ref)]);
  }
  return head.references
    .filter((ref) => changedFiles.has(ref.file))
    .map((reference) => ({ reference, old: before.get(`${reference.image}|${referenceKey(reference, head.paths)}`) }))
    .filter(({ reference, old }) => !old?.includes(formatVersion(reference)))
    .map(({ reference, old }) => ({ reference, ...(old ? { old: old.join(', ') } : {}) }));
}

export async function verifyPullRequest(deps: VerifyDependencies, request: VerifyRequest): Promise<VerifyResult> {
  const baseFiles = deps.git.filesAt(request.base);
  const headFiles = deps.git.filesAt(request.head);
  const pipeline = await loadPipeline(baseFiles, { config: request.config });
  const changedFiles = await deps.git.changedFiles(request.base, request.head);
  const targets = request.to ? [findStage(pipeline, request.to)] : stagesTouched(pipeline, changedFiles);
  const changed = new Set(changedFiles);
  const changes: VerifiedChange[] = [];
  const gates: GateResult[] = [];

  for (const stage of targets) {
    const index = pipeline.stages.indexOf(stage);
    const upstreamStage = index > 0 ? pipeline.stages[index - 1] : undefined;
    const [baseScan, headScan, upstream] = await Promise.all([
      scanStage(baseFiles, pipeline, stage),
      scanStage(headFiles, pipeline, stage),
      upstreamStage ? scanStage(baseFiles, pipeline, upstreamStage) : undefined,
    ]);
    const set = versionsSet(baseScan, headScan, changed);
    for (const { reference, old } of set) {
      const problems: string[] = [];
      if (upstream) {
        const held = upstream.references.filter((ref) => ref.image === reference.image);
        if (!held.some((ref) => sameRelease(reference, ref))) {
          const runs = [...new Set(held.map((ref) => formatVersion(ref)))].join(', ');
          problems.push(
            runs
              ? `${upstream.name} runs ${runs}, not ${formatVersion(reference)}: promote it to ${upstream.name} first, or fix the version`
              : `${upstream.name} does not run ${reference.image} at all: it must pass through ${upstream.name} first`,
          );
        }
      }
      changes.push({
        stage: stage.name,
        ...(upstream ? { upstream: upstream.name } : {}),
        file: reference.file,
        line: reference.line,
        column: reference.column,
        image: reference.image,
        ...(old ? { old } : {}),
        new: formatVersion(reference),
        problems,
      });
    }
    const releases = [...new Map(set.map(({ reference }) => [`${reference.image}|${formatVersion(reference)}`, reference])).values()].map((ref) => ({
      image: ref.image,
      version: { ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) },
    }));
    if (releases.length === 0) continue;
    if (stage.gates.registry) {
      if (!deps.registry) throw new UsageError(`Stage ${stage.name} has a registry gate: give verify registry access (credentials or a Docker config)`);
      const { result } = await checkRegistry(deps.registry, releases);
      gates.push(result);
      attach(changes, stage.name, result);
    }
    if (stage.gates.soakSeconds > 0 && upstream) {
      const result = await checkSoak(deps.git, upstream, releases, { revision: request.base, minimumSeconds: stage.gates.soakSeconds, now: deps.now });
      gates.push(result);
      attach(changes, stage.name, result);
    }
  }
  changes.sort((a, b) => compareText(a.file, b.file) || a.line - b.line || a.column - b.column);
  const passed = changes.every((change) => change.problems.length === 0) && gates.every((gate) => gate.passed);
  return { base: request.base, head: request.head, stages: targets.map((stage) => stage.name), changes, gates, passed };
}

/** Puts a gate's failures on the changes they name, so each problem is annotated at its file and line. */
function attach(changes: VerifiedChange[], stage: string, result: GateResult): void {
  for (const failure of result.failures ?? []) {
    for (const change of changes) {
      if (change.stage === stage && change.image === failure.image && change.new === failure.version) change.problems.push(`${result.gate}: ${failure.message}`);
    }
  }
}
