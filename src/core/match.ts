// Pairs each target reference with the source's version of the same image by its place in the layout, from the most
// specific place to the least: the same file (or the same file one cluster folder deeper or shallower) and key, the
// same object or key in the same component, the same file under another key, the same component, the same object
// anywhere.
// Every source entry is indexed under each of its keys once, so planning is linear in the references.
import { formatVersion, type ImageReference, type Version } from './image-reference.js';

/** What a scanned stage tells about its layout: its paths, and (from the scan) each file's place. */
export interface Layout {
  paths: string[];
  /** file → place (see stage-layout.ts); absent for stages built by hand, then the path inside the stage folder. */
  places?: Record<string, string>;
}

/** A version the source offers, with where it stands (its keys, from `sourceKeys`). */
export interface Offered extends Version {
  image: string;
  keys?: string[];
  file?: string;
  line?: number;
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

/** The place of a file in its stage: `<captures>relative` for globs, `[n]` for the stage's n-th path when a file. */
export function placeOf(file: string, layout: Layout): string {
  return layout.places?.[file] ?? stageRelative(file, layout.paths);
}

function objectOf(reference: ImageReference): string {
  return reference.workload !== undefined && reference.workload !== reference.file ? reference.workload : '';
}

/** Each key of a reference, most specific first; the first ones are the suffixes of its path, longest first. */
export function matchKeys(reference: ImageReference, layout: Layout): string[] {
  const place = placeOf(reference.file, layout);
  const close = place.startsWith('<') ? place.indexOf('>') + 1 : 0;
  const component = place.slice(0, close);
  const relative = place.slice(close);
  const object = objectOf(reference);
  const container = reference.container ?? '';
  const keys: string[] = [];
  const parts = relative.split('/');
  for (let i = 0; i < parts.length; i++) keys.push(`S${component}|${parts.slice(i).join('/')}|${object}|${container}`);
  keys.push(`W${component}|${object}|${container}`);
  keys.push(`F${place}`);
  if (component) keys.push(`C${component}`);
  if (object && component) keys.push(`W|${object}|${container}`);
  return keys;
}

/** The distinct versions offered at one key, each with the entries that offer it (for messages). */
type Bucket = Map<string, Offered[]>;

function add(buckets: Map<string, Bucket>, key: string, entry: Offered): void {
  let bucket = buckets.get(key);
  if (!bucket) buckets.set(key, (bucket = new Map()));
  const version = formatVersion(entry);
  const list = bucket.get(version);
  if (!list) bucket.set(version, [entry]);
  else if (list.length < 3) list.push(entry);
}

export type Wanted = { version: Version } | { reason: string };

/** The source's versions, indexed by image and by each key. */
export class SourceIndex {
  private readonly byImage = new Map<string, Bucket>();
  private readonly byKey = new Map<string, Bucket>();

  constructor(entries: Offered[]) {
    for (const entry of entries) {
      add(this.byImage, entry.image, entry);
      for (const key of entry.keys ?? []) add(this.byKey, `${entry.image}\u0000${key}`, entry);
    }
  }

  images(): IterableIterator<[string, Bucket]> {
    return this.byImage.entries();
  }

  has(image: string): boolean {
    return this.byImage.has(image);
  }

  /** The version for one target reference: the only one offered, or the one at its most specific shared place. */
  wanted(reference: ImageReference, layout: Layout): Wanted {
    const all = this.byImage.get(reference.image) as Bucket;
    if (all.size === 1) return { version: versionOf(first(all)) };
    for (const key of matchKeys(reference, layout)) {
      const bucket = this.byKey.get(`${reference.image}\u0000${key}`);
      if (!bucket) continue;
      if (bucket.size === 1) return { version: versionOf(first(bucket)) };
      return { reason: ambiguous(reference, bucket, `at ${describeKey(key)}`) };
    }
    return { reason: ambiguous(reference, all, 'and none at the same place as this one') };
  }
}

function first(bucket: Bucket): Offered {
  return (bucket.values().next().value as Offered[])[0];
}

function versionOf(version: Version): Version {
  return { ...(version.tag ? { tag: version.tag } : {}), ...(version.digest ? { digest: version.digest } : {}) };
}

function describeKey(key: string): string {
  const kind = key[0];
  const [component, ...rest] = key.slice(1).split('|');
  const within = component ? ` of ${component.slice(1, -1)}` : '';
  if (kind === 'S') return `${rest[0]}${rest[2] ? ` (${rest[2]})` : ''}${within}`;
  if (kind === 'W') return `${rest[0] ? `${rest[0]}${rest[1] ? ` (${rest[1]})` : ''}` : rest[1]}${within}`;
  if (kind === 'F') return key.slice(1);
  return `component ${key.slice(2, -1)}`;
}

function ambiguous(reference: ImageReference, bucket: Bucket, where: string): string {
  const versions = [...bucket.keys()].sort();
  const candidates = versions
    .map((version) => {
      const at = (bucket.get(version) ?? []).filter((entry) => entry.file).map((e) => `${e.file}:${e.line}`);
      return `${version}${at.length > 0 ? ` (${at.join(', ')})` : ''}`;
    })
    .join(', ');
  const example = `${reference.name}:${versions[versions.length - 1]}`.replace(':@', '@');
  return (
    `the source holds several versions of this image ${where}: ${candidates}; ` +
    `make them agree in the source, or choose one with --image ${example}`
  );
}
