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
