// Kustomization `images:` entries (kustomize.config.k8s.io, or a file named kustomization.yaml) and Flux
// Kustomization `spec.images`. https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/
import { tryParseImage, type RemoteBase } from '../image-reference.js';
import type { Collector } from './collector.js';
import { imageProblem, versionProblem } from './image-text.js';
import type { YMap, YNode, YScalar } from './tree.js';
import { asMap, asScalar, asSeq, get, getPair, stringAt, text } from './tree.js';

export const KUSTOMIZATION_FILES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

const REMOTE =
  /^(?:https?:\/\/|git@|ssh:\/\/|git::|github\.com\/|gitlab\.com\/|bitbucket\.org\/)([^?\s]*)\?(?:[^#\s]*&)?ref=([^&#\s]+)/;

/** `resources:` (and the older `bases:`) URLs of remote bases pinned with `?ref=`. */
export function remoteBases(c: Collector, root: YMap): RemoteBase[] {
  if (!c.text.includes('ref=')) return [];
  const found: RemoteBase[] = [];
  for (const key of ['resources', 'bases', 'components']) {
    for (const item of asSeq(get(root, key))?.items ?? []) {
      const scalar = item.kind === 'scalar' && item.style !== 'block' ? item : undefined;
      const match = scalar ? REMOTE.exec(text(scalar) ?? '') : null;
      if (!scalar || !match) continue;
      const url = (text(scalar) ?? '').slice(0, (text(scalar) ?? '').indexOf('?'));
      found.push({ url, ref: match[2], line: c.position(scalar.start).line });
    }
  }
  return found;
}

export function scanKustomizeImages(
  c: Collector,
  images: YNode | undefined,
  document: number,
  workload: string,
  bases: RemoteBase[] = [],
): void {
  const list = asSeq(images);
  if (!list) return;
  for (const item of list.items) {
    const entry = asMap(item);
    if (entry) scanEntry(c, entry, document, workload, bases);
  }
}

function scanEntry(c: Collector, entry: YMap, document: number, workload: string, bases: RemoteBase[]): void {
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
      ...(bases.length > 0 ? { remoteBases: bases } : {}),
    },
    entry.pairs[0].keyStart,
    [identityScalar],
  );
}
