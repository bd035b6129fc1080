// Argo CD: Application `spec.source(s)` kustomize.images, helm.parameters, helm.valuesObject, and the
// `.argocd-source[-<app>].yaml` parameter-override files that hold the same `kustomize` / `helm` keys at top level.
// https://argo-cd.readthedocs.io/en/stable/user-guide/parameters/
import type { ImageFormat, Slot, Version } from '../image-reference.js';
import { tryParseImage } from '../image-reference.js';
import type { Collector } from './collector.js';
import { scanValues } from './helm-values.js';
import { imageProblem, versionProblem } from './image-text.js';
import type { YMap, YNode, YPair, YScalar } from './tree.js';
import { asMap, asScalar, asSeq, get, getPair, getPath, stringAt, text } from './tree.js';

export const ARGOCD_SOURCE_FILE = /^\.argocd-source(?:-(.+))?\.ya?ml$/;

export function scanApplication(c: Collector, root: YMap, document: number, workload: string): void {
  const spec = asMap(get(root, 'spec'));
  const sources: YNode[] = [];
  const single = get(spec, 'source');
  if (single) sources.push(single);
  for (const item of asSeq(get(spec, 'sources'))?.items ?? []) sources.push(item);
  for (const source of sources) scanSource(c, asMap(source), document, workload, false);
}

/** An override file: `app` is the name from `.argocd-source-<app>.yaml`. */
export function scanArgocdSource(c: Collector, root: YMap, document: number, workload: string): void {
  scanSource(c, root, document, workload, true);
}

function scanSource(
  c: Collector,
  source: YMap | undefined,
  document: number,
  workload: string,
  override: boolean,
): void {
  if (!source) return;
  const images = asSeq(getPath(source, 'kustomize', 'images'));
  const format: ImageFormat = override ? 'argocd-source' : 'argocd-kustomize';
  for (const item of images?.items ?? []) {
    const scalar = asScalar(item);
    if (scalar) kustomizeImage(c, scalar, document, workload, format);
  }
  const helm = asMap(get(source, 'helm'));
  if (!helm) return;
  const parameters = asSeq(get(helm, 'parameters'));
  if (parameters)
    helmParameters(c, parameters.items, document, workload, override ? 'argocd-source' : 'argocd-helm-parameter');
  const valuesObject = get(helm, 'valuesObject');
  if (valuesObject) scanValues(c, valuesObject, document, workload);
  const values = asScalar(get(helm, 'values'));
  if (values && values.style === 'block' && /image/i.test(values.value)) {
    c.warn(
      values.start,
      `helm.values of ${workload} is a string holding YAML; stagecoach does not edit inside it — move the image to helm.valuesObject or helm.parameters`,
    );
  }
}

/** `[alias=]name[:tag][@digest]`, as `argocd app set --kustomize-image` writes it. */
function kustomizeImage(c: Collector, scalar: YScalar, document: number, workload: string, format: ImageFormat): void {
  if (scalar.nil) return;
  if (scalar.style === 'block') {
    c.warn(scalar.start, `a kustomize.images entry of ${workload} is a block scalar (| or >); write it on one line`);
    return;
  }
  const value = text(scalar) ?? '';
  const eq = value.indexOf('=');
  const prefix = eq === -1 ? '' : value.slice(0, eq + 1);
  const image = value.slice(prefix.length);
  const parsed = tryParseImage(image);
  if (!parsed) {
    c.warn(scalar.start, `${imageProblem(image)} (kustomize.images of ${workload}); it will not be promoted`);
    return;
  }
  c.add(
    {
      format,
      image: parsed.repository,
      name: parsed.name,
      tag: parsed.tag,
      digest: parsed.digest,
      workload,
      container: prefix ? prefix.slice(0, -1) : parsed.name,
      document,
      slots: [c.scalarSlot('image', scalar, prefix || undefined)],
    },
    scalar.start,
  );
}

interface Parameter {
  pair: YPair;
  scalar: YScalar;
  value: string;
}

/** `{name: image.tag, value: "1.2.3"}` paired with `image.repository` (and `image.registry`, `image.digest`). */
function helmParameters(c: Collector, items: YNode[], document: number, workload: string, format: ImageFormat): void {
  const byName = new Map<string, Parameter>();
  for (const item of items) {
    const entry = asMap(item);
    const name = stringAt(entry, 'name');
    const pair = getPair(entry, 'value');
    const scalar = asScalar(pair?.value);
    if (!entry || !name || !pair || !scalar || scalar.style === 'block' || byName.has(name)) continue;
    byName.set(name, { pair, scalar, value: text(scalar) ?? '' });
  }
  for (const [name, param] of byName) {
    if (name === 'image' || name.endsWith('.image')) {
      const parsed = tryParseImage(param.value);
      if (!parsed || (parsed.tag === undefined && parsed.digest === undefined)) continue;
      const slot = c.scalarSlot('image', param.scalar);
      add(c, {
        format,
        parsed,
        version: parsed,
        workload,
        container: name,
        document,
        slots: [slot],
        at: param.scalar.start,
        extra: [],
      });
      continue;
    }
    const role = name.endsWith('.tag') ? 'tag' : name.endsWith('.digest') ? 'digest' : undefined;
    if (!role) continue;
    const base = name.slice(0, name.lastIndexOf('.'));
    if (role === 'digest' && byName.has(`${base}.tag`)) continue; // reported with its tag
    const repo = byName.get(`${base}.repository`) ?? byName.get(`${base}.repo`) ?? byName.get(`${base}.name`);
    if (!repo || repo.value === '') continue;
    const registry = byName.get(`${base}.registry`)?.value;
    const full = registry ? `${registry}/${repo.value}` : repo.value;
    const parsed = tryParseImage(full);
    if (!parsed || parsed.tag !== undefined || parsed.digest !== undefined) {
      c.warn(
        repo.scalar.start,
        `${parsed ? `"${full}" holds a tag or digest` : imageProblem(full)} (helm parameter ${base}.repository of ${workload}); it will not be promoted`,
      );
      continue;
    }
    const slots: Slot[] = [];
    const version: Version = {};
    let bad = false;
    for (const [r, p] of [
      ['tag', role === 'tag' ? param : undefined],
      ['digest', byName.get(`${base}.digest`)],
    ] as const) {
      if (!p) continue;
      const slot = c.pairSlot(r, p.pair);
      if (!slot) continue;
      const problem = versionProblem(r, slot.value);
      if (problem) {
        c.warn(slot.start, `${problem} (helm parameter ${base}.${r} of ${workload}); it will not be promoted`);
        bad = true;
        break;
      }
      if (slot.value) version[r] = slot.value;
      slots.push(slot);
    }
    if (!bad && slots.length > 0)
      add(c, {
        format,
        parsed,
        version,
        workload,
        container: base,
        document,
        slots,
        at: param.scalar.start,
        extra: [repo.scalar],
      });
  }
}

function add(
  c: Collector,
  r: {
    format: ImageFormat;
    parsed: { repository: string; name: string };
    version: Version;
    workload: string;
    container: string;
    document: number;
    slots: Slot[];
    at: number;
    extra: YScalar[];
  },
): void {
  c.add(
    {
      format: r.format,
      image: r.parsed.repository,
      name: r.parsed.name,
      tag: r.version.tag,
      digest: r.version.digest,
      workload: r.workload,
      container: r.container,
      document: r.document,
      slots: r.slots,
    },
    r.at,
    r.extra,
  );
}
