// fast-check generators of config-repo YAML in varied styles: several documents (Deployments, values, Kustomizations,
// Argo CD Applications), quoting styles, comments and Flux markers, 2/4-space indentation, indented or flush lists,
// blank and comment lines, CRLF, a BOM, and sometimes flow collections, block scalars and anchors.
import fc from 'fast-check';
import type { Version } from '../../../src/core/image-reference.js';

export const hexDigest = fc
  .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
  .map((hex) => `sha256:${hex}`);

/** Tags, including the ones YAML would read as numbers or booleans when written plain. */
export const tagArb = fc.oneof(
  fc.constantFrom('1.10', '0012', 'true', 'on', '1.0', '2', 'v1.2.3', 'latest', '1e3', 'null'),
  fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/),
);

export const versionArb: fc.Arbitrary<Version> = fc
  .record({ tag: fc.option(tagArb, { nil: undefined }), digest: fc.option(hexDigest, { nil: undefined }) })
  .filter((v) => v.tag !== undefined || v.digest !== undefined)
  .map((v) => ({
    ...(v.tag !== undefined ? { tag: v.tag } : {}),
    ...(v.digest !== undefined ? { digest: v.digest } : {}),
  }));

export const repoArb = fc.constantFrom(
  'nginx',
  'ghcr.io/acme/api',
  'localhost:5000/team/app',
  'docker.io/library/redis',
  'quay.io/org/sub/tool',
  'registry.example.com:8443/a/b-c',
);

type Style = 'plain' | 'single' | 'double';
const styleArb = fc.constantFrom<Style>('plain', 'single', 'double');
const commentArb = fc.constantFrom('', '', ' # note', '   # {"$imagepolicy": "flux-system:app"}', ' #x');

function q(value: string, style: Style): string {
  if (style === 'single') return `'${value.replaceAll("'", "''")}'`;
  if (style === 'double') return JSON.stringify(value);
  // plain only where YAML keeps it a string-looking token; numbers and booleans still read back as their source
  return /^[A-Za-z0-9_./][A-Za-z0-9_./:@=+-]*$/.test(value) ? value : JSON.stringify(value);
}

function image(repo: string, v: Version): string {
  return `${repo}${v.tag ? `:${v.tag}` : ''}${v.digest ? `@${v.digest}` : ''}`;
}

interface Layout {
  unit: string;
  flushLists: boolean;
}

const layoutArb: fc.Arbitrary<Layout> = fc.record({
  unit: fc.constantFrom('  ', '    '),
  flushLists: fc.boolean(),
});

const containerArb = fc.record({
  repo: repoArb,
  version: versionArb,
  style: styleArb,
  comment: commentArb,
  extra: fc.constantFrom('none', 'flowArgs', 'blockArgs', 'env'),
});

const deploymentArb = fc
  .record({
    layout: layoutArb,
    kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet', 'Job'),
    name: fc.constantFrom('api', 'web', 'worker'),
    labels: fc.constantFrom('none', 'flow', 'block'),
    containers: fc.array(containerArb, { minLength: 1, maxLength: 3 }),
    init: fc.option(containerArb, { nil: undefined }),
  })
  .map(({ layout, kind, name, labels, containers, init }) => {
    const u = layout.unit;
    const dash = (indent: string) => (layout.flushLists ? indent : indent + u);
    const lines = [`apiVersion: apps/v1`, `kind: ${kind}`, `metadata:`, `${u}name: ${name}`];
    if (labels === 'flow') lines.push(`${u}labels: {app: ${name}, tier: "backend"}`);
    if (labels === 'block') lines.push(`${u}labels:`, `${u}${u}app: ${name}`);
    lines.push(`spec:`, `${u}template:`, `${u}${u}spec:`);
    const base = `${u}${u}${u}`;
    const list = (key: string, items: (typeof containers)[number][]) => {
      lines.push(`${base}${key}:`);
      items.forEach((c, i) => {
        const d = dash(base);
        lines.push(`${d}- name: ${key === 'containers' ? 'c' : 'init'}${i}`);
        const inner = `${d}  `;
        lines.push(`${inner}image: ${q(image(c.repo, c.version), c.style)}${c.comment}`);
        if (c.extra === 'flowArgs') lines.push(`${inner}args: ["--port", '80']`);
        if (c.extra === 'blockArgs')
          lines.push(`${inner}command:`, `${inner}- |`, `${inner}${u}echo image: x:1`, ``, `${inner}${u}done`);
        if (c.extra === 'env') lines.push(`${inner}env:`, `${inner}- name: IMAGE`, `${inner}  value: other:1.0`);
      });
    };
    if (init) list('initContainers', [init]);
    list('containers', containers);
    return lines;
  });

const valuesArb = fc
  .record({
    layout: layoutArb,
    entries: fc.array(
      fc.record({
        path: fc.constantFrom('image', 'api.image', 'worker.image', 'jobs.nightly.image'),
        shape: fc.constantFrom('map', 'registry', 'scalar', 'name'),
        repo: repoArb,
        version: versionArb,
        style: styleArb,
        tagStyle: styleArb,
        comment: commentArb,
        withDigestKey: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    noise: fc.constantFrom('none', 'flow', 'block'),
  })
  .map(({ layout, entries, noise }) => {
    const u = layout.unit;
    const lines: string[] = ['# values', 'replicaCount: 2'];
    const seen = new Set<string>();
    entries.forEach((e, n) => {
      const path = e.path === 'image' ? 'image' : `c${n}${e.path}`;
      if (seen.has(path)) return;
      seen.add(path);
      const keys = path.split('.');
      keys.slice(0, -1).forEach((k, i) => lines.push(`${u.repeat(i)}${k}:`));
      const d = u.repeat(keys.length - 1);
      const inner = d + u;
      if (e.shape === 'scalar') {
        lines.push(`${d}image: ${q(image(e.repo, e.version), e.style)}${e.comment}`);
        return;
      }
      lines.push(`${d}image:`);
      if (e.shape === 'registry' && e.repo.includes('/')) {
        const slash = e.repo.indexOf('/');
        lines.push(
          `${inner}registry: ${e.repo.slice(0, slash)}`,
          `${inner}repository: ${q(e.repo.slice(slash + 1), e.style)}`,
        );
      } else {
        lines.push(`${inner}${e.shape === 'name' ? 'name' : 'repository'}: ${q(e.repo, e.style)}`);
      }
      lines.push(`${inner}tag: ${e.version.tag === undefined ? '""' : q(e.version.tag, e.tagStyle)}${e.comment}`);
      if (e.withDigestKey || e.version.digest)
        lines.push(`${inner}digest: ${e.version.digest ? q(e.version.digest, e.style) : "''"}`);
      lines.push(`${inner}pullPolicy: IfNotPresent`);
    });
    if (noise === 'flow') lines.push('tolerations: []', 'resources: {limits: {cpu: 1}}');
    if (noise === 'block') lines.push('config: |', `${u}image: not:this`, `${u}tag: 1`);
    return lines;
  });

const kustomizationArb = fc
  .record({
    layout: layoutArb,
    entries: fc.array(
      fc.record({
        name: fc.constantFrom('api', 'web', 'ghcr.io/acme/db'),
        newName: fc.option(repoArb, { nil: undefined }),
        tag: fc.option(tagArb, { nil: undefined }),
        digest: fc.option(hexDigest, { nil: undefined }),
        tagStyle: styleArb,
        comment: commentArb,
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ layout, entries }) => {
    const u = layout.unit;
    const lines = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `${u}- ../base`,
      'images:',
    ];
    const d = layout.flushLists ? '' : u;
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.name)) continue;
      seen.add(e.name);
      lines.push(`${d}- name: ${e.name}`);
      if (e.newName) lines.push(`${d}  newName: ${e.newName}`);
      if (e.tag !== undefined) lines.push(`${d}  newTag: ${q(e.tag, e.tagStyle)}${e.comment}`);
      if (e.digest) lines.push(`${d}  digest: ${e.digest}`);
    }
    return lines;
  });

const applicationArb = fc
  .record({
    layout: layoutArb,
    images: fc.array(fc.record({ repo: repoArb, version: versionArb, alias: fc.boolean(), style: styleArb }), {
      minLength: 1,
      maxLength: 2,
    }),
  })
  .map(({ layout, images }) => {
    const u = layout.unit;
    const lines = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      `${u}name: shop`,
      'spec:',
      `${u}source:`,
    ];
    lines.push(`${u}${u}kustomize:`, `${u}${u}${u}images:`);
    const d = layout.flushLists ? `${u}${u}${u}` : `${u}${u}${u}${u}`;
    images.forEach((im, i) =>
      lines.push(`${d}- ${q(`${im.alias ? `alias${i}=` : ''}${image(im.repo, im.version)}`, im.style)}`),
    );
    return lines;
  });

/** A Kustomization whose `patches[].patch` block scalars hold a generated workload (strategic merge) or JSON6902 ops. */
const inlinePatchArb = fc
  .record({
    layout: layoutArb,
    patches: fc.array(
      fc.record({
        body: fc.oneof(
          deploymentArb,
          fc
            .record({ repo: repoArb, version: versionArb, style: styleArb, comment: commentArb })
            .map(({ repo, version, style, comment }) => [
              '- op: replace',
              '  path: /spec/replicas',
              '  value: 2',
              '- op: replace',
              '  path: /spec/template/spec/containers/0/image',
              `  value: ${q(image(repo, version), style)}${comment}`,
            ]),
        ),
        chomp: fc.constantFrom('|', '|-', '|+'),
        extra: fc.constantFrom('', ' ', '    '),
        trailingBlank: fc.boolean(),
        target: fc.boolean(),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  })
  .map(({ layout, patches }) => {
    const u = layout.unit;
    const d = layout.flushLists ? '' : u;
    const lines = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'patches:'];
    patches.forEach((p, i) => {
      if (p.target)
        lines.push(`${d}- target:`, `${d}    kind: Deployment`, `${d}    name: t${i}`, `${d}  patch: ${p.chomp}`);
      else lines.push(`${d}- patch: ${p.chomp}`);
      const indent = `${d}  ${u}${p.extra}`;
      for (const line of p.body) lines.push(line === '' ? '' : indent + line);
      if (p.trailingBlank) lines.push('');
    });
    return lines;
  });

/** A whole file: documents joined by `---`, with optional noise lines, CRLF, BOM, anchors. */
export const manifestArb = fc
  .record({
    docs: fc.array(fc.oneof(deploymentArb, valuesArb, kustomizationArb, applicationArb, inlinePatchArb), {
      minLength: 1,
      maxLength: 3,
    }),
    leadingMarker: fc.boolean(),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    blankAndComments: fc.array(fc.nat(), { maxLength: 3 }),
    endMarker: fc.boolean(),
    anchor: fc.boolean(),
  })
  .map(({ docs, leadingMarker, crlf, bom, blankAndComments, endMarker, anchor }) => {
    const parts = docs.map((lines) => {
      const copy = [...lines];
      for (const n of blankAndComments)
        copy.splice(1 + (n % Math.min(3, copy.length)), 0, n % 2 === 0 ? '' : '# a comment line');
      if (anchor) copy.push('x-anchor: &shared "ghcr.io/acme/anchored:1.0.0"', 'anchoredImage: *shared');
      return copy.join('\n') + '\n';
    });
    let text = (leadingMarker ? '---\n' : '') + parts.join(endMarker ? '...\n---\n' : '---\n');
    if (crlf) text = text.replaceAll('\n', '\r\n');
    return (bom ? '\ufeff' : '') + text;
  });

/** YAML indicators and the breaks around them: what a hand edit, a bad merge or a hostile file adds or loses. */
const INDICATORS = [
  ...'-?:,[]{}#&*!|>\'"%@`\\ ',
  '- ',
  ': ',
  ' #',
  '&a ',
  '*a',
  '!!str ',
  '|',
  '>-',
  '\n',
  '\n---\n',
  '\n...\n',
  '---',
  '  ',
  '\n  ',
  '\n- ',
  'key: ',
  '<<: ',
  '{{ }}',
];

export type Mutation = { at: number; insert: string } | { at: number; remove: number };

/** One to three random insertions or deletions of YAML indicators, anywhere in a text. */
export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ at: fc.nat(), insert: fc.constantFrom(...INDICATORS) }),
    fc.record({ at: fc.nat(), remove: fc.integer({ min: 1, max: 3 }) }),
  ),
  { minLength: 1, maxLength: 3 },
);

export function mutate(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    out = 'insert' in m ? out.slice(0, at) + m.insert + out.slice(at) : out.slice(0, at) + out.slice(at + m.remove);
  }
  return out;
}

/** A generated manifest with one to three random insertions or deletions of YAML indicators. */
export const mutatedManifestArb = fc
  .record({ text: manifestArb, mutations: mutationsArb })
  .map(({ text, mutations }) => mutate(text, mutations));
