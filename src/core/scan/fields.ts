// Custom fields from the pipeline config: `{files, tag, repository?, digest?, image?}` for files such as
// `image_tag: v749` or values with `app.image.version`, where no built-in shape applies; `{files, ref}` for a key
// holding a whole reference (`spec.image: ghcr.io/acme/api:1.4.2`).
import { Minimatch } from 'minimatch';
import type { Slot, Version } from '../image-reference.js';
import { tryParseImage } from '../image-reference.js';
import type { FieldRule } from '../config/fields.js';
import type { Collector } from './collector.js';
import { addImageScalar, imageProblem, versionProblem } from './image-text.js';
import type { YMap, YNode, YPair, YScalar } from './tree.js';
import { asMap, asScalar, asSeq, getPair, text } from './tree.js';

const compiled = new Map<string, Minimatch>();

/** The rules whose glob matches `file` (globs are compiled once per process). */
export function rulesFor(file: string, rules: FieldRule[] | undefined): FieldRule[] {
  if (!rules || rules.length === 0) return [];
  return rules.filter((rule) => {
    let matcher = compiled.get(rule.files);
    if (matcher === undefined) {
      matcher = new Minimatch(rule.files, { dot: true });
      compiled.set(rule.files, matcher);
    }
    return matcher.match(file);
  });
}

/** The last key of each rule's paths: a file holding none of them cannot match. */
export function triggerWords(rules: FieldRule[]): string[] {
  const words: string[] = [];
  for (const rule of rules) words.push(lastKey(rule.ref ?? rule.tag ?? ''));
  return words;
}

function lastKey(path: string): string {
  return (
    splitPath(path)
      .filter((s) => typeof s === 'string')
      .pop() ?? path
  );
}

/** `a.b[0].c` → ['a', 'b', 0, 'c']. */
function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** The pair at `path` and the map holding it (the map exists even when the last key does not). */
function locate(root: YNode, path: string): { map?: YMap; pair?: YPair; last: string } {
  const parts = splitPath(path);
  let node: YNode | undefined = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (typeof part === 'number') {
      node = asSeq(node)?.items[part];
      if (node === undefined) return { last: String(part) };
      continue;
    }
    const map = asMap(node);
    if (!map) return { last: part };
    const pair = getPair(map, part);
    if (i === parts.length - 1) return { map, pair, last: part };
    node = pair?.value;
  }
  return { last: path };
}

function baseName(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** `ref: spec.image`: the key's scalar is the whole reference, rewritten as the image slot. */
function scanRef(c: Collector, root: YNode, document: number, rule: FieldRule & { ref: string }): void {
  const pair = locate(root, rule.ref).pair;
  if (!pair) return;
  const scalar = asScalar(pair.value);
  const block = `${rule.ref} (field rule for ${rule.files}) is not a single-line value; it will not be promoted`;
  if (!scalar) return c.warn(pair.keyStart, block);
  const place = { format: 'field', workload: c.file, container: rule.ref, document } as const;
  addImageScalar(c, scalar, place, { block, of: `field ${rule.ref} for ${rule.files}` });
}

export function scanFields(c: Collector, root: YNode, document: number, rules: FieldRule[]): void {
  for (const rule of rules) {
    if (rule.ref !== undefined) scanRef(c, root, document, rule as FieldRule & { ref: string });
    else if (rule.tag !== undefined) scanTag(c, root, document, rule as FieldRule & { tag: string });
  }
}

/** `tag: image.tag` (with `repository:` or `image:`, and maybe `digest:`): the version in its own key. */
function scanTag(c: Collector, root: YNode, document: number, rule: FieldRule & { tag: string }): void {
  const tagAt = locate(root, rule.tag);
  if (!tagAt.pair) return;
  const tagScalar = asScalar(tagAt.pair.value);
  if (!tagScalar || tagScalar.style === 'block')
    return c.warn(
      tagAt.pair.keyStart,
      `${rule.tag} (field rule for ${rule.files}) is not a single-line value; it will not be promoted`,
    );
  const named = imageName(c, root, rule, tagAt.pair);
  if (!named) return;
  const { name, extra } = named;
  const parsed = tryParseImage(name);
  if (!parsed || parsed.tag !== undefined || parsed.digest !== undefined)
    return c.warn(
      tagAt.pair.keyStart,
      `${parsed ? `"${name}" holds a tag or digest` : imageProblem(name)} (field rule for ${rule.files}); it will not be promoted`,
    );
  const versioned = versionSlots(c, root, rule, tagAt.pair);
  if (!versioned) return;
  c.add(
    {
      format: 'field',
      image: parsed.repository,
      name: parsed.name,
      ...versioned.version,
      workload: c.file,
      container: rule.tag,
      document,
      slots: versioned.slots,
    },
    tagAt.pair.keyStart,
    extra,
  );
}

/** The image a tag rule names: from the file's `repository:` key or the rule's `image:`; undefined after a warning. */
function imageName(
  c: Collector,
  root: YNode,
  rule: FieldRule & { tag: string },
  tagPair: YPair,
): { name: string; extra: YScalar[] } | undefined {
  if (rule.repository) {
    const repo = asScalar(locate(root, rule.repository).pair?.value);
    if (!repo || repo.style === 'block' || !text(repo)) {
      c.warn(
        tagPair.keyStart,
        `the field rule for ${rule.files} names repository ${rule.repository}, which this file does not hold; add it, or set image: in the rule`,
      );
      return undefined;
    }
    return { name: text(repo) ?? '', extra: [repo] };
  }
  if (rule.image) return { name: rule.image.replaceAll('{name}', baseName(c.file)), extra: [] };
  c.warn(
    tagPair.keyStart,
    `the field rule for ${rule.files} has neither repository: nor image:, so ${rule.tag} names no image; add one of them`,
  );
  return undefined;
}

/** The tag slot and the digest slot (an insertion where the key is missing); undefined after a warning or with none. */
function versionSlots(
  c: Collector,
  root: YNode,
  rule: FieldRule & { tag: string },
  tagPair: YPair,
): { slots: Slot[]; version: Version } | undefined {
  const slots: Slot[] = [];
  const version: Version = {};
  const candidates: [Slot['role'], Slot | undefined][] = [['tag', c.pairSlot('tag', tagPair)]];
  if (rule.digest) {
    const at = locate(root, rule.digest);
    const digestSlot = at.pair
      ? c.pairSlot('digest', at.pair)
      : at.map
        ? c.insertSlot('digest', at.map, at.last)
        : undefined;
    candidates.push(['digest', digestSlot]);
  }
  for (const [role, slot] of candidates) {
    if (!slot) continue;
    const problem = versionProblem(role as 'tag' | 'digest', slot.value);
    if (problem) {
      c.warn(
        slot.start,
        `${problem} (field ${role === 'tag' ? rule.tag : rule.digest} for ${rule.files}); it will not be promoted`,
      );
      return undefined;
    }
    if (slot.value) version[role as 'tag' | 'digest'] = slot.value;
    slots.push(slot);
  }
  return slots.length === 0 ? undefined : { slots, version };
}
