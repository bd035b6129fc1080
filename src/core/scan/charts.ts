// Helm chart versions as a second kind of artifact (opt-in, `charts: true`): Flux HelmRelease
// `spec.chart.spec.version` (v2) and `spec.chart.version` (v1), Argo CD Application `spec.source(s).targetRevision`
// of a source with `chart:`, and Flux OCIRepository `spec.ref.tag`. Only a pinned version is a reference: a range
// (`>=4.0.0`, `6.x`, `*`) follows the chart repository by design and is never promoted.
import type { ImageFormat } from '../image-reference.js';
import type { Collector } from './collector.js';
import type { YMap, YPair } from './tree.js';
import { asMap, asScalar, asSeq, get, getPair, stringAt, text } from './tree.js';

const PINNED = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** Words whose absence lets the fast reader skip a block: a chart's version lives under one of them. */
export const CHART_TRIGGERS = ['chart', 'tag', 'targetRevision'];

function chart(
  c: Collector,
  pair: YPair | undefined,
  identity: string,
  name: string,
  format: ImageFormat,
  workload: string,
  container: string,
  document: number,
): void {
  if (!pair) return;
  const scalar = asScalar(pair.value);
  if (!scalar || scalar.style === 'block') return;
  const version = text(scalar) ?? '';
  if (!PINNED.test(version)) return;
  const slot = c.pairSlot('tag', pair);
  if (!slot) return;
  c.add(
    { kind: 'chart', format, image: identity, name, tag: version, workload, container, document, slots: [slot] },
    scalar.start,
  );
}

export function scanHelmReleaseChart(c: Collector, root: YMap, document: number, workload: string): void {
  const spec = asMap(get(root, 'spec'));
  const chartNode = asMap(get(spec, 'chart'));
  const v2 = asMap(get(chartNode, 'spec'));
  if (v2) {
    const source = asMap(get(v2, 'sourceRef'));
    const name = stringAt(v2, 'chart');
    if (!name) return;
    const identity = `${stringAt(source, 'kind') ?? 'HelmRepository'}/${stringAt(source, 'name') ?? '?'}/${name}`;
    chart(c, getPair(v2, 'version'), identity, name, 'helm-chart', workload, 'spec.chart.spec.version', document);
    return;
  }
  const repository = stringAt(chartNode, 'repository');
  const name = stringAt(chartNode, 'name');
  if (repository && name) {
    const identity = `${repository.replace(/\/+$/, '')}/${name}`;
    chart(c, getPair(chartNode, 'version'), identity, name, 'helm-chart', workload, 'spec.chart.version', document);
  }
}

export function scanApplicationCharts(c: Collector, root: YMap, document: number, workload: string): void {
  const spec = asMap(get(root, 'spec'));
  const sources: [YMap | undefined, string][] = [[asMap(get(spec, 'source')), 'spec.source']];
  asSeq(get(spec, 'sources'))?.items.forEach((item, i) => sources.push([asMap(item), `spec.sources[${i}]`]));
  for (const [source, path] of sources) {
    const name = stringAt(source, 'chart');
    const url = stringAt(source, 'repoURL');
    if (!source || !name || !url) continue;
    const identity = `${url.replace(/\/+$/, '')}/${name}`;
    chart(
      c,
      getPair(source, 'targetRevision'),
      identity,
      name,
      'argocd-chart',
      workload,
      `${path}.targetRevision`,
      document,
    );
  }
}

export function scanOciRepository(c: Collector, root: YMap, document: number, workload: string): void {
  const spec = asMap(get(root, 'spec'));
  const url = stringAt(spec, 'url');
  if (!url) return;
  const name = url.slice(url.lastIndexOf('/') + 1);
  chart(c, getPair(asMap(get(spec, 'ref')), 'tag'), url, name, 'oci-repository', workload, 'spec.ref.tag', document);
}
