// Kustomize patches that hold images: inline `patches[].patch` / `patchesJson6902[].patch` block scalars (a
// strategic-merge patch or JSON6902 ops), inline `patchesStrategicMerge` strings, and files of JSON6902 ops.
// https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/patches/
import { blockEnd, blockScalarStart, blockText } from './block-scalar.js';
import { Collector } from './collector.js';
import { addImageScalar } from './image-text.js';
import type { YDoc, YMap, YNode, YScalar, YSeq } from './tree.js';
import { asMap, asScalar, asSeq, get, stringAt } from './tree.js';

/** How the scanner reads an inner text and walks its documents (scan.ts owns both, this file only calls them). */
export interface InnerReader {
  read(text: string): { docs: YDoc[] } | { error: { offset: number; message: string } };
  /** Walks one inner document as a manifest of its own (a strategic-merge patch is a partial object). */
  extract(c: Collector, root: YMap, document: number): void;
}

const CONTAINER = /\/(?:initContainers|containers|ephemeralContainers)\/(?:\d+|-)$/;
const CONTAINERS = /\/(?:initContainers|containers|ephemeralContainers)$/;
const CONTAINER_IMAGE = /\/(?:initContainers|containers|ephemeralContainers)\/(?:\d+|-)\/image$/;

/** The patch lists of a Kustomization (or Flux Kustomization `spec`). */
export function scanKustomizePatches(c: Collector, root: YMap, document: number, reader: InnerReader): void {
  if (c.embedded) return; // a patch holding patches patches nothing; reading them would nest without bound
  for (const key of ['patches', 'patchesJson6902']) {
    for (const item of asSeq(get(root, key))?.items ?? []) {
      const entry = asMap(item);
      if (entry) patchEntry(c, entry, document, reader);
    }
  }
  for (const item of asSeq(get(root, 'patchesStrategicMerge'))?.items ?? []) {
    const at = blockScalarStart(item);
    const object = asMap(item); // Flux Kustomization v1beta2 takes the patch as an object too
    if (at !== undefined) inlinePatch(c, at, document, reader, () => undefined);
    else if (object) reader.extract(c, object, document);
  }
}

function patchEntry(c: Collector, entry: YMap, document: number, reader: InnerReader): void {
  const patch = get(entry, 'patch');
  const at = blockScalarStart(patch);
  const target = () => {
    const target = asMap(get(entry, 'target')); // the target names the patched object
    const kind = stringAt(target, 'kind');
    const name = stringAt(target, 'name');
    return kind && name ? `${kind}/${name}` : undefined;
  };
  if (at !== undefined) return inlinePatch(c, at, document, reader, target);
  // Flux Kustomization v1beta2: `patch:` as YAML nodes (a list of ops, or an object), read where they stand
  if (patch && isJsonPatch(patch)) return scanJsonPatch(c, patch, document, target() ?? c.file);
  const object = asMap(patch);
  if (object) return reader.extract(c, object, document);
  const scalar = patch?.kind === 'scalar' ? patch : undefined;
  if (scalar && !scalar.nil && /"?image"?\s*:|\/image\b/.test(scalar.value)) {
    c.warn(
      scalar.start,
      `an inline patch written on one line holds an image; stagecoach edits patches written as block scalars (patch: |) — rewrite it that way to let it be promoted`,
    );
  }
}

function inlinePatch(
  c: Collector,
  at: number,
  document: number,
  reader: InnerReader,
  target: () => string | undefined,
): void {
  const block = blockText(c.text, at);
  if ('problem' in block) {
    if (/image/.test(c.text.slice(at, blockEnd(c.text, at))))
      c.warn(at, `an inline patch that may hold an image is ${block.problem}; it will not be promoted`);
    return;
  }
  if (block.text.indexOf('mage') === -1) return; // no image: not worth a parse
  const inner = new Collector(c.file, block.text, { outer: c, map: block.map, indent: block.indent });
  const read = reader.read(block.text);
  if ('error' in read) {
    inner.warn(
      read.error.offset,
      `the inline patch is not valid YAML (${read.error.message}); its images will not be promoted`,
    );
    return;
  }
  for (const doc of read.docs) {
    if (doc.root.kind === 'seq') scanJsonPatch(inner, doc.root, document, target() ?? c.file);
    else {
      const root = asMap(doc.root);
      if (root) reader.extract(inner, root, document);
    }
  }
}

/** A document that is a list of JSON6902 operations (`- op: replace` with a `path:`), inline or in a patch file. */
export function isJsonPatch(root: YNode): root is YSeq {
  if (root.kind !== 'seq' || root.items.length === 0) return false;
  const first = asMap(root.items[0]);
  return first !== undefined && stringAt(first, 'op') !== undefined && stringAt(first, 'path') !== undefined;
}

/** `add`/`replace` operations whose path ends in `/image`, or whose value is a container or a list of them. */
export function scanJsonPatch(c: Collector, ops: YSeq, document: number, workload: string): void {
  for (const item of ops.items) {
    const op = asMap(item);
    const verb = stringAt(op, 'op');
    const path = stringAt(op, 'path');
    if (!op || !path || (verb !== 'add' && verb !== 'replace')) continue;
    const value = get(op, 'value');
    if (path.endsWith('/image')) {
      const scalar = asScalar(value);
      // a path ending in /image outside a container (`/metadata/labels/image: job`) may hold any word
      if (scalar) imageValue(c, scalar, document, workload, path, !CONTAINER_IMAGE.test(path));
    } else if (CONTAINER.test(path)) {
      container(c, asMap(value), document, workload, path);
    } else if (CONTAINERS.test(path)) {
      asSeq(value)?.items.forEach((entry, i) => container(c, asMap(entry), document, workload, `${path}/${i}`));
    }
  }
}

function container(c: Collector, value: YMap | undefined, document: number, workload: string, path: string): void {
  const scalar = asScalar(get(value, 'image'));
  if (scalar) imageValue(c, scalar, document, workload, stringAt(value, 'name') ?? `${path}/image`, false);
}

function imageValue(
  c: Collector,
  scalar: YScalar,
  document: number,
  workload: string,
  container: string,
  versioned: boolean,
): void {
  addImageScalar(
    c,
    scalar,
    { format: 'json-patch', workload, container, document },
    {
      block: `the image of ${container} in ${workload} is a block scalar (| or >); write it on one line`,
      of: `${container} of ${workload}`,
      versioned,
    },
  );
}
