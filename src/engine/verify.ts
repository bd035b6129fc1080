// verify: a pull request into a stage may only set versions that already stand in the stage before it (on the base
// branch), exist in the registry and have soaked. It reads git objects and the BASE branch's config only: nothing from the
// pull request is run or trusted.
import { findStage, type Pipeline, type Stage } from '../core/config/index.js';
import { formatVersion, type ImageReference, type Version } from '../core/image-reference.js';
import { compareText, referenceKey, type ScannedStage } from '../core/plan.js';
import { compileStagePath, placeIn } from '../core/stage-layout.js';
import type { ChangedFile, Git } from '../adapters/git.js';
import type { Registry } from '../adapters/registry.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import { UsageError } from '../core/errors.js';
import { checkRegistry } from './gates/registry-gate.js';
import { checkSoak } from './gates/soak-gate.js';
import type { GateResult } from '../core/gate-result.js';
import type { VerifiedChange, VerifyResult } from '../core/verify-result.js';

import type { Skipped } from '../core/image-reference.js';
import { loadPipeline } from './load-config.js';
import { fileSelector, scanStage } from './scan.js';

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

/**
 * Whether what upstream holds vouches for the version set. A digest is vouched for by the same digest, or by the same tag
 * unpinned upstream when the registry confirms that tag is that digest (`confirm`); a tag alone by the same tag.
 */
async function vouched(
  set: Version,
  held: ImageReference,
  confirm: (image: string, tag: string) => Promise<string | undefined>,
): Promise<boolean> {
  if (set.tag && held.tag !== set.tag) return false;
  if (!set.digest) return held.tag !== undefined;
  if (held.digest) return held.digest === set.digest;
  return set.tag !== undefined && (await confirm(held.image, set.tag)) === set.digest;
}

/** Changed paths in a stage that the scan did not read: links, submodules, files outside `files:`, unreadable YAML. */
function skippedFiles(stage: Stage, pipeline: Pipeline, changed: ChangedFile[], head: ScannedStage): Skipped[] {
  const selected = fileSelector(pipeline, stage);
  const patterns = stage.paths.map(compileStagePath);
  const unreadable = new Map(head.skipped.map((item) => [item.file, item.reason]));
  const skipped: Skipped[] = [];
  for (const { path, mode } of changed) {
    const place = placeIn(patterns, path);
    if (place === undefined || mode === '000000') continue;
    if (mode === '120000')
      skipped.push({
        file: path,
        line: 1,
        reason: 'a symlink: verify reads files, not what links point to; replace it with the file',
      });
    else if (mode === '160000') skipped.push({ file: path, line: 1, reason: 'a submodule: verify cannot read it' });
    else if (!selected(path, place.relative))
      skipped.push({
        file: path,
        line: 1,
        reason: `not selected by files: in ${pipeline.configFile ?? 'stagecoach.yaml'}, so verify did not read it`,
      });
    else if (unreadable.has(path))
      skipped.push({ file: path, line: 1, reason: `not readable as YAML (${unreadable.get(path)})` });
  }
  return skipped;
}

function stagesTouched(pipeline: Pipeline, files: string[]): Stage[] {
  return pipeline.stages.filter((stage) => {
    const patterns = stage.paths.map(compileStagePath);
    return files.some((file) => placeIn(patterns, file) !== undefined);
  });
}

/** The references of the head scan whose version the base did not hold at the same place. */
function versionsSet(
  base: ScannedStage,
  head: ScannedStage,
  changedFiles: Set<string>,
): { reference: ImageReference; old?: string }[] {
  const before = new Map<string, string[]>();
  for (const ref of base.references) {
    const key = `${ref.image}|${referenceKey(ref, base.paths, base.places)}`;
    before.set(key, [...(before.get(key) ?? []), formatVersion(ref)]);
  }
  return head.references
    .filter((ref) => changedFiles.has(ref.file))
    .map((reference) => ({
      reference,
      old: before.get(`${reference.image}|${referenceKey(reference, head.paths, head.places)}`),
    }))
    .filter(({ reference, old }) => !old?.includes(formatVersion(reference)))
    .map(({ reference, old }) => ({ reference, ...(old ? { old: old.join(', ') } : {}) }));
}

/** One verify run: what it reads, and what it finds. */
interface Run {
  deps: VerifyDependencies;
  request: VerifyRequest;
  pipeline: Pipeline;
  baseFiles: RepoFiles;
  headFiles: RepoFiles;
  forkFiles: RepoFiles;
  changedFiles: ChangedFile[];
  changed: Set<string>;
  confirm: (image: string, tag: string) => Promise<string | undefined>;
  changes: VerifiedChange[];
  skipped: Skipped[];
  gates: GateResult[];
}

export async function verifyPullRequest(deps: VerifyDependencies, request: VerifyRequest): Promise<VerifyResult> {
  if (!(await deps.git.head()))
    throw new UsageError(
      'verify reads git history: run it in a git checkout of the config repository (with its commits)',
    );
  // What the pull request changes is measured from where it left the base (the merge base), so commits that landed on
  // the base since are not taken for its own; what it is checked against is the base as it is now. Reading the changes
  // first also checks both revisions exist, before the base's config is looked for.
  const { mergeBase, files: changedFiles } = await deps.git.changes(request.base, request.head);
  const baseFiles = deps.git.filesAt(request.base);
  const headFiles = deps.git.filesAt(request.head);
  const pipeline = await loadPipeline(baseFiles, { config: request.config });
  const forkFiles = deps.git.filesAt(mergeBase);
  const targets = request.to
    ? [findStage(pipeline, request.to)]
    : stagesTouched(
        pipeline,
        changedFiles.map((file) => file.path),
      );
  const run: Run = {
    deps,
    request,
    pipeline,
    baseFiles,
    headFiles,
    forkFiles,
    changedFiles,
    changed: new Set(changedFiles.map((file) => file.path)),
    confirm: digestConfirmer(deps.registry),
    changes: [],
    skipped: [],
    gates: [],
  };
  for (const stage of targets) await verifyStage(run, stage);
  const { changes, skipped, gates } = run;
  changes.sort((a, b) => compareText(a.file, b.file) || a.line - b.line || a.column - b.column);
  skipped.sort((a, b) => compareText(a.file, b.file));
  const passed =
    skipped.length === 0 &&
    changes.every((change) => change.problems.length === 0) &&
    gates.every((gate) => gate.passed);
  return {
    base: request.base,
    head: request.head,
    stages: targets.map((stage) => stage.name),
    changes,
    skipped,
    gates,
    passed,
  };
}

/** The digest the registry gives a tag, asked once per image and tag; undefined without registry access or on failure. */
function digestConfirmer(
  registry: Pick<Registry, 'resolve'> | undefined,
): (image: string, tag: string) => Promise<string | undefined> {
  const digests = new Map<string, Promise<string | undefined>>();
  return (image, tag) => {
    if (!registry) return Promise.resolve(undefined);
    const key = `${image}:${tag}`;
    if (!digests.has(key))
      digests.set(
        key,
        registry.resolve(image, tag).then(
          (found) => found?.digest,
          () => undefined,
        ),
      );
    return digests.get(key) as Promise<string | undefined>;
  };
}

/** The versions one stage's files set, each checked against the stage before it, then the stage's gates. */
async function verifyStage(run: Run, stage: Stage): Promise<void> {
  const { pipeline } = run;
  const index = pipeline.stages.indexOf(stage);
  const upstreamStage = index > 0 ? pipeline.stages[index - 1] : undefined;
  const [baseScan, headScan, upstream] = await Promise.all([
    scanStage(run.forkFiles, pipeline, stage),
    scanStage(run.headFiles, pipeline, stage),
    upstreamStage ? scanStage(run.baseFiles, pipeline, upstreamStage) : undefined,
  ]);
  run.skipped.push(...skippedFiles(stage, pipeline, run.changedFiles, headScan));
  const set = versionsSet(baseScan, headScan, run.changed);
  for (const { reference, old } of set) {
    run.changes.push({
      stage: stage.name,
      ...(upstream ? { upstream: upstream.name } : {}),
      file: reference.file,
      line: reference.line,
      column: reference.column,
      image: reference.image,
      ...(old ? { old } : {}),
      new: formatVersion(reference),
      problems: upstream ? await upstreamProblems(run, reference, upstream) : [],
    });
  }
  await stageGates(run, stage, set, upstream);
}

/** Why the stage before does not vouch for the version set (empty: it does). */
async function upstreamProblems(run: Run, reference: ImageReference, upstream: ScannedStage): Promise<string[]> {
  const held = upstream.references.filter((ref) => ref.image === reference.image);
  const ok = (await Promise.all(held.map((ref) => vouched(reference, ref, run.confirm)))).some(Boolean);
  if (ok) return [];
  const runs = [...new Set(held.map((ref) => formatVersion(ref)))].join(', ');
  const digestOnly = reference.digest && held.some((ref) => ref.tag === reference.tag && !ref.digest);
  return [
    digestOnly
      ? `${upstream.name} runs ${runs}, but ${run.deps.registry ? 'the registry does not resolve that tag to' : 'verify has no registry access to confirm that tag is'} ${reference.digest}`
      : runs
        ? `${upstream.name} runs ${runs}, not ${formatVersion(reference)}: promote it to ${upstream.name} first, or fix the version`
        : `${upstream.name} does not run ${reference.image} at all: it must pass through ${upstream.name} first`,
  ];
}

/** The stage's registry and soak gates over the versions set, their failures attached to the changes. */
async function stageGates(
  run: Run,
  stage: Stage,
  set: { reference: ImageReference; old?: string }[],
  upstream: ScannedStage | undefined,
): Promise<void> {
  const { deps } = run;
  const releases = [
    ...new Map(set.map(({ reference }) => [`${reference.image}|${formatVersion(reference)}`, reference])).values(),
  ].map((ref) => ({
    image: ref.image,
    version: { ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) },
  }));
  if (releases.length === 0) return;
  if (stage.gates.registry) {
    if (!deps.registry)
      throw new UsageError(
        `Stage ${stage.name} has a registry gate: give verify registry access (credentials or a Docker config)`,
      );
    // chart versions (`charts: true`) live in chart repositories, not in the container registry this gate reads
    const charts = new Set(
      set.filter(({ reference }) => reference.kind === 'chart').map(({ reference }) => reference.image),
    );
    const { result } = await checkRegistry(
      deps.registry,
      releases.filter((release) => !charts.has(release.image)),
    );
    run.gates.push(result);
    attach(run.changes, stage.name, result);
  }
  if (stage.gates.soakSeconds > 0 && upstream) {
    const result = await checkSoak(deps.git, upstream, releases, {
      revision: run.request.base,
      minimumSeconds: stage.gates.soakSeconds,
      now: deps.now,
    });
    run.gates.push(result);
    attach(run.changes, stage.name, result);
  }
}

/** Puts a gate's failures on the changes they name, so each problem is annotated at its file and line. */
function attach(changes: VerifiedChange[], stage: string, result: GateResult): void {
  for (const failure of result.failures ?? []) {
    for (const change of changes) {
      if (change.stage === stage && change.image === failure.image && change.new === failure.version)
        change.problems.push(`${result.gate}: ${failure.message}`);
    }
  }
}
