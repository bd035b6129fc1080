// soak: the source stage must have held each promoted version for a minimum time, measured from git history.
import { formatDuration } from '../../core/duration.js';
import type { Version } from '../../core/image-reference.js';
import { formatVersion } from '../../core/image-reference.js';
import type { ScannedStage } from '../../core/plan.js';
import type { Git } from '../../adapters/git.js';
import type { GateResult } from '../../core/gate-result.js';

/** Whether a source reference holds the version: the same digest, or the same tag where either side is unpinned. */
export function holds(ref: Version, version: Version): boolean {
  if (version.digest && ref.digest) return version.digest === ref.digest;
  return version.tag !== undefined && ref.tag === version.tag;
}

export interface SoakCheck {
  image: string;
  version: Version;
}

/**
 * For each version, the earliest arrival among the source files that hold it (git history of `revision`) must be at least
 * `minimumSeconds` before `now`. A shallow clone shows too little history: the version then looks younger, never older.
 */
export async function checkSoak(
  git: Pick<Git, 'arrivedAt'>,
  source: ScannedStage,
  checks: SoakCheck[],
  options: { revision: string; minimumSeconds: number; now: number },
): Promise<GateResult> {
  const started = Date.now();
  const details: string[] = [];
  const failures: NonNullable<GateResult['failures']> = [];
  for (const check of checks) {
    const version = formatVersion(check.version);
    // The source may hold the tag unpinned while the target gets tag@digest (the registry gate's pin): match by tag then,
    // and search history for what the source file holds.
    const held = source.references.filter((ref) => ref.image === check.image && holds(ref, check.version));
    const places = [
      ...new Map(
        held.map((ref) => [
          `${ref.file}|${ref.digest ?? ref.tag}`,
          { file: ref.file, needle: (ref.digest ?? ref.tag) as string },
        ]),
      ).values(),
    ];
    const arrivals = (
      await Promise.all(places.map((place) => git.arrivedAt(options.revision, place.file, place.needle)))
    ).filter((t): t is number => t !== undefined);
    if (arrivals.length === 0) {
      failures.push({
        image: check.image,
        version,
        message: `not found in ${source.name}'s history, so it has not soaked there`,
      });
      continue;
    }
    const soaked = options.now - Math.min(...arrivals);
    if (soaked < options.minimumSeconds) {
      failures.push({
        image: check.image,
        version,
        message: `in ${source.name} for ${formatDuration(Math.max(0, soaked))}, needs ${formatDuration(options.minimumSeconds)} (${formatDuration(options.minimumSeconds - soaked)} to go)`,
      });
    } else details.push(`${check.image} ${version}: in ${source.name} for ${formatDuration(soaked)}`);
  }
  details.unshift(...failures.map((failure) => `${failure.image} ${failure.version}: ${failure.message}`));
  return {
    gate: 'soak',
    name: 'soak',
    passed: failures.length === 0,
    durationMs: Date.now() - started,
    details,
    failures,
  };
}
