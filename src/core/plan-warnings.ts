// What a change deserves a warning for in the plan (and so in the PR body): a floating tag replacing a pinned one, a
// Kustomize `newTag` moving away from the `?ref=` its remote base still pins, and a line Flux's ImagePolicy manages.
import { minimatch } from 'minimatch';
import { formatVersion, type Finding, type ImageReference, type Version } from './image-reference.js';
import { judgeByPolicy, type FluxImagePolicy } from './flux-image-policy.js';
import { compileFilterPattern, isTagAllowed } from './tag-policy.js';

/** Tags that name whatever was pushed last, not one build. */
const FLOATING = new Set(['latest', 'stable', 'edge', 'nightly', 'main', 'master']);

export function isFloating(version: Version): boolean {
  return version.digest === undefined && version.tag !== undefined && FLOATING.has(version.tag.toLowerCase());
}

export interface ChangeJudgement {
  /** The ImagePolicy's verdict when it orders both tags; undefined to let the plan compare the versions itself. */
  downgrade?: boolean;
  warnings: Finding[];
  /** The line carries a `$imagepolicy` marker whose ImagePolicy the repository does not hold. */
  unknownPolicy?: boolean;
}

/** One warning for all the changed lines whose markers name ImagePolicies the repository does not hold. */
export function unknownPolicies(references: ImageReference[]): Finding | undefined {
  if (references.length === 0) return undefined;
  const first = references[0];
  const message =
    references.length === 1
      ? `this line's $imagepolicy marker names ${first.marker}, an ImagePolicy not in the repository: Flux's image automation manages the line and may move it again; its order was not checked`
      : `this line and ${references.length - 1} more carry $imagepolicy markers (${first.marker}, …) naming ImagePolicies not in the repository: Flux's image automation manages them and may move them again; their order was not checked`;
  return { file: first.file, line: first.line, column: first.column, message };
}

/** A `?ref=` and a tag name one release (`v1.2.0` and `1.2.0` alike). */
function sameRef(ref: string, tag: string | undefined): boolean {
  return tag !== undefined && ref.replace(/^v(?=[0-9])/, '') === tag.replace(/^v(?=[0-9])/, '');
}

/** The warnings moving `reference` to `version` deserves, and a downgrade verdict from its Flux ImagePolicy. */
export function judgeChange(reference: ImageReference, version: Version, policies: FluxImagePolicy[]): ChangeJudgement {
  const at = { file: reference.file, line: reference.line, column: reference.column };
  const warnings: Finding[] = [];
  const old = formatVersion(reference);
  if (isFloating(version) && old !== '' && !isFloating(reference)) {
    warnings.push({
      ...at,
      message: `promotes the floating tag ${version.tag} over the pinned ${old} (${reference.image}): the stage would run whatever ${version.tag} points to when it next pulls; promote a fixed tag or a digest instead`,
    });
  }
  const behind = new Map<string, { url: string; line: number }[]>();
  for (const base of reference.remoteBases ?? []) {
    // only a base that moved with this newTag (it pinned the old tag) is left behind; others are unrelated
    if (version.tag === undefined || !sameRef(base.ref, reference.tag) || sameRef(base.ref, version.tag)) continue;
    behind.set(base.ref, [...(behind.get(base.ref) ?? []), base]);
  }
  for (const [ref, bases] of behind) {
    const lines = bases.map((base) => base.line);
    const where =
      lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.slice(0, -1).join(', ')} and ${lines.at(-1)}`;
    warnings.push({
      file: reference.file,
      line: lines[0],
      message: `the remote base${bases.length > 1 ? 's' : ''} ${bases.map((base) => base.url).join(', ')} (${where}) still pin${bases.length > 1 ? '' : 's'} ?ref=${ref} while newTag moves to ${version.tag}; update the ?ref= too if they move together`,
    });
  }
  if (reference.automation && version.tag && !fluxV1Admits(reference.automation.filter, version.tag)) {
    warnings.push({
      ...at,
      message: `Flux v1 automates this line (${reference.automation.filter}, line ${reference.automation.line}) and ${version.tag} is outside that filter: Flux would move the line back; widen the filter or turn the automation off for this stage`,
    });
  }
  let downgrade: boolean | undefined;
  if (reference.marker && version.tag) {
    const judged = judgeByPolicy(reference, version.tag, policies);
    if (!judged) return { warnings, unknownPolicy: true };
    downgrade = judged.downgrade;
    warnings.push({ ...at, message: judged.message });
  }
  return { ...(downgrade !== undefined ? { downgrade } : {}), warnings };
}

/** Whether a Flux v1 tag filter (`glob:`, `semver:`, `regex:`/`regexp:`; a bare pattern is a glob) admits `tag`. */
export function fluxV1Admits(filter: string, tag: string): boolean {
  const colon = filter.indexOf(':');
  const kind = colon === -1 ? 'glob' : filter.slice(0, colon);
  const pattern = colon === -1 ? filter : filter.slice(colon + 1);
  if (kind === 'semver') return isTagAllowed(tag, { semver: { range: pattern, prerelease: false } });
  if (kind === 'regex' || kind === 'regexp') {
    try {
      return compileFilterPattern(pattern).test(tag);
    } catch {
      return true; // a pattern RE2 refuses judges nothing
    }
  }
  return minimatch(tag, kind === 'glob' ? pattern : filter);
}
