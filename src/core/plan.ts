// Plan: which versions in the target stage move to the source's. Pure: references in, one sorted Plan out.
import { Minimatch } from 'minimatch';
import {
  formatVersion,
  sameVersion,
  type Finding,
  type ImageReference,
  type Skipped,
  type Version,
} from './image-reference.js';
import type { FluxImagePolicy } from './flux-image-policy.js';
import { matchKeys, placeOf, SourceIndex, type Offered } from './match.js';
import type { Change, ImageChange, NotPromoted, Plan, SourceKind } from './plan-types.js';
import { headline } from './plan-headline.js';
import { judgeChange, unknownPolicies } from './plan-warnings.js';
import { didYouMean } from './config/did-you-mean.js';
import { writableVersion } from './rewrite.js';
import { compareVersions } from './tag-policy.js';
import { notFoundReason } from './unread-files.js';

export type { Change, ImageChange, NotPromoted, Plan, PlanOutcome, SourceKind } from './plan-types.js';
export { insideStagePath, stageRelative } from './match.js';

/** A stage's scan: its paths and each file's place (to pair references across stages), and what was found there. */
export interface ScannedStage {
  name: string;
  paths: string[];
  /** file → its place in the stage's layout (stage-layout.ts); filled by the scan. */
  places?: Record<string, string>;
  references: ImageReference[];
  skipped: Skipped[];
  warnings: Finding[];
  /** Flux ImagePolicy objects the stage's files (and the folders of its marked lines) hold. */
  policies?: FluxImagePolicy[];
}

/** A version the source offers; `keys` say where it stands when the source holds several versions of an image. */
export interface SourceVersion extends Offered {
  /** The most specific of `keys`: `Deployment/api#api`, or `values.yaml#worker.image`. */
  key?: string;
}

export interface PlanInput {
  from: string;
  source: SourceKind;
  versions: SourceVersion[];
  target: ScannedStage;
  /** `--only` globs, matched against the image, its short name and the workload. */
  only?: string[];
  /** More Flux ImagePolicy objects (the source stage's) to order marked lines by, besides the target's. */
  policies?: FluxImagePolicy[];
  /** The source stage's paths, for the headline when it holds no reference. */
  sourcePaths?: string[];
  /** A folder outside every stage that holds images (`apps/base`), for the headline's hint. */
  outside?: string[];
  /** Where the source's files stand in its layout, to pair an offered image with the target's unread files. */
  sourcePlaces?: Record<string, string>;
}

/** Where a reference sits inside its stage, the same across stages: `Deployment/api#api`, or `values.yaml#worker.image`. */
export function referenceKey(reference: ImageReference, stagePaths: string[], places?: Record<string, string>): string {
  const isObject = reference.workload !== undefined && reference.workload !== reference.file;
  const place = isObject ? reference.workload : placeOf(reference.file, { paths: stagePaths, places });
  return `${place}#${reference.container ?? ''}`;
}

/** The versions a stage offers as a source: one entry per image and place. */
export function stageVersions(stage: ScannedStage): SourceVersion[] {
  // Places matter only for an image the stage holds at several versions: the common case builds no key at all.
  // A tagless reference (`image: busybox`) offers no version to promote.
  const pinned = stage.references.filter((reference) => reference.tag || reference.digest);
  const versions = new Map<string, string | null>();
  for (const reference of pinned) {
    const version = formatVersion(reference);
    const seen = versions.get(reference.image);
    if (seen === undefined) versions.set(reference.image, version);
    else if (seen !== version) versions.set(reference.image, null);
  }
  return pinned.map((reference) => ({
    image: reference.image,
    ...(versions.get(reference.image) === null
      ? { key: referenceKey(reference, stage.paths, stage.places), keys: matchKeys(reference, stage) }
      : {}),
    ...versionOf(reference),
    file: reference.file,
    line: reference.line,
  }));
}

function versionOf(version: Version): Version {
  return { ...(version.tag ? { tag: version.tag } : {}), ...(version.digest ? { digest: version.digest } : {}) };
}

/** Code-unit order: the same on every machine (localeCompare follows the locale, and is slow). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function shortName(image: string): string {
  return image.slice(image.lastIndexOf('/') + 1);
}

/** `--only` globs, compiled once: whether a reference's image, short name or workload matches one. */
export function onlySelector(
  only: string[] | undefined,
): (reference: { image: string; name?: string; workload?: string }) => boolean {
  if (!only || only.length === 0) return () => true;
  const globs = only.map((glob) => new Minimatch(glob));
  return (reference) => {
    const names = [reference.image, reference.name ?? '', shortName(reference.image), reference.workload ?? ''];
    return globs.some((glob) => names.some((name) => name && glob.match(name)));
  };
}

/** The source's images the target does not hold (and `--only` selects): listed, never added. */
function notInTarget(
  offered: SourceIndex,
  target: ScannedStage,
  listed: (image: string) => boolean,
  sourcePlace: (file: string) => string | undefined,
  typed: boolean,
): NotPromoted[] {
  const notPromoted: NotPromoted[] = [];
  // Names typed by hand (--image, the images input) get the closest image the stage holds; a stage's own do not.
  const held = typed ? [...new Set(target.references.map((reference) => reference.image))].sort(compareText) : [];
  // An image field the scan could not read (a block scalar, say) may be where the target holds this image.
  const unread = target.warnings.filter((warning) => warning.file !== '');
  const unreadNote =
    unread.length === 0
      ? ''
      : `; ${target.name} has image fields Stagecoach could not read (${unread
          .slice(0, 3)
          .map((warning) => `${warning.file}:${warning.line}`)
          .join(
            ', ',
          )}${unread.length > 3 ? `, ${unread.length - 3} more` : ''}): if it is one of them, fix it as the warning says`;
  for (const [image, bucket] of offered.images()) {
    if (!listed(image)) continue;
    for (const [version, list] of bucket) {
      const first = list[0];
      notPromoted.push({
        image,
        version,
        reason:
          notFoundReason(target, first?.file === undefined ? undefined : sourcePlace(first.file)) ??
          `not in ${target.name}${typed ? didYouMean(image, held) : ''}: Stagecoach updates images a stage already runs, it never adds them${unreadNote}`,
        ...(first?.file ? { file: first.file, line: first.line } : {}),
      });
    }
  }
  return notPromoted;
}

/** The edit moving `reference` to `version`, marked as a downgrade when both versions compare and `version` is older. */
function changeOf(reference: ImageReference, version: Version, byPolicy?: boolean): Change {
  const order = reference.tag && version.tag ? compareVersions(reference.tag, version.tag) : undefined;
  return {
    file: reference.file,
    line: reference.line,
    column: reference.column,
    image: reference.image,
    name: reference.name,
    ...(reference.workload !== undefined ? { workload: reference.workload } : {}),
    ...(reference.container !== undefined ? { container: reference.container } : {}),
    format: reference.format,
    ...(reference.kind ? { kind: reference.kind } : {}),
    old: formatVersion(reference),
    new: formatVersion(version),
    downgrade: byPolicy ?? (order !== undefined && order > 0),
  };
}

function compareChange(a: Change, b: Change): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

/** What planning the target's references gathers: changes, reasons, warnings, and the headline's counts. */
interface Gathered {
  changes: Change[];
  notPromoted: NotPromoted[];
  warnings: Finding[];
  /** Warnings said once: one remote base serves several images entries. */
  said: Set<string>;
  /** Changed lines whose `$imagepolicy` names a policy the repository does not hold. */
  unmanaged: ImageReference[];
  compared: number;
  unmatched: number;
}

/** One target reference the source offers: its change, or why it is not promoted, and the warnings it deserves. */
function planReference(
  reference: ImageReference,
  offered: SourceIndex,
  target: ScannedStage,
  policies: FluxImagePolicy[],
  g: Gathered,
): void {
  if (!reference.tag && !reference.digest) {
    g.notPromoted.push({
      image: reference.image,
      version: '(no tag)',
      reason: `${reference.name} has no tag here: Stagecoach never pins an untagged reference; write a tag to promote it`,
      file: reference.file,
      line: reference.line,
    });
    return;
  }
  const wanted = offered.wanted(reference, target);
  if (!('version' in wanted)) {
    g.unmatched += 1;
    g.notPromoted.push({
      image: reference.image,
      version: formatVersion(reference),
      reason: wanted.reason,
      file: reference.file,
      line: reference.line,
    });
    return;
  }
  g.compared += 1;
  // A pinned target (tag@digest from the registry gate) is up to date with the same tag offered unpinned.
  if (!wanted.version.digest && reference.digest && reference.tag === wanted.version.tag) return;
  const writable = writableVersion(reference, wanted.version);
  if (writable.warning)
    g.warnings.push({
      file: reference.file,
      line: reference.line,
      column: reference.column,
      message: writable.warning,
    });
  if (sameVersion(reference, writable.version)) return;
  const judged = judgeChange(reference, writable.version, policies);
  if (judged.unknownPolicy) g.unmanaged.push(reference);
  for (const warning of judged.warnings) {
    const key = `${warning.file}:${warning.line}:${warning.message}`;
    if (!g.said.has(key)) g.warnings.push(warning);
    g.said.add(key);
  }
  g.changes.push(changeOf(reference, writable.version, judged.downgrade));
}

/** Plans the promotion of `versions` into `target`. Images only in the target are left alone; images only in the source are listed. */
export function planPromotion(input: PlanInput): Plan {
  const { target } = input;
  const offered = new SourceIndex(input.versions);
  const selected = onlySelector(input.only);
  const targetImages = new Set<string>();
  const policies = [...(target.policies ?? []), ...(input.policies ?? [])];
  const g: Gathered = {
    changes: [],
    notPromoted: [],
    warnings: [...target.warnings],
    said: new Set(),
    unmanaged: [],
    compared: 0,
    unmatched: 0,
  };
  for (const reference of target.references) {
    targetImages.add(reference.image);
    if (offered.has(reference.image) && selected(reference)) planReference(reference, offered, target, policies, g);
  }
  const { changes, notPromoted, warnings, unmanaged, compared, unmatched } = g;

  const unknown = unknownPolicies(unmanaged);
  if (unknown) warnings.push(unknown);

  const sourcePlace = (file: string) =>
    input.sourcePaths ? placeOf(file, { paths: input.sourcePaths, places: input.sourcePlaces }) : undefined;
  notPromoted.push(
    ...notInTarget(
      offered,
      target,
      (image) => !targetImages.has(image) && selected({ image }),
      sourcePlace,
      input.source !== 'stage',
    ),
  );

  if (input.only && input.only.length > 0 && !target.references.some((reference) => selected(reference))) {
    warnings.push({
      file: '',
      line: 0,
      message: `--only ${input.only.join(', ')} matches no image or workload in ${target.name}${input.only.length === 1 ? didYouMean(input.only[0], [...new Set([...targetImages, ...target.references.flatMap((reference) => reference.workload ?? [])])].sort(compareText)) : ''}`,
    });
  }
  changes.sort(compareChange);
  notPromoted.sort(
    (a, b) =>
      compareText(a.image, b.image) || compareText(a.version, b.version) || compareText(a.file ?? '', b.file ?? ''),
  );
  warnings.sort((a, b) => compareText(a.file, b.file) || a.line - b.line);
  const counts = {
    targetReferences: target.references.length,
    sourceReferences: input.versions.length,
    compared,
    unmatched,
  };
  return {
    from: input.from,
    to: target.name,
    source: input.source,
    changes,
    images: summariseImages(changes),
    notPromoted,
    skipped: [...target.skipped].sort((a, b) => compareText(a.file, b.file) || a.line - b.line),
    warnings,
    outcome: { ...counts, headline: headline(input, changes, counts) },
  };
}

/** Not-promoted items grouped by reason, in first-seen order: one sentence per reason, not one per image. */
export function groupNotPromoted(items: NotPromoted[]): { reason: string; items: NotPromoted[] }[] {
  const groups = new Map<string, NotPromoted[]>();
  for (const item of items) {
    const list = groups.get(item.reason);
    if (list) list.push(item);
    else groups.set(item.reason, [item]);
  }
  return [...groups.entries()].map(([reason, list]) => ({ reason, items: list }));
}

/**
 * The plan a promotion commit carried out: the stage scanned before and after it, paired reference by reference within
 * each file (a rewrite moves versions only, so every reference keeps its place). A file whose references differ in more
 * than their versions is named in a warning instead.
 */
export function appliedPlan(from: string, source: SourceKind, before: ScannedStage, after: ScannedStage): Plan {
  const byFile = (stage: ScannedStage) => {
    const files = new Map<string, ImageReference[]>();
    for (const reference of stage.references)
      files.set(reference.file, [...(files.get(reference.file) ?? []), reference]);
    return files;
  };
  const identity = (ref: ImageReference) => `${ref.document}|${ref.workload ?? ''}|${ref.container ?? ''}|${ref.image}`;
  const afterFiles = byFile(after);
  const changes: Change[] = [];
  const warnings: Finding[] = [];
  for (const [file, olds] of byFile(before)) {
    const news = afterFiles.get(file) ?? [];
    if (news.length !== olds.length || news.some((ref, index) => identity(ref) !== identity(olds[index]))) {
      warnings.push({ file, line: 0, message: 'the commit changes more than image versions here; see its diff' });
      continue;
    }
    olds.forEach((old, index) => {
      if (!sameVersion(old, news[index])) changes.push(changeOf(old, versionOf(news[index])));
    });
  }
  changes.sort(compareChange);
  return {
    from,
    to: before.name,
    source,
    changes,
    images: summariseImages(changes),
    notPromoted: [],
    skipped: [...after.skipped],
    warnings,
  };
}

function summariseImages(changes: Change[]): ImageChange[] {
  const byImage = new Map<string, Change[]>();
  for (const change of changes) {
    const list = byImage.get(change.image);
    if (list) list.push(change);
    else byImage.set(change.image, [change]);
  }
  return [...byImage.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([image, list]) => ({
      image,
      old: [...new Set(list.map((change) => change.old))].sort(),
      new: [...new Set(list.map((change) => change.new))].sort().join(', '),
      downgrade: list.some((change) => change.downgrade),
      files: new Set(list.map((change) => change.file)).size,
    }));
}

/** The downgrades a promotion must refuse without `--allow-downgrade`. */
export function downgrades(plan: Plan): Change[] {
  return plan.changes.filter((change) => change.downgrade);
}
