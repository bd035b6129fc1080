// The fast reader must agree exactly with the eemeli/yaml path on every file it accepts; generated manifests in varied
// styles, the same with YAML indicators inserted and deleted at random, plus hand-picked tricky inputs, are scanned
// both ways.
import fc from 'fast-check';
import { scanFile, scanFileTraced } from '../../../src/core/scan.js';
import { manifestArb, mutatedManifestArb } from './manifest-arbitrary.js';

const FILE = 'stages/dev/app/all.yaml';

test('generated manifests: fast and full paths give identical results', () => {
  let fast = 0;
  fc.assert(
    fc.property(manifestArb, (text) => {
      const auto = scanFileTraced(FILE, text);
      if (auto.path === 'fast') fast++;
      expect(auto.result).toEqual(scanFile(FILE, text, { mode: 'full' }));
      expect(auto.result.skipped).toEqual([]);
    }),
    { numRuns: 400 },
  );
  expect(fast).toBeGreaterThan(100); // the generator really exercises the fast reader
});

test('mutated manifests: whenever the fast path is taken, it gives exactly what the full parse gives', () => {
  let fast = 0;
  let rejected = 0;
  fc.assert(
    fc.property(mutatedManifestArb, (text) => {
      const auto = scanFileTraced(FILE, text);
      if (auto.path !== 'fast') return;
      fast++;
      const full = scanFile(FILE, text, { mode: 'full' });
      if (full.skipped.length > 0) rejected++;
      expect(auto.result).toEqual(full);
    }),
    { numRuns: 5000 },
  );
  expect(rejected).toBe(0);
  expect(fast).toBeGreaterThan(500); // mutations often break the file; many must still take the fast path
});

/** A Deployment whose metadata holds `extra` (lines indented by two): the workload extractor never looks inside it. */
function deployment(extra: string): string {
  return `kind: Deployment\nmetadata:\n${extra}spec:\n  template:\n    spec:\n      containers:\n      - image: nginx:1.0\n`;
}

test.each([
  ['a root block scalar at column 0 before later documents', '|\nimage: x\n---\nimage: nginx:1.0\n'],
  ['a leading end marker (an empty first document)', '...\nimage: nginx:1.0\n'],
  ['two chomping indicators', deployment('  x: |--\n    a\n')],
  ['a block scalar after a wider blank line', deployment('  x: |\n       \n    a\n')],
  ['a scalar below its key after a comment', deployment('  x:\n  # c\n    a\n')],
  ['mismatched flow brackets', deployment('  labels: {a: b]\n')],
  ['a compact mapping in a flow mapping', deployment('  labels: {a: b: c}\n')],
  ['an empty flow entry', deployment('  args: [a, , b]\n')],
  ['a missing comma in a flow mapping', deployment('  labels: {app: ap tier: "backend"}\n')],
  ['an alias in a flow collection', deployment('  args: [*a]\n')],
  ['an unknown escape in a flow collection', deployment('  args: ["\\q"]\n')],
  ['duplicate keys in a flow mapping', deployment('  labels: {a: 1, a: 2}\n')],
  ['a block sequence in a nested mapping without trigger words', deployment('  x:\n    y:\n      a: - b\n')],
  ['bad indentation in a nested mapping without trigger words', deployment('  x:\n    y:\n      a: b\n     c: d\n')],
  ['an unclosed quote in a nested mapping without trigger words', deployment('  x:\n    y:\n      a: "b\n')],
  ['an implicit key over 1,024 characters', deployment(`  ${'k'.repeat(1100)}: v\n`)],
  ['a flow collection as a key', deployment('  a: {[b]: c}\n')],
  ['plain keys yaml resolves to one number', deployment('  x:\n    y:\n      1: a\n      01: b\n')],
])('%s: the fast reader does not claim a file yaml reads otherwise', (_name, text) => {
  expect(scanFile(FILE, text)).toEqual(scanFile(FILE, text, { mode: 'full' }));
});

test.each([
  ['plain keys with spaces before the colon', 'image :\n  repository : ghcr.io/a/b\n  tag : "1"\n'],
  ['quoted keys and escapes', '"image":\n  "repository": "ghcr.io/a/b"\n  "tag": "1.0\\"x"\n'],
  ['empty documents', '---\n---\nimage: nginx:1.0\n---\n'],
  ['end marker then implicit document', 'image: nginx:1.0\n...\nimage: redis:7.0\n'],
  ['multi-line plain scalar', 'image: nginx:1.0\n  continued\n'],
  ['multi-line quoted scalar', 'image: "nginx:1.0\n  x"\n'],
  ['duplicate keys', 'image: nginx:1.0\nimage: nginx:1.1\n'],
  ['tabs', 'image:\tnginx:1.0\n'],
  ['block scalar at an image key', 'image: |\n  nginx:1.0\n'],
  ['block scalar less indented later', 'config: |\n    a\n  b\nimage: nginx:1.0\n'],
  ['seq at the indentation of its key', 'images:\n- nginx:1.0\n- redis:7.0\nother: 1\n'],
  ['nested compact seqs', 'images:\n- - nginx:1.0\n  - redis:7.0\n'],
  ['a directive', '%YAML 1.2\n---\nimage: nginx:1.0\n'],
  ['a tag', 'image: !!str nginx:1.0\n'],
  ['comment after a key', 'image: # the image\n  repository: nginx\n  tag: "1"\n'],
  ['null values', 'image:\n  repository: nginx\n  tag:\n  digest: ~\n'],
  ['root indented', '  image: nginx:1.0\n  other: 2\n'],
  ['bad indentation', 'image: nginx:1.0\n other: 2\n'],
  ['flow image map', 'image: {repository: nginx, tag: "1.0"}\n'],
  ['lone CR', 'image: nginx:1.0\rother: 1\n'],
  ['comment without space', 'image: nginx:1.0#not-a-comment\n'],
  ['trailing spaces', 'image: nginx:1.0   \n'],
  ['document marker with content', '--- image: nginx:1.0\n'],
  [
    'kind and a weird root',
    'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx:1.0\n        name: x\n',
  ],
])('%s: fast and full agree', (_name, text) => {
  expect(scanFile(FILE, text)).toEqual(scanFile(FILE, text, { mode: 'full' }));
});

test('nested blocks without trigger words are read by the fast reader, and custom field paths are found', () => {
  const text =
    'meta:\n  info:\n    labels:\n      a: b\n    repo: ghcr.io/acme/billing\napp:\n  deep:\n    version: v1\n';
  const fields = [{ files: '**/*.yaml', tag: 'app.deep.version', repository: 'meta.info.repo' }];
  const traced = scanFileTraced('stages/dev/billing.yaml', text, { fields });
  expect(traced.path).toBe('fast');
  expect(traced.result.references.map((r) => [r.image, r.tag, r.line, r.column])).toEqual([
    ['ghcr.io/acme/billing', 'v1', 8, 14],
  ]);
  expect(traced.result).toEqual(scanFile('stages/dev/billing.yaml', text, { fields, mode: 'full' }));
});

test('a file without any trigger word is not parsed at all', () => {
  const traced = scanFileTraced('stages/dev/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\ndata: {a: [unclosed\n');
  expect(traced).toEqual({ path: 'prefilter', result: { references: [], skipped: [], warnings: [] } });
});
