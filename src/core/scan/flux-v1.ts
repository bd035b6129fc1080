// Flux v1 automation on a `helm.fluxcd.io/v1` HelmRelease: `fluxcd.io/automated: "true"` with a
// `filter.fluxcd.io/<container>: glob:…|semver:…|regex:…` annotation (`chart-image` is the values' top `image`).
// Flux v1 moves such a line to the newest tag its filter admits, so a promoted tag outside it would be undone.
import type { ImageReference } from '../image-reference.js';
import type { Collector } from './collector.js';
import type { YMap } from './tree.js';
import { asMap, get, stringAt, text } from './tree.js';

const PREFIX = 'filter.fluxcd.io/';

/** Attaches each filter to the references (of this document) whose values key it names. */
export function attachFluxV1Filters(c: Collector, root: YMap, references: ImageReference[]): void {
  if (references.length === 0 || !c.text.includes(PREFIX)) return;
  const annotations = asMap(get(asMap(get(root, 'metadata')), 'annotations'));
  if (stringAt(annotations, 'fluxcd.io/automated') !== 'true') return;
  for (const pair of annotations?.pairs ?? []) {
    if (!pair.key.startsWith(PREFIX) || pair.value.kind !== 'scalar') continue;
    const container = pair.key.slice(PREFIX.length);
    const key = container === 'chart-image' ? 'image' : `${container}.image`;
    const filter = text(pair.value) ?? '';
    for (const reference of references) {
      if (reference.container === key || (container !== 'chart-image' && reference.container === container))
        reference.automation = { filter, line: c.position(pair.keyStart).line };
    }
  }
}
