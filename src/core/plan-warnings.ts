// What a change deserves a warning for in the plan (and so in the PR body): a floating tag replacing a pinned one, a
// Kustomize `newTag` moving away from the `?ref=` its remote base still pins, and a line Flux's ImagePolicy manages.
import { formatVersion, type Finding, type ImageReference, type Version } from './image-reference.js';
import { judgeByPolicy, type FluxImagePolicy } from './flux-image-policy.js';

/** Tags that name whatever was pushed last, not one build. */
const FLOATING = new Set(['latest', 'stable', 'edge', 'nightly', 'main', 'master']);

export function isFloating(version: Version): boolean {
  return version.digest === undefined && version.tag !== undefined && FLOATING.has(version.tag.toLowerCase());
}

export interface ChangeJudgement {
  /** The ImagePolicy's verdict when it orders both tags; undefined to let the plan compare the versions itself. */
  downgrade?: boolean;
  warnings: Finding[];
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
  for (const base of reference.remoteBases ?? []) {
    if (version.tag === undefined || base.ref === version.tag) continue;
    warnings.push({
      file: reference.file,
      line: base.line,
      message: `the remote base ${base.url} still pins ?ref=${base.ref} while newTag of ${reference.image} moves to ${version.tag}; update the ?ref= too if the two move together`,
    });
  }
  let downgrade: boolean | undefined;
  if (reference.marker && version.tag) {
    const judged = judgeByPolicy(reference, version.tag, policies);
    if (judged) {
      downgrade = judged.downgrade;
      warnings.push({ ...at, message: judged.message });
    }
  }
  return { ...(downgrade !== undefined ? { downgrade } : {}), warnings };
}
