// The registry as a source: `--image REPO:TAG` / `REPO@DIGEST` pins a version; a bare `REPO` takes the newest tag its
// policy in stagecoach.yaml allows (never older than what the target stage runs).
import type { Pipeline } from '../core/config/index.js';
import { ImageReferenceError, parseImage } from '../core/image-reference.js';
import type { NotPromoted } from '../core/plan-types.js';
import type { ScannedStage, SourceVersion } from '../core/plan.js';
import { compareVersions, selectTag } from '../core/tag-policy.js';
import type { Registry } from '../adapters/registry.js';
import { UsageError } from '../core/errors.js';

export interface ImageArgument {
  image: string;
  tag?: string;
  digest?: string;
}

/** Parses every `--image` value, reporting all malformed ones at once. */
export function parseImageArguments(values: string[]): ImageArgument[] {
  const problems: string[] = [];
  const parsed: ImageArgument[] = [];
  values.forEach((value, index) => {
    try {
      const image = parseImage(value.trim());
      parsed.push({
        image: image.repository,
        ...(image.tag ? { tag: image.tag } : {}),
        ...(image.digest ? { digest: image.digest } : {}),
      });
    } catch (error) {
      if (!(error instanceof ImageReferenceError)) throw error;
      problems.push(`image ${index + 1}: ${error.message}`);
    }
  });
  const seen = new Set<string>();
  for (const argument of parsed) {
    if (seen.has(argument.image)) problems.push(`${argument.image} is named twice: give one version per image`);
    seen.add(argument.image);
  }
  if (problems.length > 0)
    throw new UsageError(`--image (input images) needs fixing:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return parsed;
}

/** The newest version among what the target runs now, to keep the policy from proposing a downgrade. */
function newestHeld(target: ScannedStage, image: string): string | undefined {
  const tags = target.references.filter((ref) => ref.image === image && ref.tag).map((ref) => ref.tag as string);
  return tags.reduce<string | undefined>(
    (best, tag) => (best === undefined || (compareVersions(tag, best) ?? 0) > 0 ? tag : best),
    undefined,
  );
}

/** Turns `--image` arguments into source versions, asking the registry for the tags of bare repositories. */
export async function resolveImageVersions(
  images: ImageArgument[],
  pipeline: Pipeline,
  target: ScannedStage,
  registry: Pick<Registry, 'listTags'>,
): Promise<{ versions: SourceVersion[]; notPromoted: NotPromoted[] }> {
  const versions: SourceVersion[] = [];
  const notPromoted: NotPromoted[] = [];
  for (const argument of images) {
    if (argument.tag || argument.digest) {
      versions.push({
        image: argument.image,
        ...(argument.tag ? { tag: argument.tag } : {}),
        ...(argument.digest ? { digest: argument.digest } : {}),
      });
      continue;
    }
    const policy = pipeline.images.find((entry) => entry.image === argument.image);
    if (!policy) {
      throw new UsageError(
        `${argument.image}: name a tag (${argument.image}:TAG), or give the image a tag policy under images: in ${pipeline.configFile ?? 'stagecoach.yaml'}`,
      );
    }
    const current = newestHeld(target, argument.image);
    const chosen = selectTag(await registry.listTags(argument.image), policy.policy, current);
    if (!chosen) {
      notPromoted.push({
        image: argument.image,
        version: '',
        reason: `no tag in the registry matches its policy${current ? ` and is at least ${current}` : ''}`,
      });
      continue;
    }
    versions.push({ image: argument.image, tag: chosen.tag });
  }
  return { versions, notPromoted };
}
