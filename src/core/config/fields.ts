// `fields:`: versions kept in keys of the user's own files (`image_tag: 1.4.2`), which no built-in format knows.
import { tryParseImage } from '../image-reference.js';
import {
  type Checker,
  type Entry,
  type KeyTree,
  type YamlNode,
  readKeyPath,
  readList,
  readMap,
  readNonEmptyString,
} from './checker.js';
import { globProblem } from './files.js';

/** One `fields:` rule, as the scanner (src/core/scan/fields.ts) applies it. */
export interface FieldRule {
  /** minimatch glob, matched against the repo-relative path */
  files: string;
  /** dotted key path holding the tag, e.g. "app.image.version" or "image_tag"; absent with `ref` */
  tag?: string;
  /** dotted key path holding a whole reference (`repo:tag`, `repo@digest`), e.g. "spec.image"; instead of tag */
  ref?: string;
  /** key path holding the repository (e.g. "app.image.repository") */
  repository?: string;
  /** key path holding a digest */
  digest?: string;
  /** literal image name when the file holds no repository; `{name}` = file name without extension */
  image?: string;
}

export const FIELD_KEYS = {
  files: null,
  tag: null,
  ref: null,
  image: null,
  repository: null,
  digest: null,
} as const satisfies KeyTree;

export function readFields(c: Checker, entry: Entry): FieldRule[] {
  const expected = 'a list such as "- { files: envs/*/versions.yaml, tag: image_tag, image: ghcr.io/acme/api }"';
  return readList(c, entry, 'fields', expected, (item, list, path) => {
    const what = 'a mapping with files:, tag: and image: (or repository:), or files: and ref:';
    const fields = readMap(c, item, list, path, FIELD_KEYS, what);
    if (!fields || !item) return undefined;
    const rule: FieldRule = { files: '' };
    const files = fields.get('files');
    if (!files) c.report(item, path, 'missing "files:"; give a glob of repo-relative paths, e.g. envs/*/versions.yaml');
    else rule.files = readFilesGlob(c, files, `${path}.files`) ?? '';
    const ref = fields.get('ref');
    if (ref) {
      rule.ref = readKeyPath(c, ref, `${path}.ref`) ?? '';
      for (const key of ['tag', 'image', 'repository', 'digest']) {
        const extra = fields.get(key);
        if (extra)
          c.report(
            extra.key,
            `${path}.${key}`,
            `ref: names a key holding the whole reference (image, tag and digest); drop ${key}:, or use tag: without ref:`,
          );
      }
      return rule;
    }
    const tag = fields.get('tag');
    if (!tag)
      c.report(
        item,
        path,
        'missing "tag:"; give the key path of the tag, e.g. image_tag (or ref: for a key holding the whole reference, e.g. spec.image)',
      );
    else rule.tag = readKeyPath(c, tag, `${path}.tag`) ?? '';
    readImageOrRepository(c, fields, item, path, rule);
    const digest = fields.get('digest');
    if (digest) {
      const keyPath = readKeyPath(c, digest, `${path}.digest`);
      if (keyPath !== undefined) rule.digest = keyPath;
    }
    return rule;
  });
}

function readFilesGlob(c: Checker, entry: Entry, path: string): string | undefined {
  const glob = readNonEmptyString(c, entry.value, entry.key, path, 'a glob such as envs/*/versions.yaml');
  const problem = glob === undefined ? undefined : globProblem(glob, 'the repository');
  if (problem) c.report(entry.value ?? entry.key, path, problem);
  return problem ? undefined : glob;
}

/** Exactly one of `image:` (the name, `{name}` = the file name) and `repository:` (the key path holding it). */
function readImageOrRepository(
  c: Checker,
  fields: Map<string, Entry>,
  item: YamlNode,
  path: string,
  rule: FieldRule,
): void {
  const image = fields.get('image');
  const repository = fields.get('repository');
  if (image && repository) {
    const message = 'give either image: (the image name) or repository: (the key path holding it), not both';
    c.report(repository.key, `${path}.repository`, message);
  } else if (!image && !repository) {
    const message =
      'missing "image:" (the image name, e.g. ghcr.io/acme/api) or "repository:" (the key path holding it)';
    c.report(item, path, message);
  } else if (image) {
    const name = readImageTemplate(c, image, `${path}.image`);
    if (name !== undefined) rule.image = name;
  } else if (repository) {
    const keyPath = readKeyPath(c, repository, `${path}.repository`);
    if (keyPath !== undefined) rule.repository = keyPath;
  }
}

function readImageTemplate(c: Checker, entry: Entry, path: string): string | undefined {
  const name = readNonEmptyString(c, entry.value, entry.key, path, 'an image name such as ghcr.io/acme/api');
  if (name === undefined) return undefined;
  const at = entry.value ?? entry.key;
  const unknown = /\{(?!name\})([^}]*)\}/.exec(name)?.[1];
  if (unknown !== undefined) {
    c.report(
      at,
      path,
      `unknown placeholder {${unknown}}; the image template knows {name} (the file name without extension)`,
    );
    return undefined;
  }
  // The scanner fills {name} in; check the rest follows the image grammar.
  const parsed = tryParseImage(name.replace(/\{name\}/g, 'x'));
  if (!parsed) c.report(at, path, `"${name}" is not an image name such as ghcr.io/acme/api`);
  else if (parsed.tag !== undefined || parsed.digest !== undefined)
    c.report(
      at,
      path,
      `"${name}" names a version; give the image without tag or digest (the tag: field holds the version)`,
    );
  else return name;
  return undefined;
}
