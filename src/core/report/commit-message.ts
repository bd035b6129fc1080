// The promotion commit message (and PR title): a Conventional-Commits-style subject, one line per change, git trailers.
import type { ImageChange, Plan } from '../plan-types.js';

/** Git's convention for a subject that fits `git log --oneline` and GitHub's commit list without wrapping. */
export const SUBJECT_MAX = 72;
/** GitHub refuses a pull request title longer than this ("title is too long (maximum is 256 characters)"). */
export const TITLE_MAX = 256;

/** Control characters (newlines included) would break the subject/body/trailer structure. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** A digest is 71+ characters: shorten it like git abbreviates object names. */
function shortVersion(version: string): string {
  return version.replace(/@([A-Za-z][A-Za-z0-9]*):([0-9a-fA-F]{12})[0-9a-fA-F]+$/, '@$1:$2');
}

/** The last path segment of each image, lengthened with parent segments while two images would read the same. */
export function shortNames(images: string[]): Map<string, string> {
  const result = new Map<string, string>();
  const segments = new Map(images.map((image) => [image, image.split('/')]));
  let depth = 1;
  let pending = [...new Set(images)];
  while (pending.length > 0) {
    const names = new Map<string, string[]>();
    for (const image of pending) {
      const parts = segments.get(image) as string[];
      const name = parts.slice(Math.max(0, parts.length - depth)).join('/');
      names.set(name, [...(names.get(name) ?? []), image]);
    }
    const next: string[] = [];
    for (const [name, owners] of names) {
      const exhausted = owners.every((image) => (segments.get(image) as string[]).length <= depth);
      if (owners.length === 1 || exhausted) for (const image of owners) result.set(image, name);
      else next.push(...owners);
    }
    pending = next;
    depth += 1;
  }
  return result;
}

/** `api 1.4.0, 1.4.1 → 1.5.0`; compact: the oldest and newest of many old versions and their count. */
function describe(image: ImageChange, short: string, compact = false): string {
  const versions = [...new Set(image.old)].map(shortVersion);
  const old =
    compact && versions.length > 2
      ? `${versions[0]} … ${versions[versions.length - 1]} (${versions.length} versions)`
      : versions.join(', ');
  return oneLine(`${short} ${old} → ${shortVersion(image.new)}`);
}

/** Text cut to at most `max` characters (code points, and UTF-16 units as well) with an ellipsis. */
export function fitTitle(text: string, max = TITLE_MAX): string {
  const points = [...oneLine(text)];
  if (points.length <= max && points.join('').length <= max) return points.join('');
  let kept = points.slice(0, max - 1);
  while (kept.join('').length > max - 1) kept = kept.slice(0, -1);
  return `${kept.join('').trimEnd()}…`;
}

/** `promote(staging): api 1.4.0 → 1.5.0, web 2.1.0 → 2.2.0`, or `… and 11 more` past SUBJECT_MAX characters; never
 *  over TITLE_MAX, since it is the pull request's title too. */
export function commitSubject(plan: Plan, max = SUBJECT_MAX): string {
  const prefix = `promote(${oneLine(plan.to)}): `;
  if (plan.images.length === 0) return `${prefix}nothing to promote from ${oneLine(plan.from)}`;
  const names = shortNames(plan.images.map((image) => image.image));
  const items = plan.images.map((image) => describe(image, names.get(image.image) as string));
  const length = (text: string) => [...text].length;
  let shown = items.length;
  const render = (count: number) =>
    `${prefix}${items.slice(0, count).join(', ')}${count < items.length ? ` and ${items.length - count} more` : ''}`;
  // At least one image is always named, even when it alone is longer than the limit.
  while (shown > 1 && length(render(shown)) > max) shown -= 1;
  if (length(render(shown)) > max) items[0] = describe(plan.images[0], names.get(plan.images[0].image) as string, true);
  return fitTitle(render(shown), Math.max(max, TITLE_MAX));
}

/** Subject, a blank line, `file:line image old → new` per change, then the trailers (git interpret-trailers format). */
export function renderCommitMessage(plan: Plan, extraTrailers: Record<string, string> = {}): string {
  const lines = plan.changes.map((change) =>
    oneLine(
      `${change.file}:${change.line} ${change.image} ${change.old} → ${change.new}${change.downgrade ? ' (downgrade)' : ''}`,
    ),
  );
  const trailers = Object.entries({ 'Stagecoach-From': plan.from, 'Stagecoach-To': plan.to, ...extraTrailers }).map(
    ([key, value]) => `${key}: ${oneLine(value)}`,
  );
  return `${commitSubject(plan)}\n\n${lines.length > 0 ? `${lines.join('\n')}\n\n` : ''}${trailers.join('\n')}\n`;
}
