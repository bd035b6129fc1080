// Helm values: plain values files, Flux HelmRelease `spec.values`, Argo CD `helm.valuesObject`. Recognises the common
// chart shapes (`image: repo:tag`, `image: {registry?, repository, tag, digest?}`, per component, `image.name`) and
// nothing looser: a mapping is an image only with a repository-like key and a tag/digest key.
import type { ImageFormat, Slot, Version } from '../image-reference.js';
import { tryParseImage } from '../image-reference.js';
import type { Collector } from './collector.js';
import { imageProblem, versionProblem } from './image-text.js';
import type { YMap, YNode, YPair, YScalar } from './tree.js';
import { asMap, asScalar, asSeq, getPair, stringAt, text } from './tree.js';

const IMAGE_KEY = /image$/i;
/** A list of references: `images:` itself, not any key ending so (Gatekeeper's `exemptImages` holds patterns). */
const IMAGES_KEY = /^images$/i;
const IMAGE_PARENT = /image/i;
/** The warning for a tag without a repository; scan.ts drops it where a `fields:` rule reads the tag. */
export const NO_REPOSITORY = ', so it is not promoted; name its image with a fields: rule in stagecoach.yaml';

interface Walk {
  c: Collector;
  document: number;
  workload: string;
  format: ImageFormat;
}

export function scanValues(
  c: Collector,
  root: YNode | undefined,
  document: number,
  workload: string,
  format: ImageFormat = 'helm-values',
): void {
  if (root !== undefined) walk({ c, document, workload, format }, root, '', '');
}

function walk(w: Walk, node: YNode, path: string, parentKey: string): void {
  const map = asMap(node);
  if (map) {
    if (imageMap(w, map, path, parentKey)) return;
    for (const pair of map.pairs) {
      const key = pair.key;
      const child = path === '' ? key : `${path}.${key}`;
      const value = pair.value;
      if (value.kind === 'scalar' || (value.kind === 'opaque' && !value.flow)) {
        const scalar = asScalar(value);
        if (scalar && IMAGE_KEY.test(key)) scalarImage(w, scalar, child, true);
        continue;
      }
      walk(w, value, child, key);
    }
    return;
  }
  const seq = asSeq(node);
  if (!seq) return;
  const listOfImages = IMAGES_KEY.test(parentKey);
  seq.items.forEach((item, i) => {
    const child = `${path}[${i}]`;
    if (item.kind === 'scalar' || (item.kind === 'opaque' && !item.flow)) {
      const scalar = listOfImages ? asScalar(item) : undefined;
      if (scalar) scalarImage(w, scalar, child, false);
    } else walk(w, item, child, parentKey);
  });
}

/** `image: repo:tag` (or an entry of `images:`): only taken when it parses and names a tag or digest. */
function scalarImage(w: Walk, scalar: YScalar, path: string, strict: boolean): void {
  if (scalar.nil) return;
  if (scalar.style === 'block') {
    if (strict)
      w.c.warn(
        scalar.start,
        `${path} in ${w.workload} is a block scalar (| or >); write the image on one line to let stagecoach edit it`,
      );
    return;
  }
  const value = text(scalar) ?? '';
  if (value === '' || opaque(value)) return;
  const parsed = tryParseImage(value);
  if (!parsed) {
    // only what looks like an attempt at a reference is worth a warning: `image: "not checked"` is just text; and
    // in custom resources an `image` key often holds a pattern (Kyverno's `ghcr.io/*`), not a reference
    if (strict && w.format !== 'resource' && /^\S+$/.test(value) && /[:/@]/.test(value))
      w.c.warn(scalar.start, `${imageProblem(value)} (${path} in ${w.workload}); it will not be promoted`);
    return;
  }
  if (parsed.tag === undefined && parsed.digest === undefined) return;
  w.c.add(
    {
      format: w.format,
      image: parsed.repository,
      name: parsed.name,
      tag: parsed.tag,
      digest: parsed.digest,
      workload: w.workload,
      container: path,
      document: w.document,
      slots: [w.c.scalarSlot('image', scalar)],
    },
    scalar.start,
  );
}

function scalarPair(map: YMap, key: string): { pair: YPair; scalar: YScalar } | undefined {
  const pair = getPair(map, key);
  if (!pair) return undefined;
  const scalar = asScalar(pair.value);
  return scalar ? { pair, scalar } : undefined;
}

/** `{repository, tag, digest?, registry?}` and its spellings; true when the mapping was an image (even a broken one). */
function imageMap(w: Walk, map: YMap, path: string, parentKey: string): boolean {
  const tag = scalarPair(map, 'tag');
  const digest = scalarPair(map, 'digest');
  if (!tag && !digest) return false;
  let repo = scalarPair(map, 'repository');
  if (!repo && IMAGE_PARENT.test(parentKey)) repo = scalarPair(map, 'repo') ?? scalarPair(map, 'name');
  if (!repo) {
    const image = scalarPair(map, 'image');
    if (image && image.scalar.style !== 'block' && !/[:@]/.test(text(image.scalar) ?? ':')) repo = image;
  }
  if (!repo && tag && IMAGE_PARENT.test(parentKey) && !tag.scalar.nil && tag.scalar.style !== 'block') {
    // `api.image.tag` alone: the repository is the chart's default, which no stage file names. Say so, with the fix.
    const key = `${path ? `${path}.` : ''}tag`;
    w.c.warn(
      tag.scalar.start,
      `${key}${w.workload === w.c.file ? '' : ` in ${w.workload}`} holds a tag but no repository${NO_REPOSITORY}, e.g. "- { files: ${w.c.file}, tag: ${key}, image: <the chart's image> }"`,
    );
  }
  if (!repo || repo.scalar.style === 'block') return false;
  const repository = text(repo.scalar) ?? '';
  // a git or bucket URL (`spec.source: {repository: https://…, tag: v1}`) is not an image
  if (repository === '' || opaque(repository) || repository.includes('://')) return false;
  const where = `${path || 'the root'} in ${w.workload}`;
  const registry = stringAt(map, 'registry');
  const name = registry ? `${registry}/${repository}` : repository;
  const parsed = tryParseImage(name);
  if (!parsed && w.format === 'resource') return false; // a custom resource's `repository` may name anything
  if (!parsed || parsed.tag !== undefined || parsed.digest !== undefined) {
    const why = parsed ? `"${name}" holds a tag or digest; keep it in the tag / digest key` : imageProblem(name);
    w.c.warn(repo.scalar.start, `${why} (${where}); it will not be promoted`);
    return true;
  }
  const slots: Slot[] = [];
  const version: Version = {};
  for (const [role, found] of [
    ['tag', tag],
    ['digest', digest],
  ] as const) {
    if (!found) continue;
    if (found.scalar.style === 'block') {
      w.c.warn(found.scalar.start, `${role} of ${where} is a block scalar (| or >); it will not be promoted`);
      return true;
    }
    const slot = w.c.pairSlot(role, found.pair);
    if (!slot) continue;
    if (opaque(slot.value)) return true; // filled in by a template or SOPS, not by a promotion
    const problem = versionProblem(role, slot.value);
    if (problem) {
      w.c.warn(slot.start, `${problem} (${where}); it will not be promoted`);
      return true;
    }
    if (role === 'tag' && slot.style === 'plain' && readsAsNumber(slot.value)) {
      w.c.warn(
        slot.start,
        `tag ${slot.value} of ${where} is a number to YAML (Helm renders ${Number(slot.value)}); quote it: "${slot.value}"`,
      );
    }
    if (slot.value) version[role] = slot.value;
    slots.push(slot);
  }
  w.c.add(
    {
      format: w.format,
      image: parsed.repository,
      name: parsed.name,
      ...version,
      workload: w.workload,
      container: path,
      document: w.document,
      slots,
    },
    map.pairs[0].keyStart,
    [repo.scalar],
  );
  return true;
}

/** A template expression or a SOPS-encrypted value: text another tool fills in, never a version to compare. */
function opaque(value: string): boolean {
  return value.includes('{{') || value.startsWith('ENC[');
}

/** A plain scalar YAML resolves to a number that prints differently (`1.10` → 1.1, `1.0` → 1). */
function readsAsNumber(value: string): boolean {
  if (!/^[-+]?(?:\d[\d_]*)?\.?\d+(?:[eE][-+]?\d+)?$/.test(value)) return false;
  return String(Number(value)) !== value;
}
