// Plan and promote between two stages of a pipeline: scan both, plan, then rewrite the target's files.
import { findStage, type Pipeline } from '../core/config.js';
import { formatVersion, parseVersion, type ImageReference } from '../core/image-reference.js';
import {
  compareText,
  planPromotion,
  stageVersions,
  type NotPromoted,
  type Plan,
  type ScannedStage,
  type SourceVersion,
} from '../core/plan.js';
import { applyEdits, type Edit } from '../core/rewrite.js';
import { scanFile } from '../core/scan.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import type { Registry } from '../adapters/registry.js';
import { pinKey } from './gates/registry-gate.js';
import { parseImageArguments, resolveImageVersions, type ImageArgument } from './image-sources.js';
import { PromotionError, UsageError } from './errors.js';
import { scanStage } from './scan-stage.js';

export interface PlanRequest {
  /** Source stage name; absent when `images` name the versions (the registry as a source). */
  from?: string;
  to: string;
  only?: string[];
  /** `--image` arguments: versions named, or bare repositories resolved by their tag policy. */
  images?: ImageArgument[];
  /** `image|tag` → digest: write `tag@digest` (the registry gate's `pin`). */
  pins?: Map<string, string>;
}

/** The request both entries build from their flags or inputs: a source stage, or `--image` versions. */
export function planRequestFor(to: string, only: string[], images: string[], from?: string): PlanRequest {
  return { to, only, ...(images.length > 0 ? { images: parseImageArguments(images) } : { from }) };
}

export interface PlannedPromotion {
  plan: Plan;
  target: ScannedStage;
  source?: ScannedStage;
}

function pinned(versions: SourceVersion[], pins: Map<string, string> | undefined): SourceVersion[] {
  if (!pins) return versions;
  return versions.map((version) => {
    const digest = version.tag && !version.digest ? pins.get(pinKey(version.image, version.tag)) : undefined;
    return digest ? { ...version, digest } : version;
  });
}

export async function planStages(
  files: RepoFiles,
  pipeline: Pipeline,
  request: PlanRequest,
  registry?: Pick<Registry, 'listTags'>,
): Promise<PlannedPromotion> {
  const target = findStage(pipeline, request.to);
  if (!request.images) {
    if (!request.from) throw new UsageError('Name the source stage with --from (or versions with --image)');
    if (request.from === request.to)
      throw new UsageError(`--from and --to are both "${request.to}": name two different stages`);
  }
  const source = request.images ? undefined : findStage(pipeline, request.from as string);
  const [scannedSource, scannedTarget] = await Promise.all([
    source ? scanStage(files, pipeline, source) : undefined,
    scanStage(files, pipeline, target),
  ]);
  let versions: SourceVersion[];
  let unresolved: NotPromoted[] = [];
  if (scannedSource) versions = stageVersions(scannedSource);
  else {
    const needsRegistry = (request.images ?? []).some((image) => !image.tag && !image.digest);
    if (needsRegistry && !registry)
      throw new UsageError('A bare --image repository needs registry access to choose its newest tag');
    const resolved = await resolveImageVersions(
      request.images ?? [],
      pipeline,
      scannedTarget,
      registry ?? { listTags: async () => [] },
    );
    versions = resolved.versions;
    unresolved = resolved.notPromoted;
  }
  const plan = planPromotion({
    from: source?.name ?? 'images',
    source: source ? 'stage' : 'images',
    versions: pinned(versions, request.pins),
    target: scannedTarget,
    only: request.only,
  });
  plan.notPromoted = [...plan.notPromoted, ...unresolved].sort(
    (a, b) => compareText(a.image, b.image) || compareText(a.version, b.version),
  );
  if (scannedSource) {
    // Problems in the source matter too: an unreadable source file may hide a version.
    plan.skipped = [...plan.skipped, ...scannedSource.skipped].sort(
      (a, b) => compareText(a.file, b.file) || a.line - b.line,
    );
  }
  return { plan, target: scannedTarget, ...(scannedSource ? { source: scannedSource } : {}) };
}

function referenceAt(target: ScannedStage, file: string, line: number, column: number): ImageReference {
  const found = target.references.find((ref) => ref.file === file && ref.line === line && ref.column === column);
  if (!found) throw new Error(`internal: the plan names ${file}:${line}:${column}, which the scan did not find`);
  return found;
}

/** The new text of every file the plan changes, checked by re-scanning before anything is written. */
export async function renderPromotion(
  files: RepoFiles,
  pipeline: Pipeline,
  planned: PlannedPromotion,
): Promise<Record<string, string>> {
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
    const identity = (ref: ImageReference, version: string) =>
      `${ref.document}|${ref.workload ?? ''}|${ref.container ?? ''}|${ref.image}=${version}`;
    const expected = planned.target.references
      .filter((ref) => ref.file === file)
      .map((ref) => identity(ref, formatVersion(edits.find((edit) => edit.reference === ref)?.version ?? ref)))
      .sort();
    const actual = scanFile(file, text, { fields: pipeline.fields })
      .references.map((ref) => identity(ref, formatVersion(ref)))
      .sort();
    if (expected.join('\n') !== actual.join('\n')) {
      throw new PromotionError(
        `${file}: the rewritten file did not read back as planned; nothing was written. Please report this file.`,
      );
    }
    output[file] = text;
  }
  return output;
}
