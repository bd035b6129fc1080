// soak: the source stage must have held each promoted version for a minimum time, measured from git history.
import { formatDuration } from '../../core/duration.js';
import type { Version } from '../../core/image-reference.js';
import { formatVersion } from '../../core/image-reference.js';
import type { ScannedStage } from '../../core/plan.js';
import type { Git } from '../../adapters/git.js';
import type { GateResult } from '../../core/gate-result.js';

export interface SoakCheck {
  image: string;
  version: Version;
}

/**
 * For each version, the earliest arrival among the source files that hold it (git pickaxe on `revision`) must be at least
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
    const needle = check.version.digest ?? (check.version.tag as string);
    const files = [...new Set(source.references.filter((ref) => ref.image === check.image && formatVersion(ref) === version).map((ref) => ref.file))];
    const arrivals = (await Promise.all(files.map((file) => git.arrivedAt(options.revision, file, needle)))).filter((t): t is number => t !== undefined);
    if (arrivals.length === 0) {
      failures.push({ image: check.image, version, message: `not found in ${source.name}'s history, so it has not soaked there` });
      continue;
    }
    const held = options.now - Math.min(...arrivals);
    if (held < options.minimumSeconds) {
      failures.push({
        image: check.image,
        version,
        message: `in ${source.name} for ${formatDuration(Math.max(0, held))}, needs ${formatDuration(options.minimumSeconds)} (${formatDuration(options.minimumSeconds - held)} to go)`,
      });
    } else details.push(`${check.image} ${version}: in ${source.name} for ${formatDuration(held)}`);
  }
  details.unshift(...failures.map((failure) => `${failure.image} ${failure.version}: ${failure.message}`));
  return { gate: 'soak', name: 'soak', passed: failures.length === 0, durationMs: Date.now() - started, details, failures };
}
