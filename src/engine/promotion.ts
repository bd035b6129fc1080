// Plan and promote between two stages of a pipeline: scan both, plan, then rewrite the target's files.
import { findStage, type Pipeline } from '../core/config.js';
import { formatVersion, parseVersion, type ImageReference } from '../core/image-reference.js';
import { downgrades, planPromotion, stageVersions, type Plan, type ScannedStage, type SourceVersion } from '../core/plan.js';
import { applyEdits, type Edit } from '../core/rewrite.js';
import { scanFile } from '../core/scan.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import { PromotionError, UsageError } from './errors.js';
import { scanStage } from './scan-stage.js';

export interface PlanRequest {
  /** Source stage name; ignored when `versions` are given (registry or --image sources). */
  from?: string;
  to: string;
  only?: string[];
  /** Explicit versions (from --image or a registry policy) instead of a source stage. */
  versions?: SourceVersion[];
}

export interface PlannedPromotion {
  plan: Plan;
  target: ScannedStage;
}

export async function planStages(files: RepoFiles, pipeline: Pipeline, request: PlanRequest): Promise<PlannedPromotion> {
  const target = findStage(pipeline, request.to);
  if (!request.versions) {
    if (!request.from) throw new UsageError('Name the source stage with --from (or versions with --image)');
    if (request.from === request.to) throw new UsageError(`--from and --to are both "${request.to}": name two different stages`);
  }
  const source = request.versions ? undefined : findStage(pipeline, request.from as string);
  const [scannedSource, scannedTarget] = await Promise.all([
    source ? scanStage(files, pipeline, source) : undefined,
    scanStage(files, pipeline, target),
  ]);
  const plan = planPromotion({
    from: source?.name ?? 'images',
    source: source ? 'stage' : 'images',
    versions: scannedSource ? stageVersions(scannedSource) : (request.versions ?? []),
    target: scannedTarget,
    only: request.only,
  });
  if (scannedSource) {
    // Problems in the source matter too: an unreadable source file may hide a version.
    plan.skipped = [...plan.skipped, ...scannedSource.skipped].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  }
  return { plan, target: scannedTarget };
}

function referenceAt(target: ScannedStage, file: string, line: number, column: number): ImageReference {
  const found = target.references.find((ref) => ref.file === file && ref.line === line && ref.column === column);
  if (!found) throw new Error(`internal: the plan names ${file}:${line}:${column}, which the scan did not find`);
  return found;
}

/** The new text of every file the plan changes, checked by re-scanning before anything is written. */
export async function renderPromotion(files: RepoFiles, pipeline: Pipeline, planned: PlannedPromotion): Promise<Record<string, string>> {
  const editsByFile = new Map<string, Edit[]>();
  for (const change of planned.plan.changes) {
    const reference = referenceAt(planned.target, change.file, change.line, change.column);
    const edits = editsByFile.get(change.file) ?? [];
    edits.push({ reference, version: parseVersion(change.new) });
    editsByFile.set(change.file, edits);
  }
  const output: Record<string, string> = {};
  for (const [file, edits] of editsByFile) {
    const text = applyEdits(await files.read(file), edits);
    // Guarantee: re-scanning the result yields exactly the planned state of every reference in the file.
    const identity = (ref: ImageReference, version: string) => `${ref.document}|${ref.workload ?? ''}|${ref.container ?? ''}|${ref.image}=${version}`;
    const expected = planned.target.references
      .filter((ref) => ref.file === file)
      .map((ref) => identity(ref, formatVersion(edits.find((edit) => edit.reference === ref)?.version ?? ref)))
      .sort();
    const actual = scanFile(file, text, { fields: pipeline.fields }).references.map((ref) => identity(ref, formatVersion(ref))).sort();
    if (expected.join('\n') !== actual.join('\n')) {
      throw new PromotionError(`${file}: the rewritten file did not read back as planned; nothing was written. Please report this file.`);
    }
    output[file] = text;
  }
  return output;
}

export interface PromoteOptions {
  allowDowngrade?: boolean;
  /** Compute everything, write nothing. */
  dryRun?: boolean;
}

/** Plans, refuses downgrades unless allowed, and writes the target's files. Returns the plan and the written files. */
export async function promoteStages(
  files: RepoFiles,
  pipeline: Pipeline,
  request: PlanRequest,
  options: PromoteOptions = {},
): Promise<{ plan: Plan; written: Record<string, string> }> {
  const planned = await planStages(files, pipeline, request);
  const refused = options.allowDowngrade ? [] : downgrades(planned.plan);
  if (refused.length > 0) {
    const list = refused.map((change) => `  ${change.file}:${change.line} ${change.image} ${change.old} → ${change.new}`).join('\n');
    throw new PromotionError(`Refusing ${refused.length} downgrade${refused.length === 1 ? '' : 's'} (nothing was written):\n${list}\nPass --allow-downgrade (input allow-downgrade) if this is a rollback.`);
  }
  const written = await renderPromotion(files, pipeline, planned);
  if (!options.dryRun) for (const [file, text] of Object.entries(written)) await files.write(file, text);
  return { plan: planned.plan, written };
}
