// registry: every version the plan writes exists in the registry; with `pin`, tags are resolved to tag@digest.
import { formatVersion, type Version } from '../../core/image-reference.js';
import { RegistryError, type Registry } from '../../adapters/registry.js';
import type { GateResult } from '../../core/gate-result.js';

export interface RegistryCheck {
  image: string;
  version: Version;
}

export interface RegistryGateOutcome {
  result: GateResult;
  /** `image|tag` → digest of what the registry holds now, for pinning. */
  digests: Map<string, string>;
}

export function pinKey(image: string, tag: string): string {
  return `${image}|${tag}`;
}

export async function checkRegistry(
  registry: Pick<Registry, 'resolve'>,
  checks: RegistryCheck[],
): Promise<RegistryGateOutcome> {
  const started = Date.now();
  const details: string[] = [];
  const digests = new Map<string, string>();
  const failures: NonNullable<GateResult['failures']> = [];
  for (const check of checks) {
    const version = formatVersion(check.version);
    try {
      // A digest names exactly one manifest: check it; a tag alone is resolved to learn its digest.
      const found = await registry.resolve(check.image, check.version.digest ?? (check.version.tag as string));
      if (!found) {
        failures.push({
          image: check.image,
          version,
          message: 'not found in the registry (push it first, or check the tag for a typo)',
        });
        continue;
      }
      if (check.version.tag && !check.version.digest) digests.set(pinKey(check.image, check.version.tag), found.digest);
      details.push(`${check.image} ${version}: exists (${found.digest.slice(0, 19)}…)`);
    } catch (error) {
      // What the registry answered is the gate's finding; anything else (a malformed Docker config) is the user's to fix.
      if (!(error instanceof RegistryError)) throw error;
      failures.push({ image: check.image, version, message: error.message });
    }
  }
  details.unshift(...failures.map((failure) => `${failure.image} ${failure.version}: ${failure.message}`));
  return {
    result: {
      gate: 'registry',
      name: 'registry',
      passed: failures.length === 0,
      durationMs: Date.now() - started,
      details,
      failures,
    },
    digests,
  };
}
