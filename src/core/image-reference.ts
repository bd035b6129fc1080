// Image references: the OCI/Docker name grammar, and the model of one occurrence found in a file.
// Grammar: https://github.com/distribution/reference/blob/main/reference.go
import { StagecoachError } from './errors.js';

/** A version as promoted: a tag, a digest, or both. */
export interface Version {
  tag?: string;
  digest?: string;
}

export interface ParsedImage extends Version {
  /** The name exactly as written, without tag or digest (`nginx`, `ghcr.io/acme/api`). */
  name: string;
  /** Canonical repository, the identity used across stages (`docker.io/library/nginx`). */
  repository: string;
  /** Registry host with optional port (`docker.io`, `localhost:5000`). */
  registry: string;
  /** Path inside the registry (`library/nginx`). */
  path: string;
}

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
// OCI image-spec descriptor.md: algorithm ":" encoded, where the registered sha256 and sha512 take exactly 64 and
// 128 lower-case hex digits and any other algorithm follows the general grammar.
const DIGEST =
  '(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|(?!sha256:|sha512:)[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)';
const REFERENCE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const TAG_ONLY = new RegExp(`^${TAG}$`);
const DIGEST_ONLY = new RegExp(`^${DIGEST}$`);
const NAME_TOTAL_MAX = 255;
const DIGEST_FORM = 'the digest must look like sha256:<64 lower-case hex digits> (sha512: 128)';

export class ImageReferenceError extends StagecoachError {
  readonly kind = 'usage';
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`"${text}" is not an image reference: ${reason}`);
  }
}

/** Splits a name into registry and path the way Docker normalises it (`nginx` → `docker.io/library/nginx`). */
function splitName(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  if (!isDomain) return { registry: 'docker.io', path: slash === -1 ? `library/${name}` : name };
  const registry = first === 'index.docker.io' ? 'docker.io' : first;
  const path = name.slice(slash + 1);
  return { registry, path: registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path };
}

/** Parses `name[:tag][@digest]`; throws ImageReferenceError with the reason when it does not follow the grammar. */
export function parseImage(text: string): ParsedImage {
  if (text.length === 0) throw new ImageReferenceError(text, 'it is empty');
  // bounds the regular expression's work on hostile input; real references are far shorter
  if (text.length > 1024) throw new ImageReferenceError(text.slice(0, 64) + '…', 'it is longer than 1024 characters');
  const match = REFERENCE.exec(text);
  if (!match) throw new ImageReferenceError(text, mismatchReason(text));
  const [, name, tag, digest] = match;
  if (name.length > NAME_TOTAL_MAX)
    throw new ImageReferenceError(text, `the name is longer than ${NAME_TOTAL_MAX} characters`);
  const { registry, path } = splitName(name);
  const parsed: ParsedImage = { name, repository: `${registry}/${path}`, registry, path };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

/** Why `text` does not follow the grammar, in words a user can act on. */
function mismatchReason(text: string): string {
  if (/\s/.test(text)) return 'it contains white space';
  const at = text.indexOf('@');
  const beforeDigest = at === -1 ? text : text.slice(0, at);
  if (at !== -1 && !DIGEST_ONLY.test(text.slice(at + 1))) return DIGEST_FORM;
  const slash = beforeDigest.lastIndexOf('/');
  const colon = beforeDigest.lastIndexOf(':');
  const name = colon > slash ? beforeDigest.slice(0, colon) : beforeDigest;
  const tag = colon > slash ? beforeDigest.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG_ONLY.test(tag))
    return 'the tag may hold letters, digits, _, . and - (128 at most), starting with a letter, digit or _';
  const first = name.indexOf('/');
  const head = first === -1 ? '' : name.slice(0, first);
  const hasDomain = first !== -1 && (/[.:]/.test(head) || head === 'localhost' || head !== head.toLowerCase());
  const path = hasDomain ? name.slice(first + 1) : name;
  if (/[A-Z]/.test(path)) return 'the repository path must be lower case';
  if (path.split('/').some((part) => part === '')) return 'a path component is empty (a doubled or trailing /)';
  return 'expected [registry[:port]/]path[:tag][@algorithm:hex], path components of a-z, 0-9 and . _ __ - separators';
}

/** Like parseImage, but undefined instead of an error. */
export function tryParseImage(text: string): ParsedImage | undefined {
  try {
    return parseImage(text);
  } catch {
    return undefined;
  }
}

/** The canonical repository of a name written without tag or digest. */
export function canonicalRepository(name: string): string {
  return parseImage(name).repository;
}

export function isTag(text: string): boolean {
  return TAG_ONLY.test(text);
}

export function isDigest(text: string): boolean {
  return DIGEST_ONLY.test(text);
}

/** `tag`, `tag@digest` or `@digest`: the version as the plan reports it. */
export function formatVersion(version: Version): string {
  return `${version.tag ?? ''}${version.digest ? `@${version.digest}` : ''}`;
}

/** Inverse of formatVersion; throws ImageReferenceError for a malformed version. */
export function parseVersion(text: string): Version {
  const at = text.indexOf('@');
  const tag = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (tag && !isTag(tag))
    throw new ImageReferenceError(text, 'the tag may hold letters, digits, _, . and - (128 at most)');
  if (digest !== undefined && !isDigest(digest)) throw new ImageReferenceError(text, DIGEST_FORM);
  if (!tag && digest === undefined) throw new ImageReferenceError(text, 'it names neither a tag nor a digest');
  return { ...(tag ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The full reference text for a name as written and a version. */
export function formatImage(name: string, version: Version): string {
  return `${name}${version.tag ? `:${version.tag}` : ''}${version.digest ? `@${version.digest}` : ''}`;
}

export function sameVersion(a: Version, b: Version): boolean {
  return (a.tag ?? '') === (b.tag ?? '') && (a.digest ?? '') === (b.digest ?? '');
}

/** Where an image reference was found. `workload` is how users know it (`Deployment/api`, `HelmRelease/web`). */
export type ImageFormat =
  | 'workload' // containers / initContainers / ephemeralContainers of a workload kind or a partial patch
  | 'kustomize' // Kustomization images: entry
  | 'helm-values' // a Helm values file, or values inside a HelmRelease / Argo CD valuesObject
  | 'argocd-kustomize' // Application spec.source(s).kustomize.images
  | 'argocd-helm-parameter' // Application spec.source(s).helm.parameters
  | 'argocd-source' // .argocd-source-<app>.yaml override file
  | 'json-patch' // a JSON6902 operation (`path: …/image`, or a container as value), inline or in a patch file
  | 'resource' // an `image`-like key of any other kind (OLM CatalogSource spec.image, operators' image catalogs)
  | 'helm-chart' // a chart version: Flux HelmRelease spec.chart.spec.version (v1: spec.chart.version)
  | 'argocd-chart' // a chart version: Argo CD Application spec.source(s).targetRevision of a source with chart:
  | 'oci-repository' // a chart version: Flux OCIRepository spec.ref.tag
  | 'field'; // a custom field from the pipeline config

export type ScalarStyle = 'plain' | 'single' | 'double';

/**
 * One scalar that holds part of a reference, as found in the text. `start`/`end` are offsets into the file's text
 * covering the scalar token including quotes. A slot with `insert` is absent in the file: writing a non-empty value
 * there inserts `insert` followed by the value at `start` (== `end`).
 */
export interface Slot {
  role: 'image' | 'tag' | 'digest';
  start: number;
  end: number;
  style: ScalarStyle;
  value: string;
  insert?: string;
  /** Text before the image inside an `image` slot's value, kept on rewrite (Argo CD's `alias=` in `alias=repo:tag`). */
  prefix?: string;
}

/** What a reference versions: a container image (the default), or a Helm chart (`charts: true`). */
export type ArtifactKind = 'image' | 'chart';

/** One occurrence of an image in a stage's files. */
export interface ImageReference extends Version {
  /** `chart` for a Helm chart version (`image` then names the chart: its repository and name); absent for images. */
  kind?: ArtifactKind;
  /** Path relative to the repository root, `/`-separated. */
  file: string;
  /** 1-based position of the first slot. */
  line: number;
  column: number;
  format: ImageFormat;
  /** Canonical repository: the identity matched across stages. */
  image: string;
  /** The name as written (or composed from registry + repository fields). */
  name: string;
  /** `Deployment/api`, `HelmRelease/web`, `Application/shop`, or the file for values files. */
  workload?: string;
  /** Container name, or the key path of a values entry (`image`, `worker.image`). */
  container?: string;
  /** Document index in a multi-document file (0-based). */
  document: number;
  slots: Slot[];
  /** The Flux `$imagepolicy` marker on the reference's line, if any. */
  marker?: string;
  /** Flux v1 automation of the line: the `filter.fluxcd.io/…` annotation (`glob:dev-*`) and its line. */
  automation?: { filter: string; line: number };
  /** Kustomize `images:` entries: the remote bases (`resources:` URLs with `?ref=`) of the same kustomization. */
  remoteBases?: RemoteBase[];
}

/** A remote Kustomize base pinned to a git ref: `https://github.com/acme/api/config?ref=<sha>`. */
export interface RemoteBase {
  url: string;
  ref: string;
  line: number;
}

/** A file or document the scanner did not read, with why. Never written to. */
export interface Skipped {
  file: string;
  line: number;
  reason: string;
  /** A file of the source stage (read for its versions, never written): reports about the target leave it out. */
  fromSource?: true;
}

export interface Finding {
  file: string;
  line: number;
  column?: number;
  message: string;
}

export interface ScanResult {
  references: ImageReference[];
  skipped: Skipped[];
  warnings: Finding[];
}
