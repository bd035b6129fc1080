// Small shared checks on the text of an image, tag or digest found by an extractor.
import { ImageReferenceError, isDigest, isTag, parseImage } from '../image-reference.js';

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
