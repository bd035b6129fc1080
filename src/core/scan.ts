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
import { Collector } from './scan/collector.js';
import { readFast } from './scan/fast-reader.js';
import { rulesFor, scanFields, triggerWords } from './scan/fields.js';
import { scanValues } from './scan/helm-values.js';
import { KUSTOMIZATION_FILES, scanKustomizeImages } from './scan/kustomize.js';
import type { YDoc, YMap } from './scan/tree.js';
import { asMap, asSeq, get, getPath, NeedFullParse, stringAt } from './scan/tree.js';
import { scanWorkload } from './scan/workload.js';
import { readFull } from './scan/yaml-reader.js';

export type { FieldRule };

export interface ScanOptions {
  fields?: FieldRule[];
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
  if (!mentionsImages(text, rules)) return { result: { references: [], skipped: [], warnings: [] }, path: 'prefilter' };
  if (options.mode !== 'full') {
    const docs = readFast(text);
    if (docs) {
      const c = new Collector(file, text);
      try {
        extractAll(c, docs, rules, base);
        return { result: finish(c), path: 'fast' };
      } catch (error) {
        if (!(error instanceof NeedFullParse)) throw error;
      }
    }
  }
  const c = new Collector(file, text);
  const read = readFull(text);
  if ('error' in read) {
    const hint = template !== -1 ? ' (it holds {{ }}: a template?)' : '';
    const { offset, message, bound } = read.error;
    c.skip(offset, bound ? message : `not valid YAML: ${message}${hint}; fix the file to let stagecoach read it`);
    return { result: finish(c), path: 'skipped' };
  }
  extractAll(c, read.docs, rules, base);
  return { result: finish(c), path: 'full' };
}

function mentionsImages(text: string, rules: ReturnType<typeof rulesFor>): boolean {
  for (const word of TRIGGERS) if (text.includes(word)) return true;
  for (const word of triggerWords(rules)) if (text.includes(word)) return true;
  return false;
}

function extractAll(c: Collector, docs: YDoc[], rules: ReturnType<typeof rulesFor>, base: string): void {
  for (const doc of docs) {
    if (rules.length > 0) scanFields(c, doc.root, doc.index, rules);
    const root = asMap(doc.root);
    if (root) dispatch(c, root, doc.index, base);
  }
}

function dispatch(c: Collector, root: YMap, document: number, base: string): void {
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
      if (map) dispatch(c, map, document, base);
    }
    return;
  }
  if (kind === 'Kustomization' && apiVersion?.startsWith('kustomize.toolkit.fluxcd.io')) {
    scanKustomizeImages(c, getPath(root, 'spec', 'images'), document, workload);
    return;
  }
  if (
    (kind === 'Kustomization' || kind === 'Component') &&
    (!apiVersion || apiVersion.startsWith('kustomize.config.k8s.io'))
  ) {
    scanKustomizeImages(c, get(root, 'images'), document, name ? workload : c.file);
    return;
  }
  if (!kind && KUSTOMIZATION_FILES.has(base)) {
    scanKustomizeImages(c, get(root, 'images'), document, c.file);
    return;
  }
  if (kind === 'HelmRelease' && (!apiVersion || apiVersion.startsWith('helm.toolkit.fluxcd.io'))) {
    scanValues(c, getPath(root, 'spec', 'values'), document, workload);
    return;
  }
  if (kind === 'Application' && (!apiVersion || apiVersion.startsWith('argoproj.io'))) {
    scanApplication(c, root, document, workload);
    return;
  }
  if (kind) {
    // a partial patch without apiVersion may also be a values file that happens to have a `kind:` key
    if (scanWorkload(c, root, document, workload) === 0 && !apiVersion) scanValues(c, root, document, c.file);
    return;
  }
  scanValues(c, root, document, c.file);
}

function finish(c: Collector): ScanResult {
  const references = c.references.sort(
    (a, b) => a.line - b.line || a.column - b.column || a.slots[0].start - b.slots[0].start,
  );
  const warnings = c.warnings.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  return { references, skipped: c.skipped, warnings };
}
