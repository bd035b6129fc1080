// Release-note links for a promotion's pull request: the OCI labels of each image's old and new version, read from the
// registry. A registry that cannot answer costs the link, never the promotion.
import type { Plan } from '../core/plan-types.js';
import { compareLink, registryReference } from '../core/release-notes.js';
import type { Registry } from '../adapters/registry.js';

/** At most this many images are looked up (two label reads each): a big promotion links the first ones. */
export const MAX_LOOKUPS = 20;

/** Image → compare link, for the images whose old and new versions both carry source and revision labels. */
export async function releaseNotes(
  registry: Pick<Registry, 'labels'>,
  plan: Plan,
  onProblem: (message: string) => void = () => undefined,
): Promise<Record<string, string>> {
  const candidates = plan.images.filter((image) => image.old.length === 1).slice(0, MAX_LOOKUPS);
  const links = await Promise.all(
    candidates.map(async (image) => {
      try {
        const [before, after] = await Promise.all(
          [image.old[0], image.new].map((version) => registry.labels(image.image, registryReference(version))),
        );
        const link = compareLink(before, after);
        return link ? ([image.image, link] as const) : undefined;
      } catch (error) {
        onProblem(`No release notes for ${image.image}: ${(error as Error).message}`);
        return undefined;
      }
    }),
  );
  return Object.fromEntries(links.filter((entry) => entry !== undefined));
}
