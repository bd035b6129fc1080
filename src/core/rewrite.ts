// The lossless rewriter: splices new scalar text into the exact slots the scanner found, and nothing else, so every
// comment, quote, key order, blank line, other document, Flux marker, CRLF and BOM stays byte for byte.
import { parse as parseYaml } from 'yaml';
import type { ImageReference, Slot, Version } from './image-reference.js';
import { formatImage, formatVersion, parseImage } from './image-reference.js';

export interface Edit {
  reference: ImageReference;
  version: Version;
}

/** What can actually be written into this reference for a wanted version (e.g. a digest dropped where no slot can hold
 *  it, with a warning), so that re-scanning the result yields exactly `version`. */
export function writableVersion(reference: ImageReference, wanted: Version): { version: Version; warning?: string } {
  const roles = new Set(reference.slots.map((s) => s.role));
  if (roles.has('image')) return { version: pick(wanted.tag, wanted.digest) };
  const tag = roles.has('tag') ? wanted.tag : undefined;
  const digest = roles.has('digest') ? wanted.digest : undefined;
  const where = `${reference.file}:${reference.line}${reference.container ? ` (${reference.container})` : ''}`;
  if (tag === undefined && digest === undefined) {
    const current = pick(reference.tag, reference.digest);
    return {
      version: current,
      warning: `${where} has no field for ${wanted.tag !== undefined ? 'a tag' : 'a digest'}, so ${reference.image} stays at ${formatVersion(current) || 'its current version'} (wanted ${formatVersion(wanted)})`,
    };
  }
  const version = pick(tag, digest);
  const lost =
    wanted.tag !== undefined && tag === undefined
      ? `tag ${wanted.tag}`
      : wanted.digest !== undefined && digest === undefined
        ? `digest ${wanted.digest}`
        : undefined;
  return lost
    ? {
        version,
        warning: `${where} has no field for the ${lost.split(' ')[0]}; writing ${formatVersion(version)} for ${reference.image} and dropping ${lost}`,
      }
    : { version };
}

function pick(tag: string | undefined, digest: string | undefined): Version {
  const version: Version = {};
  if (tag) version.tag = tag;
  if (digest) version.digest = digest;
  return version;
}

interface Splice {
  start: number;
  end: number;
  text: string;
  /** The inserted key for insertions (`\n  digest: `): two different keys may be inserted at one point. */
  key?: string;
  order: number;
}

/** Splices new values into `text` (the same text the references were scanned from); throws on overlapping edits. */
export function applyEdits(text: string, edits: Edit[]): string {
  const splices: Splice[] = [];
  for (const edit of edits) {
    const { version } = writableVersion(edit.reference, edit.version);
    for (const slot of edit.reference.slots) {
      const splice = spliceFor(text, edit.reference, slot, version);
      if (splice) splices.push({ ...splice, order: splices.length });
    }
  }
  splices.sort((a, b) => a.start - b.start || a.end - b.end || a.order - b.order);
  let out = '';
  let at = 0;
  let previous: Splice | undefined;
  for (const s of splices) {
    if (previous && previous.start === s.start && previous.end === s.end && previous.text === s.text) continue; // same edit twice
    const bothInsert = previous && previous.start === previous.end && s.start === s.end && s.start === previous.start;
    if (previous && (bothInsert ? previous.key === s.key : s.start < previous.end)) {
      throw new Error(
        `overlapping edits at offsets ${previous.start}-${previous.end} and ${s.start}-${s.end}: two references claim the same text`,
      );
    }
    out += text.slice(at, s.start) + s.text;
    at = s.end;
    previous = s;
  }
  return out + text.slice(at);
}

function spliceFor(text: string, ref: ImageReference, slot: Slot, version: Version): Omit<Splice, 'order'> | undefined {
  if (slot.end > text.length || slot.start < 0 || slot.start > slot.end) {
    throw new Error(
      `${ref.file}:${ref.line}: the text changed since it was scanned (slot ${slot.start}-${slot.end} is out of range)`,
    );
  }
  if (
    slot.insert === undefined &&
    slot.style === 'plain' &&
    text.slice(slot.start, slot.end) !== slot.value &&
    slot.value !== ''
  ) {
    if (!/^(?:~|null|Null|NULL)$/.test(text.slice(slot.start, slot.end))) {
      throw new Error(
        `${ref.file}:${ref.line}: the text changed since it was scanned (expected "${slot.value}" at offset ${slot.start})`,
      );
    }
  }
  let value: string;
  if (slot.role === 'image') {
    const prefix = slot.prefix ?? '';
    value = prefix + formatImage(parseImage(slot.value.slice(prefix.length)).name, version);
  } else {
    value = (slot.role === 'tag' ? version.tag : version.digest) ?? '';
  }
  if (slot.insert !== undefined) {
    if (value === '') return undefined;
    return { start: slot.start, end: slot.end, text: slot.insert + render(value, 'plain'), key: slot.insert };
  }
  if (value === slot.value) return undefined;
  return { start: slot.start, end: slot.end, text: render(value, slot.style) };
}

/** The scalar token for `value` in `style`; a plain scalar that would not read back as this string is double-quoted. */
export function render(value: string, style: Slot['style']): string {
  if (style === 'single') return `'${value.replaceAll("'", "''")}'`;
  if (style === 'plain' && plainIsSafe(value)) return value;
  return JSON.stringify(value); // JSON strings are YAML double-quoted scalars
}

const PLAIN_CHARS = /^[A-Za-z0-9_./][A-Za-z0-9_./:@=+-]*$/;

/** True when `value` written plain reads back as the same string under YAML 1.2 (core) and 1.1 (Kubernetes, Helm). */
function plainIsSafe(value: string): boolean {
  if (value === '' || !PLAIN_CHARS.test(value)) return false;
  try {
    return parseYaml(value) === value && parseYaml(value, { version: '1.1' }) === value;
  } catch {
    return false;
  }
}
