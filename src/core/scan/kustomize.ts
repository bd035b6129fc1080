// Kustomization `images:` entries (kustomize.config.k8s.io, or a file named kustomization.yaml) and Flux
// Kustomization `spec.images`. https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/
import { tryParseImage } from '../image-reference.js';
import type { Collector } from './collector.js';
import { imageProblem, versionProblem } from './image-text.js';
import type { YMap, YNode, YScalar } from './tree.js';
import { asMap, asScalar, asSeq, getPair, stringAt, text } from './tree.js';

export const KUSTOMIZATION_FILES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

export function scanKustomizeImages(c: Collector, images: YNode | undefined, document: number, workload: string): void {
  const list = asSeq(images);
  if (!list) return;
  for (const item of list.items) {
    const entry = asMap(item);
    if (entry) scanEntry(c, entry, document, workload);
  }
}

function scanEntry(c: Collector, entry: YMap, document: number, workload: string): void {
  const namePair = getPair(entry, 'name');
  const newNamePair = getPair(entry, 'newName');
  const oldName = stringAt(entry, 'name');
  const newName = stringAt(entry, 'newName');
  const identity = newName || oldName;
  if (!identity) return;
  const identityScalar = asScalar((newName ? newNamePair : namePair)?.value) as YScalar;
  const parsed = tryParseImage(identity);
  if (!parsed || parsed.tag !== undefined || parsed.digest !== undefined) {
    const why = parsed ? `"${identity}" holds a tag or digest; put it in newTag / digest` : imageProblem(identity);
    c.warn(
      identityScalar.start,
      `${why} (images entry ${oldName ?? identity} of ${workload}); it will not be promoted`,
    );
    return;
  }
  const slots = [];
  const version: { tag?: string; digest?: string } = {};
  for (const [role, key] of [
    ['tag', 'newTag'],
    ['digest', 'digest'],
  ] as const) {
    const pair = getPair(entry, key);
    const scalar = asScalar(pair?.value);
    if (pair && (!scalar || scalar.style === 'block')) {
      c.warn(
        pair.keyStart,
        `${key} of images entry ${oldName ?? identity} in ${workload} is not a single-line value; it will not be promoted`,
      );
      return;
    }
    const slot = pair ? c.pairSlot(role, pair) : c.insertSlot(role, entry, key);
    if (!slot) continue;
    const problem = versionProblem(role, text(scalar) ?? '');
    if (problem) {
      c.warn(slot.start, `${problem} (images entry ${oldName ?? identity} of ${workload}); it will not be promoted`);
      return;
    }
    if (slot.value) version[role] = slot.value;
    slots.push(slot);
  }
  c.add(
    {
      format: 'kustomize',
      image: parsed.repository,
      name: parsed.name,
      ...version,
      workload,
      container: oldName ?? identity,
      document,
      slots,
    },
    entry.pairs[0].keyStart,
    [identityScalar],
  );
}
