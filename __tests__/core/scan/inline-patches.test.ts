// Inline Kustomize patches: what cannot be read is said where it stands, and the work stays bounded.
import { blockText } from '../../../src/core/scan/block-scalar.js';
import { scanFile, scanFileTraced } from '../../../src/core/scan.js';

const FILE = 'overlays/prod/kustomization.yaml';
const patchOf = (header: string, body: string) =>
  `kind: Kustomization\npatches:\n  - patch: ${header}\n${body
    .split('\n')
    .map((line) => (line === '' ? '' : `      ${line}`))
    .join('\n')}`;
const DEPLOYMENT =
  'kind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.0.0\n';

test('the inner text maps every offset back to the file', () => {
  const text = patchOf('|-', DEPLOYMENT);
  const block = blockText(text, text.indexOf('|-'));
  if ('problem' in block) throw new Error(block.problem);
  expect(block.text).toBe(DEPLOYMENT);
  expect(block.indent).toBe(6);
  const at = block.text.indexOf('ghcr.io');
  expect(text.slice(block.map(at), block.map(at) + 22)).toBe('ghcr.io/acme/api:1.0.0');
});

test.each([
  ['>', 'a folded block scalar (>) joins its lines'],
  ['|2', 'an explicit indentation indicator'],
])('a patch under %s that holds an image is a warning, not a reference', (header, why) => {
  const result = scanFile(FILE, patchOf(header, DEPLOYMENT));
  expect(result.references).toEqual([]);
  expect(result.warnings).toEqual([expect.objectContaining({ line: 3, message: expect.stringContaining(why) })]);
});

test('a patch that is not YAML says so at its line inside the block', () => {
  const result = scanFile(FILE, patchOf('|', 'kind: Deployment\nspec: [image: ghcr.io/acme/api:1.0.0\n'));
  expect(result.references).toEqual([]);
  expect(result.warnings).toEqual([
    expect.objectContaining({ message: expect.stringContaining('the inline patch is not valid YAML') }),
  ]);
  expect(result.warnings[0].line).toBeGreaterThanOrEqual(4);
});

test('a one-line patch string holding an image is named, since it cannot be edited in place', () => {
  const text = `kind: Kustomization\npatches:\n  - target: { kind: Deployment, name: api }\n    patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "ghcr.io/acme/api:1.0.0"}]'\n`;
  const result = scanFile(FILE, text);
  expect(result.references).toEqual([]);
  expect(result.warnings).toEqual([
    expect.objectContaining({ line: 4, message: expect.stringContaining('block scalars (patch: |)') }),
  ]);
});

test('a kustomization without inline patches stays on the fast path; a patch without an image is not parsed', () => {
  const plain =
    'kind: Kustomization\nimages:\n  - name: ghcr.io/acme/api\n    newTag: 1.0.0\npatches:\n  - path: api.yaml\n';
  expect(scanFileTraced(FILE, plain).path).toBe('fast');
  const noImage = `${plain}  - patch: |-\n      $patch: delete\n      kind: Secret\n      metadata:\n        name: old\n`;
  const traced = scanFileTraced(FILE, noImage);
  expect(traced.path).toBe('fast');
  expect(traced.result.references).toHaveLength(1);
});

test('a patch holding a Kustomization with patches is read one level deep only (bounded work)', () => {
  let text = 'image: ghcr.io/acme/api:1.0.0\n';
  for (let level = 0; level < 200; level++) text = patchOf('|', text);
  expect(scanFile(FILE, text).references).toEqual([]);
});

describe('patches written as YAML nodes (Flux Kustomization v1beta2) and what an /image path holds', () => {
  const FLUX = 'clusters/prod/apps.yaml';
  const flux = `apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  patchesStrategicMerge:
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: api}
      spec:
        template:
          spec:
            containers:
              - name: api
                image: ghcr.io/acme/api:1.0.0
  patchesJson6902:
    - target: {kind: Deployment, name: web}
      patch:
        - op: replace
          path: /spec/template/spec/containers/0/image
          value: ghcr.io/acme/web:1.0.0
  patches:
    - target: {kind: Deployment, name: job}
      patch: |
        - op: replace
          path: /metadata/labels/image
          value: job
        - op: add
          path: /spec/template/spec/containers/1/image
          value: busybox
`;

  test.each(['auto', 'full'] as const)('object patches are read where they stand [%s]', (mode) => {
    const result = scanFile(FLUX, flux, { mode });
    expect(result.references.map((r) => [r.line, r.format, r.workload, r.image, r.tag])).toEqual([
      [14, 'workload', 'Deployment/api', 'ghcr.io/acme/api', '1.0.0'],
      [20, 'json-patch', 'Deployment/web', 'ghcr.io/acme/web', '1.0.0'],
      [29, 'json-patch', 'Deployment/job', 'docker.io/library/busybox', undefined],
    ]);
    expect(result.warnings).toEqual([]);
  });

  test('a tagless value under a path that is not a container image is no reference', () => {
    const text = `kind: Kustomization\npatches:\n  - target: {kind: Deployment, name: job}\n    patch: |\n      - op: replace\n        path: /metadata/labels/image\n        value: job\n      - op: replace\n        path: /metadata/annotations/image\n        value: not an image\n`;
    expect(scanFile(FILE, text)).toEqual(expect.objectContaining({ references: [], warnings: [] }));
  });
});

describe('how far a block scalar reaches', () => {
  const labels = Array.from({ length: 30 }, (_, i) => `    label-${i}: value-${i}`).join('\n');
  const far = `kind: Deployment\nmetadata:\n  name: api\n  labels:\n${labels}\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: ghcr.io/acme/api:1.0.0\n`;

  test('an image far below a |2 header is still seen, and warned about', () => {
    const result = scanFile(FILE, patchOf('|2', far).replace(/^ {6}/gm, '        '));
    expect(result.warnings).toEqual([
      expect.objectContaining({ line: 3, message: expect.stringContaining('an explicit indentation indicator') }),
    ]);
  });

  test('an empty block is not read into the keys after it', () => {
    const text = `kind: Kustomization\npatches:\n  - patch: |\n    target: {kind: Deployment, name: imagery}\n  - patch: >\n    target: {kind: Deployment, name: image-mover}\n`;
    expect(scanFile(FILE, text)).toEqual(expect.objectContaining({ references: [], warnings: [] }));
    const block = blockText(text, text.indexOf('|'));
    expect(block).toEqual({ problem: 'an empty block scalar' });
  });
});
