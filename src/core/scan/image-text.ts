// Small shared checks on the text of an image, tag or digest found by an extractor, and the one way a scalar that
// holds a whole reference becomes one.
import { ImageReferenceError, isDigest, isTag, parseImage, tryParseImage } from '../image-reference.js';
import type { Collector, NewReference } from './collector.js';
import type { YScalar } from './tree.js';
import { text } from './tree.js';

/** A user-facing sentence saying why `value` is not an image reference. */
export function imageProblem(value: string): string {
  if (value.includes('{{')) return `"${value}" holds a template expression, not an image reference`;
  try {
    parseImage(value);
    return `"${value}" is an image reference`;
  } catch (error) {
    return error instanceof ImageReferenceError ? error.message : String(error);
  }
}

/** Why a tag or digest value is unusable, or undefined when it is fine (empty counts as absent). */
export function versionProblem(role: 'tag' | 'digest', value: string): string | undefined {
  if (value === '') return undefined;
  if (role === 'tag') {
    return isTag(value) ? undefined : `tag "${value}" is not a valid tag (letters, digits, _, . and -, 128 at most)`;
  }
  return isDigest(value) ? undefined : `digest "${value}" is not a digest (expected sha256:<64 hex digits>)`;
}

/** What a reference found in one image scalar carries besides the image itself. */
export type ImageScalarPlace = Pick<NewReference, 'format' | 'workload' | 'container' | 'document'>;

export interface ImageScalarWords {
  /** The warning for a block scalar (| or >), which is never edited. */
  block: string;
  /** Where the scalar is, for the warning when it holds no reference ("container api of Deployment/web"). */
  of: string;
  /** Only a reference with a tag or digest counts, silently: the key may hold a word (`/metadata/labels/image: job`). */
  versioned?: boolean;
}

/** Adds the reference a one-line scalar holds (`image: ghcr.io/acme/api:1.0`), or warns why it holds none. */
export function addImageScalar(
  c: Collector,
  scalar: YScalar,
  place: ImageScalarPlace,
  words: ImageScalarWords,
): boolean {
  if (scalar.nil) return false;
  if (scalar.style === 'block') {
    c.warn(scalar.start, words.block);
    return false;
  }
  const value = text(scalar) ?? '';
  if (value === '') return false;
  const parsed = tryParseImage(value);
  if (words.versioned && parsed?.tag === undefined && parsed?.digest === undefined) return false;
  if (!parsed) {
    c.warn(scalar.start, `${imageProblem(value)} (${words.of}); it will not be promoted`);
    return false;
  }
  const { repository: image, name, tag, digest } = parsed;
  c.add({ ...place, image, name, tag, digest, slots: [c.scalarSlot('image', scalar)] }, scalar.start);
  return true;
}
