// The plan step: scan the source (a stage, or registry versions) and the target, and plan what the target changes.
import { findStage, type Pipeline } from '../core/config/index.js';
import { scanFile } from '../core/scan.js';
import { compileStagePath, placeIn } from '../core/stage-layout.js';
import {
  compareText,
  planPromotion,
  stageVersions,
  type NotPromoted,
  type Plan,
  type ScannedStage,
  type SourceVersion,
} from '../core/plan.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import type { Registry } from '../adapters/registry.js';
import { pinKey } from './gates/registry-gate.js';
import { parseImageArguments, resolveImageVersions, type ImageArgument } from './registry-source.js';
import { UsageError } from '../core/errors.js';
import { checkDisjoint, scanStage, settleScans } from './scan.js';

export interface PlanRequest {
  /** Source stage name; absent when `images` name the versions (the registry as a source). */
  from?: string;
  to: string;
  only?: string[];
  /** `--image` arguments: versions named, or bare repositories resolved by their tag policy. */
  images?: ImageArgument[];
  /** `image|tag` → digest: write `tag@digest` (the registry gate's `pin`). */
  pins?: Map<string, string>;
  /** --source live: the versions read from the source stage's clusters, and where they differ from its git. */
  live?: { versions: SourceVersion[]; differences: string[] };
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

/**
 * Folders next to the stages' files, outside every stage, whose files hold image references (`apps/base/podinfo`
 * beside `apps/staging`): for the headline of a plan that found none. Read only when a stage holds no reference.
 */
async function imagesOutside(files: RepoFiles, pipeline: Pipeline, stages: ScannedStage[]): Promise<string[]> {
  const owned = new Set(stages.flatMap((stage) => Object.keys(stage.places ?? {})));
  const parents = new Set<string>();
  for (const stage of stages) {
    for (const path of stage.paths) {
      const base = path.includes('*') ? path.slice(0, path.indexOf('*')) : path;
      const parent = base.replace(/\/?[^/]*$/, '');
      parents.add(parent === '' ? '.' : parent);
    }
  }
  const patterns = pipeline.stages.map((stage) => stage.paths.map(compileStagePath));
  const staged = (file: string) => patterns.some((list) => placeIn(list, file) !== undefined);
  const found = new Set<string>();
  for (const parent of [...parents].sort()) {
    const listed = await files.list(parent).catch(() => [] as string[]);
    for (const file of listed.slice(0, 2000)) {
      if (owned.has(file) || !/\.ya?ml$/.test(file) || staged(file)) continue;
      const text = await files.read(file).catch(() => '');
      if (scanFile(file, text, { fields: pipeline.fields }).references.length > 0)
        found.add(file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.');
      if (found.size >= 3) return [...found];
    }
  }
  return [...found];
}
/** The phases of a run, as the log groups them and the CLI's progress line names them. */
export type Phase = 'config' | 'scan' | 'plan' | 'gates' | 'publish';
/** Told when a phase starts, and again when its detail grows (`dev, staging (1,200 files)`, `command "render"`). */
export type OnPhase = (phase: Phase, detail: string) => void;
const stagecoachFile = (pipeline: Pipeline) => pipeline.configFile ?? 'stagecoach.yaml';

export async function planStages(
  files: RepoFiles,
  pipeline: Pipeline,
  request: PlanRequest,
  registry?: Pick<Registry, 'listTags'>,
  onPhase?: OnPhase,
): Promise<PlannedPromotion> {
  const target = findStage(pipeline, request.to);
  if (!request.images) {
    if (!request.from) throw new UsageError('Name the source stage with --from (or versions with --image)');
    if (request.from === request.to)
      throw new UsageError(`--from and --to are both "${request.to}": name two different stages`);
  }
  const source = request.images ? undefined : findStage(pipeline, request.from as string);
  const names = [source?.name, target.name].filter(Boolean).join(', ');
  let listed = 0;
  const onListed = (count: number) =>
    onPhase?.('scan', `${names} (${(listed += count).toLocaleString('en-US')} files)`);
  onPhase?.('scan', names);
  const [scannedSource, scannedTarget] = (await settleScans<ScannedStage | undefined>([
    source ? scanStage(files, pipeline, source, onListed) : Promise.resolve(undefined),
    scanStage(files, pipeline, target, onListed),
  ])) as [ScannedStage | undefined, ScannedStage];
  if (scannedSource) checkDisjoint([scannedSource, scannedTarget]);
  onPhase?.('plan', `${source?.name ?? 'images'} → ${target.name}`);
  let versions: SourceVersion[];
  let unresolved: NotPromoted[] = [];
  if (scannedSource) versions = request.live?.versions ?? stageVersions(scannedSource);
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
  const blind = scannedTarget.references.length === 0 || scannedSource?.references.length === 0;
  const scanned = scannedSource ? [scannedSource, scannedTarget] : [scannedTarget];
  const plan = planPromotion({
    from: source?.name ?? 'images',
    source: source ? 'stage' : 'images',
    versions: pinned(versions, request.pins),
    target: scannedTarget,
    only: request.only,
    ...(scannedSource?.policies ? { policies: scannedSource.policies } : {}),
    ...(scannedSource ? { sourcePaths: scannedSource.paths } : {}),
    ...(blind ? { outside: await imagesOutside(files, pipeline, scanned) } : {}),
    ...(scannedSource?.places ? { sourcePlaces: scannedSource.places } : {}),
  });
  plan.notPromoted = [...plan.notPromoted, ...unresolved].sort(
    (a, b) => compareText(a.image, b.image) || compareText(a.version, b.version),
  );
  for (const difference of request.live?.differences ?? [])
    plan.warnings.push({ file: stagecoachFile(pipeline), line: 0, message: `live differs from git: ${difference}` });
  if (scannedSource) {
    // Problems in the source matter too: an unreadable source file may hide a version, a bad tag is not offered.
    plan.skipped = [
      ...plan.skipped,
      ...scannedSource.skipped.map((item) => ({ ...item, fromSource: true as const })),
    ].sort((a, b) => compareText(a.file, b.file) || a.line - b.line);
    plan.warnings = [...plan.warnings, ...scannedSource.warnings].sort(
      (a, b) => compareText(a.file, b.file) || a.line - b.line,
    );
  }
  return { plan, target: scannedTarget, ...(scannedSource ? { source: scannedSource } : {}) };
}
