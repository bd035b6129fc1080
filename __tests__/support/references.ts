// Builds ImageReference values for pure tests of the plan and status (the scanner's own tests cover scanning).
import type { ImageReference } from '../../src/core/image-reference.js';
import { parseImage } from '../../src/core/image-reference.js';
import type { ScannedStage } from '../../src/core/plan.js';

/** A workload container reference `image` (`repo:tag[@digest]`) in `file`. */
export function workloadRef(
  file: string,
  image: string,
  workload: string,
  container: string,
  line = 10,
): ImageReference {
  const parsed = parseImage(image);
  const start = 100 + line * 40;
  return {
    file,
    line,
    column: 18,
    format: 'workload',
    image: parsed.repository,
    name: parsed.name,
    ...(parsed.tag ? { tag: parsed.tag } : {}),
    ...(parsed.digest ? { digest: parsed.digest } : {}),
    workload,
    container,
    document: 0,
    slots: [{ role: 'image', start, end: start + image.length, style: 'plain', value: image }],
  };
}

export function stage(name: string, paths: string[], references: ImageReference[]): ScannedStage {
  return { name, paths, references, skipped: [], warnings: [] };
}
