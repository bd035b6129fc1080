// Scanning one file for image references. Design, in the order a file goes through it:
// 1. Helm templates (`{{ }}` under templates/, *.tpl) are skipped outright; they are never edited.
// 2. A text pre-filter: a file with none of the trigger words (image, repository, newTag, digest, custom field keys)
//    yields nothing without parsing — most files of a config repo stop here.
// 3. The fast reader (scan/fast-reader.ts) reads ordinary block YAML line by line into a small tree with exact offsets;
//    it gives up on anything unusual (anchors, tags, multi-line scalars, odd indentation…) and marks flow collections
//    (checked token by token) and block scalars opaque so extractors fall back (NeedFullParse) only when they need
//    to look inside. What it reads, yaml reads the same way: a mutation fuzz checks it (differential.test.ts).
// 4. The full reader (scan/yaml-reader.ts, eemeli/yaml) builds the same tree and is the reference: every fixture and a
//    property test check that both give identical results (`mode: 'full'` forces it).
// 5. Per-format extractors (scan/workload, kustomize, helm-values, argocd, fields) walk the tree and emit references
//    whose Slots point at the scalars to rewrite; scan/collector.ts dedupes (aliases), positions and sorts them.
import type { FieldRule } from './config/fields.js';
import type { ScanResult } from './image-reference.js';
import { ARGOCD_SOURCE_FILE, scanApplication, scanArgocdSource } from './scan/argocd.js';
import { attachFluxV1Filters } from './scan/flux-v1.js';
import { CHART_TRIGGERS, scanApplicationCharts, scanHelmReleaseChart, scanOciRepository } from './scan/charts.js';
import { Collector } from './scan/collector.js';
import { readFast } from './scan/fast-reader.js';
import { rulesFor, scanFields, triggerWords } from './scan/fields.js';
import { NO_REPOSITORY, scanValues } from './scan/helm-values.js';
import { KUSTOMIZATION_FILES, remoteBases, scanKustomizeImages } from './scan/kustomize.js';
import { type InnerReader, isJsonPatch, scanJsonPatch, scanKustomizePatches } from './scan/kustomize-patch.js';
import type { YDoc, YMap } from './scan/tree.js';
import { asMap, asSeq, get, getPath, NeedFullParse, stringAt } from './scan/tree.js';
import { scanWorkload } from './scan/workload.js';
import { readFull } from './scan/yaml-reader.js';

export type { FieldRule };

export interface ScanOptions {
  fields?: FieldRule[];
  /** `charts: true`: Helm chart versions are references too. */
  charts?: boolean;
  /** `full` forces the eemeli/yaml reader (differential tests); `auto` (default) tries the fast reader first. */
  mode?: 'auto' | 'full';
}

/** Which path produced a result: `prefilter` (no trigger word, not parsed), `fast`, `full`, or `skipped`. */
export type ScanPath = 'prefilter' | 'fast' | 'full' | 'skipped';

const TRIGGERS = ['mage', 'epository', 'newTag', 'digest'];

/** How a skipped Helm template's reason begins. */
export const HELM_TEMPLATE = 'a Helm template ({{ }} is not YAML)';

export function scanFile(file: string, text: string, options?: ScanOptions): ScanResult {
  return scanFileTraced(file, text, options).result;
}

/** scanFile, also telling which path it took (for tests and benchmarks). */
export function scanFileTraced(
  file: string,
  text: string,
  options: ScanOptions = {},
): { result: ScanResult; path: ScanPath } {
  const slash = file.lastIndexOf('/');
  const base = file.slice(slash + 1);
  const template = text.indexOf('{{');
  if (template !== -1 && (base.endsWith('.tpl') || /(?:^|\/)templates\//.test(file))) {
    const c = new Collector(file, text);
    c.skip(template, `${HELM_TEMPLATE}; stagecoach never reads or edits templates — set images in values files`);
    return { result: finish(c), path: 'skipped' };
  }
  const rules = rulesFor(file, options.fields);
  const charts = options.charts === true;
  if (!mentionsImages(text, rules) && !(charts && CHART_TRIGGERS.some((word) => text.includes(word))))
    return { result: { references: [], skipped: [], warnings: [] }, path: 'prefilter' };
  if (options.mode !== 'full') {
    const docs = readFast(text);
    if (docs) {
      const c = new Collector(file, text, undefined, charts);
      try {
        extractAll(c, docs, rules, base, FAST);
        return { result: finish(c), path: 'fast' };
      } catch (error) {
        if (!(error instanceof NeedFullParse)) throw error;
      }
    }
  }
  const c = new Collector(file, text, undefined, charts);
  const read = readFull(text);
  if ('error' in read) {
    const hint = template !== -1 ? ' (it holds {{ }}: a template?)' : '';
    const { offset, message, bound } = read.error;
    c.skip(offset, bound ? message : `not valid YAML: ${message}${hint}; fix the file to let stagecoach read it`);
    return { result: finish(c), path: 'skipped' };
  }
  extractAll(c, read.docs, rules, base, FULL);
  return { result: finish(c), path: 'full' };
}

/** Inner texts (inline patches) are read like a file: fast when possible, in full when the outer file was. */
const FULL: InnerReader = {
  read: (text) => readFull(text),
  extract: (c, root, document) => dispatch(c, root, document, '', FULL),
};
const FAST: InnerReader = {
  read: (text) => {
    const docs = readFast(text);
    return docs ? { docs } : readFull(text);
  },
  extract: (c, root, document) => dispatch(c, root, document, '', FAST),
};

function mentionsImages(text: string, rules: ReturnType<typeof rulesFor>): boolean {
  for (const word of TRIGGERS) if (text.includes(word)) return true;
  for (const word of triggerWords(rules)) if (text.includes(word)) return true;
  return false;
}

function extractAll(
  c: Collector,
  docs: YDoc[],
  rules: ReturnType<typeof rulesFor>,
  base: string,
  inner: InnerReader,
): void {
  for (const doc of docs) {
    if (rules.length > 0) scanFields(c, doc.root, doc.index, rules);
    if (isJsonPatch(doc.root)) {
      scanJsonPatch(c, doc.root, doc.index, c.file);
      continue;
    }
    const root = asMap(doc.root);
    if (root) dispatch(c, root, doc.index, base, inner);
  }
}

/** Kinds whose `image`-like keys are never references: CRD schemas describe them (`image: {type: string}`). */
const NOT_RESOURCES = new Set(['CustomResourceDefinition']);
/** Keys of a resource that hold no image of the resource (a Flux v1 annotation `filter.fluxcd.io/chart-image`). */
const NOT_SPEC = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** A custom resource's group has a dot and is not Kubernetes' own (`apps/v1`, `v1` and `*.k8s.io` are built in). */
function isCustomResource(apiVersion: string): boolean {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  return group.includes('.') && !group.endsWith('.k8s.io');
}

function dispatch(c: Collector, root: YMap, document: number, base: string, inner: InnerReader): void {
  const argocdSource = ARGOCD_SOURCE_FILE.exec(base);
  if (argocdSource) {
    scanArgocdSource(c, root, document, argocdSource[1] ? `Application/${argocdSource[1]}` : c.file);
    return;
  }
  const kind = stringAt(root, 'kind');
  const apiVersion = stringAt(root, 'apiVersion');
  const name = stringAt(asMap(get(root, 'metadata')), 'name');
  const workload = kind ? (name ? `${kind}/${name}` : kind) : c.file;
  if (kind === 'List' && apiVersion) {
    for (const item of asSeq(get(root, 'items'))?.items ?? []) {
      const map = asMap(item);
      if (map) dispatch(c, map, document, base, inner);
    }
    return;
  }
  if (kind === 'Kustomization' && apiVersion?.startsWith('kustomize.toolkit.fluxcd.io')) {
    scanKustomizeImages(c, getPath(root, 'spec', 'images'), document, workload);
    const spec = asMap(get(root, 'spec'));
    if (spec) scanKustomizePatches(c, spec, document, inner);
    return;
  }
  if (
    ((kind === 'Kustomization' || kind === 'Component') &&
      (!apiVersion || apiVersion.startsWith('kustomize.config.k8s.io'))) ||
    (!kind && KUSTOMIZATION_FILES.has(base))
  ) {
    const bases = remoteBases(c, root);
    scanKustomizeImages(c, get(root, 'images'), document, kind && name ? workload : c.file, bases);
    scanKustomizePatches(c, root, document, inner);
    return;
  }
  if (
    kind === 'HelmRelease' &&
    (!apiVersion || apiVersion.startsWith('helm.toolkit.fluxcd.io') || apiVersion.startsWith('helm.fluxcd.io'))
  ) {
    const before = c.references.length;
    scanValues(c, getPath(root, 'spec', 'values'), document, workload);
    if (apiVersion?.startsWith('helm.fluxcd.io')) attachFluxV1Filters(c, root, c.references.slice(before));
    if (c.charts) scanHelmReleaseChart(c, root, document, workload);
    return;
  }
  if (kind === 'Application' && (!apiVersion || apiVersion.startsWith('argoproj.io'))) {
    scanApplication(c, root, document, workload);
    if (c.charts) scanApplicationCharts(c, root, document, workload);
    return;
  }
  if (kind === 'OCIRepository' && apiVersion?.startsWith('source.toolkit.fluxcd.io')) {
    if (c.charts) scanOciRepository(c, root, document, workload);
    return;
  }
  if (kind) {
    if (scanWorkload(c, root, document, workload) > 0 || NOT_RESOURCES.has(kind)) return;
    // a partial patch without apiVersion may also be a values file that happens to have a `kind:` key
    if (!apiVersion) scanValues(c, root, document, c.file);
    else if (isCustomResource(apiVersion)) {
      const spec: YMap = { kind: 'map', flow: root.flow, pairs: root.pairs.filter((pair) => !NOT_SPEC.has(pair.key)) };
      scanValues(c, spec, document, workload, 'resource');
    }
    return;
  }
  scanValues(c, root, document, c.file);
}

function finish(c: Collector): ScanResult {
  const references = c.references.sort(
    (a, b) => a.line - b.line || a.column - b.column || a.slots[0].start - b.slots[0].start,
  );
  // A tag without a repository that a fields: rule reads is no blind spot.
  const read = new Set(references.filter((ref) => ref.format === 'field').map((ref) => ref.line));
  const warnings = c.warnings
    .filter((warning) => !(warning.message.includes(NO_REPOSITORY) && read.has(warning.line)))
    .sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  return { references, skipped: c.skipped, warnings };
}
