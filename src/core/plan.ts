// Plan: which versions in the target stage move to the source's. Pure: references in, one sorted Plan out.
import { minimatch } from 'minimatch';
import {
  formatVersion,
  sameVersion,
  type Finding,
  type ImageReference,
  type Skipped,
  type Version,
} from './image-reference.js';
import type { Change, ImageChange, NotPromoted, Plan, SourceKind } from './plan-types.js';
import { didYouMean } from './config/did-you-mean.js';
import { writableVersion } from './rewrite.js';
import { compareVersions } from './tag-policy.js';

export type { Change, ImageChange, NotPromoted, Plan, SourceKind } from './plan-types.js';

/** A stage's scan: its folders (to match values files by their place inside the stage) and what was found there. */
export interface ScannedStage {
  name: string;
  paths: string[];
  references: ImageReference[];
  skipped: Skipped[];
  warnings: Finding[];
}

/** A version the source offers; `key` pins it to one workload/container when the source holds several versions of an image. */
export interface SourceVersion extends Version {
  image: string;
  key?: string;
  file?: string;
  line?: number;
}

export interface PlanInput {
  from: string;
  source: SourceKind;
  versions: SourceVersion[];
  target: ScannedStage;
  /** `--only` globs, matched against the image, its short name and the workload. */
  only?: string[];
}

/** Where a reference sits inside its stage, the same across stages: `Deployment/api#api`, or `values.yaml#worker.image`. */
export function referenceKey(reference: ImageReference, stagePaths: string[]): string {
  const isObject = reference.workload !== undefined && reference.workload !== reference.file;
  const place = isObject ? reference.workload : stageRelative(reference.file, stagePaths);
  return `${place}#${reference.container ?? ''}`;
}

/** Whether a repo-relative file lies in a stage folder (`.` is the whole repository). */
export function insideStagePath(file: string, path: string): boolean {
  return path === '.' || path === '' || file.startsWith(`${path}/`);
}

/** A file's path inside the stage folder that holds it. */
export function stageRelative(file: string, stagePaths: string[]): string {
  const owner = stagePaths.find((path) => insideStagePath(file, path));
  return owner === undefined || owner === '.' || owner === '' ? file : file.slice(owner.length + 1);
}

/** The versions a stage offers as a source: one entry per image and place. */
export function stageVersions(stage: ScannedStage): SourceVersion[] {
  return stage.references.map((reference) => ({
    image: reference.image,
    key: referenceKey(reference, stage.paths),
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

function selected(reference: ImageReference, only: string[] | undefined): boolean {
  if (!only || only.length === 0) return true;
  const names = [reference.image, reference.name, shortName(reference.image), reference.workload ?? ''];
  return only.some((glob) => names.some((name) => name && minimatch(name, glob)));
}

/** Groups source versions by image; within an image, by the distinct versions offered. */
function groupByImage(versions: SourceVersion[]): Map<string, SourceVersion[]> {
  const byImage = new Map<string, SourceVersion[]>();
  for (const version of versions) {
    const list = byImage.get(version.image) ?? [];
    list.push(version);
    byImage.set(version.image, list);
  }
  return byImage;
}

function distinctVersions(list: SourceVersion[]): Version[] {
  const seen = new Map<string, Version>();
  for (const entry of list) seen.set(formatVersion(entry), versionOf(entry));
  return [...seen.values()];
}

/** The version the source offers for one target reference, or why none can be chosen. */
function wantedFor(
  reference: ImageReference,
  key: string,
  offered: SourceVersion[],
): { version: Version } | { reason: string } {
  const versions = distinctVersions(offered);
  if (versions.length === 1) return { version: versions[0] };
  const match = offered.filter((entry) => entry.key === key);
  const matched = distinctVersions(match);
  if (matched.length === 1) return { version: matched[0] };
  const listed = versions.map(formatVersion).sort().join(', ');
  return {
    reason:
      matched.length > 1
        ? `the source holds ${listed} for the same place ${key}; make them agree`
        : `the source holds several versions (${listed}) and none at the same place (${key}); promote with --only or align the workload names`,
  };
}

/** The edit moving `reference` to `version`, marked as a downgrade when both versions compare and `version` is older. */
function changeOf(reference: ImageReference, version: Version): Change {
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
    old: formatVersion(reference),
    new: formatVersion(version),
    downgrade: order !== undefined && order > 0,
  };
}

function compareChange(a: Change, b: Change): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

/** Plans the promotion of `versions` into `target`. Images only in the target are left alone; images only in the source are listed. */
export function planPromotion(input: PlanInput): Plan {
  const { target } = input;
  const offered = groupByImage(input.versions);
  const changes: Change[] = [];
  const notPromoted: NotPromoted[] = [];
  const warnings: Finding[] = [...target.warnings];
  const targetImages = new Set<string>();

  for (const reference of target.references) {
    targetImages.add(reference.image);
    const list = offered.get(reference.image);
    if (!list || !selected(reference, input.only)) continue;
    const key = referenceKey(reference, target.paths);
    const wanted = wantedFor(reference, key, list);
    if ('reason' in wanted) {
      notPromoted.push({
        image: reference.image,
        version: formatVersion(reference),
        reason: wanted.reason,
        file: reference.file,
        line: reference.line,
      });
      continue;
    }
    // A pinned target (tag@digest from the registry gate) is up to date with the same tag offered unpinned.
    if (!wanted.version.digest && reference.digest && reference.tag === wanted.version.tag) continue;
    const writable = writableVersion(reference, wanted.version);
    if (writable.warning)
      warnings.push({
        file: reference.file,
        line: reference.line,
        column: reference.column,
        message: writable.warning,
      });
    if (sameVersion(reference, writable.version)) continue;
    changes.push(changeOf(reference, writable.version));
  }

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
  for (const [image, list] of offered) {
    if (targetImages.has(image)) continue;
    for (const version of distinctVersions(list)) {
      const first = list.find((entry) => sameVersion(entry, version));
      notPromoted.push({
        image,
        version: formatVersion(version),
        reason: `not in ${target.name}${didYouMean(image, [...targetImages].sort(compareText))}: Stagecoach updates images a stage already runs, it never adds them${unreadNote}`,
        ...(first?.file ? { file: first.file, line: first.line } : {}),
      });
    }
  }

  if (input.only && input.only.length > 0 && !target.references.some((reference) => selected(reference, input.only))) {
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
  return {
    from: input.from,
    to: target.name,
    source: input.source,
    changes,
    images: summariseImages(changes),
    notPromoted,
    skipped: [...target.skipped].sort((a, b) => compareText(a.file, b.file) || a.line - b.line),
    warnings,
  };
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
