// Flux image automation: ImagePolicy objects found in the repository, and what they say about a line carrying their
// `$imagepolicy` marker — the policy's order (filterTags + extract, numerical/alphabetical/semver) decides whether a
// promotion steps back, and a new tag the policy does not admit is one Flux's automation would move back.
// https://fluxcd.io/flux/components/image/imagepolicies/
import type { ImageReference } from './image-reference.js';
import { Collector } from './scan/collector.js';
import { readFull } from './scan/yaml-reader.js';
import type { YMap } from './scan/tree.js';
import { asMap, get, getPath, stringAt } from './scan/tree.js';
import {
  compareKeys,
  compileFilterPattern,
  isTagAllowed,
  policyKey,
  sameOrdering,
  type TagPolicy,
} from './tag-policy.js';

export interface FluxImagePolicy {
  /** metadata.namespace; absent when the file leaves it to the Kustomization that applies it. */
  namespace?: string;
  name: string;
  /** spec.imageRepositoryRef.name: policies of one ImageRepository order the same tags. */
  repository: string;
  policy: TagPolicy;
  file: string;
  line: number;
}

/** The ImagePolicy documents of one file (a cheap text test first: most files hold none). */
export function readImagePolicies(file: string, text: string): FluxImagePolicy[] {
  if (!text.includes('ImagePolicy')) return [];
  const read = readFull(text);
  if ('error' in read) return [];
  const found: FluxImagePolicy[] = [];
  const lines = new Collector(file, text); // one line table for the file, not a count per document
  for (const doc of read.docs) {
    const root = asMap(doc.root);
    if (!root || stringAt(root, 'kind') !== 'ImagePolicy') continue;
    if (!stringAt(root, 'apiVersion')?.startsWith('image.toolkit.fluxcd.io')) continue;
    const metadata = asMap(get(root, 'metadata'));
    const name = stringAt(metadata, 'name');
    const spec = asMap(get(root, 'spec'));
    const policy = tagPolicy(spec);
    if (!name || !policy) continue;
    const namespace = stringAt(metadata, 'namespace');
    const keyStart = root.pairs[0]?.keyStart ?? 0;
    found.push({
      ...(namespace ? { namespace } : {}),
      name,
      repository: stringAt(asMap(get(spec, 'imageRepositoryRef')), 'name') ?? '',
      policy,
      file,
      line: lines.position(keyStart).line,
    });
  }
  return found;
}

/** spec.policy and spec.filterTags as a TagPolicy; undefined when the pattern does not compile. */
function tagPolicy(spec: YMap | undefined): TagPolicy | undefined {
  const policy: TagPolicy = {};
  const order = (kind: string) => stringAt(asMap(getPath(spec, 'policy', kind)), 'order');
  const range = stringAt(asMap(getPath(spec, 'policy', 'semver')), 'range');
  if (getPath(spec, 'policy', 'numerical')) policy.numerical = order('numerical') === 'desc' ? 'desc' : 'asc';
  else if (getPath(spec, 'policy', 'alphabetical'))
    policy.alphabetical = order('alphabetical') === 'desc' ? 'desc' : 'asc';
  else policy.semver = { range: range ?? '*', prerelease: false };
  const filter = asMap(get(spec, 'filterTags'));
  const pattern = stringAt(filter, 'pattern');
  if (pattern) {
    try {
      compileFilterPattern(pattern);
    } catch {
      return undefined;
    }
    policy.filterTags = { pattern, extract: stringAt(filter, 'extract') ?? '' };
  }
  return policy;
}

interface PolicyIndex {
  size: number;
  byName: Map<string, FluxImagePolicy[]>;
  byRepository: Map<string, FluxImagePolicy[]>;
}

/** Policies by name and by ImageRepository, built once per list (a plan judges every marked line by one list). */
const indexes = new WeakMap<FluxImagePolicy[], PolicyIndex>();

function indexOf(policies: FluxImagePolicy[]): PolicyIndex {
  let index = indexes.get(policies);
  if (index && index.size === policies.length) return index;
  index = { size: policies.length, byName: new Map(), byRepository: new Map() };
  for (const p of policies) {
    index.byName.set(p.name, [...(index.byName.get(p.name) ?? []), p]);
    index.byRepository.set(p.repository, [...(index.byRepository.get(p.repository) ?? []), p]);
  }
  indexes.set(policies, index);
  return index;
}

/** The policy a marker (`ns:name`, `ns:name:tag`) names, if the repository holds it. */
export function policyOfMarker(marker: string, policies: FluxImagePolicy[]): FluxImagePolicy | undefined {
  const [namespace, name] = marker.split(':');
  if (name === undefined) return indexOf(policies).byName.get(namespace)?.[0];
  const named = indexOf(policies).byName.get(name) ?? [];
  return named.find((p) => p.namespace === namespace) ?? named.find((p) => p.namespace === undefined);
}

function describe(p: FluxImagePolicy): string {
  const filter = p.policy.filterTags ? `filterTags ${p.policy.filterTags.pattern}` : 'no filterTags';
  const order = p.policy.numerical
    ? `numerical ${p.policy.numerical}`
    : p.policy.alphabetical
      ? `alphabetical ${p.policy.alphabetical}`
      : `semver ${p.policy.semver?.range ?? '*'}`;
  return `${p.file}:${p.line}: ${filter}${p.policy.filterTags?.extract ? `, extract ${p.policy.filterTags.extract}` : ''}, ${order}`;
}

export interface PolicyJudgement {
  /** Set when the policies order both tags: whether the new one is older. */
  downgrade?: boolean;
  message: string;
}

/**
 * What Flux's ImagePolicy says about moving a marked line from its tag to `tag`. Each tag is ordered by the line's
 * policy or, when that one does not admit it, by another policy of the same ImageRepository that orders the same way
 * (a `prod-<sha>-<ts>` and a `pr-<n>-<sha>-<ts>` stream compare by their extracted `$ts`).
 */
export function judgeByPolicy(
  reference: ImageReference,
  tag: string,
  policies: FluxImagePolicy[],
): PolicyJudgement | undefined {
  if (!reference.marker) return undefined;
  const line = policyOfMarker(reference.marker, policies);
  if (!line) return undefined; // said once for all such lines (plan-warnings.ts unknownPolicies)
  const siblings = indexOf(policies).byRepository.get(line.repository) ?? [];
  const family = [line, ...siblings.filter((p) => p !== line)];
  const keyed = (t: string) => {
    for (const p of family) {
      if (p !== line && !sameOrdering(p.policy, line.policy)) continue;
      const key = policyKey(t, p.policy);
      if (key !== undefined) return { key, p };
    }
    return undefined;
  };
  const old = reference.tag ? keyed(reference.tag) : undefined;
  const next = keyed(tag);
  let downgrade: boolean | undefined;
  let how = '';
  if (old && next) {
    downgrade = compareKeys(next.key, old.key, line.policy) < 0;
    if (next.key !== tag || old.key !== reference.tag) how = ` (${next.key} ${downgrade ? '<' : '≥'} ${old.key})`;
  }
  const parts = [`managed by Flux's ImagePolicy ${reference.marker} (${describe(line)})`];
  const by = old?.p === line && next?.p === line ? 'its order' : "the order of its ImageRepository's policies";
  if (downgrade) parts.push(`by ${by} ${tag} is older than ${reference.tag}${how}: a downgrade`);
  if (!isTagAllowed(tag, line.policy))
    parts.push(`${tag} is outside what it admits, so Flux's image automation would move the line back`);
  else if (downgrade) parts.push(`Flux's image automation would move the line forward again`);
  if (!old || !next) parts.push(`no policy of the repository orders both ${reference.tag ?? '(no tag)'} and ${tag}`);
  return { ...(downgrade !== undefined ? { downgrade } : {}), message: parts.join('; ') };
}
