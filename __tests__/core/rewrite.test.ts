// The rewriter's guarantees: lossless splicing, kept (or safely upgraded) quoting, re-scan yields the written versions,
// idempotence — as properties over generated manifests — plus the edge cases one by one.
import fc from 'fast-check';
import { parse } from 'yaml';
import { formatVersion, type ImageReference, type Version } from '../../src/core/image-reference.js';
import { applyEdits, render, writableVersion, type Edit } from '../../src/core/rewrite.js';
import { scanFile } from '../../src/core/scan.js';
import { manifestArb, versionArb } from './scan/manifest-arbitrary.js';

const FILE = 'stages/dev/app/all.yaml';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

const caseArb = manifestArb.chain((text) => {
  const refs = scanFile(FILE, text).references;
  return fc.tuple(
    fc.constant(text),
    fc.array(fc.option(versionArb, { nil: undefined }), { minLength: refs.length, maxLength: refs.length }),
  );
});

describe('properties over generated manifests', () => {
  test('re-scanning yields exactly the writable versions, and every other reference is unchanged', () => {
    fc.assert(
      fc.property(caseArb, ([text, versions]) => {
        const refs = scanFile(FILE, text).references;
        const edits: Edit[] = [];
        refs.forEach((reference, i) => {
          if (versions[i]) edits.push({ reference, version: versions[i] as Version });
        });
        const out = applyEdits(text, edits);
        const again = scanFile(FILE, out).references;
        expect(again).toHaveLength(refs.length);
        refs.forEach((ref, i) => {
          const wanted = versions[i];
          const expected = wanted ? writableVersion(ref, wanted).version : { tag: ref.tag, digest: ref.digest };
          expect(formatVersion(again[i])).toBe(formatVersion(expected));
          expect([again[i].image, again[i].name, again[i].container, again[i].marker]).toEqual([
            ref.image,
            ref.name,
            ref.container,
            ref.marker,
          ]);
        });
        // a file the full parser reads the same way
        expect(scanFile(FILE, out, { mode: 'full' })).toEqual(scanFile(FILE, out));
      }),
      { numRuns: 300 },
    );
  });

  test('every byte outside the changed scalars is unchanged (comments, quotes, markers, CRLF, BOM, other documents)', () => {
    fc.assert(
      fc.property(caseArb, ([text, versions]) => {
        const refs = scanFile(FILE, text).references;
        const edits = refs.flatMap((reference, i) =>
          versions[i] ? [{ reference, version: versions[i] as Version }] : [],
        );
        const out = applyEdits(text, edits);
        // pair each slot with its re-scanned self; insertions still empty in both are zero-width and pair with nothing
        const again = scanFile(FILE, out).references;
        expect(again).toHaveLength(refs.length);
        const pairs = refs
          .flatMap((ref, r) => ref.slots.map((slot, k) => [slot, again[r].slots[k]] as const))
          .filter(([slot, next]) => slot.insert === undefined || next.insert === undefined)
          .sort((x, y) => x[0].start - y[0].start);
        let b = 0;
        let a = 0;
        for (const [slot, next] of pairs) {
          const filled = slot.insert !== undefined ? slot.insert : '';
          expect(out.slice(a, next.start)).toBe(text.slice(b, slot.start) + filled);
          b = slot.end;
          a = next.end;
        }
        expect(out.slice(a)).toBe(text.slice(b));
      }),
      { numRuns: 300 },
    );
  });

  test('a second application of the same edits changes nothing', () => {
    fc.assert(
      fc.property(caseArb, ([text, versions]) => {
        const refs = scanFile(FILE, text).references;
        const pick = (list: ImageReference[]) =>
          list.flatMap((reference, i) => (versions[i] ? [{ reference, version: versions[i] as Version }] : []));
        const once = applyEdits(text, pick(refs));
        expect(applyEdits(once, pick(scanFile(FILE, once).references))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});

describe('quoting', () => {
  test.each([
    ['1.2.3', 'plain', '1.2.3'],
    ['1.10', 'plain', '"1.10"'],
    ['true', 'plain', '"true"'],
    ['on', 'plain', '"on"'], // YAML 1.1 (Kubernetes, Helm) reads it as a boolean
    ['0012', 'plain', '"0012"'],
    ['1_000', 'plain', '"1_000"'],
    ['null', 'plain', '"null"'],
    ['', 'plain', '""'],
    ['ghcr.io/a/b:1.0@' + D1, 'plain', 'ghcr.io/a/b:1.0@' + D1],
    ['[::1]:5000/a:1', 'plain', '"[::1]:5000/a:1"'],
    ["it's", 'single', "'it''s'"],
    ['a"b\\c', 'double', '"a\\"b\\\\c"'],
    ['0012', 'double', '"0012"'],
  ] as const)('%s written %s → %s, and reads back as the same string', (value, style, token) => {
    expect(render(value, style)).toBe(token);
    expect(parse(`k: ${token}`)).toEqual({ k: value });
    expect(parse(`k: ${token}`, { version: '1.1' })).toEqual({ k: value });
  });

  test('a quoted all-digit tag stays quoted in its own style', () => {
    const text = "image:\n  repository: ghcr.io/a/b\n  tag: '0012'\n";
    const [reference] = scanFile('values.yaml', text).references;
    expect(applyEdits(text, [{ reference, version: { tag: '0013' } }])).toBe(
      "image:\n  repository: ghcr.io/a/b\n  tag: '0013'\n",
    );
  });
});

describe('edits', () => {
  const deployment = (image: string, comment = '') =>
    `kind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: ${image}${comment}\n`;

  test('the Flux marker after the scalar stays byte for byte', () => {
    const text = deployment('ghcr.io/a/api:1.0.0', ' # {"$imagepolicy": "flux-system:api"}');
    const [reference] = scanFile('d.yaml', text).references;
    expect(reference.marker).toBe('flux-system:api');
    expect(applyEdits(text, [{ reference, version: { tag: '1.1.0' } }])).toBe(
      deployment('ghcr.io/a/api:1.1.0', ' # {"$imagepolicy": "flux-system:api"}'),
    );
  });

  test('overlapping edits throw; the same edit twice is applied once', () => {
    const text = deployment('ghcr.io/a/api:1.0.0');
    const [reference] = scanFile('d.yaml', text).references;
    expect(() =>
      applyEdits(text, [
        { reference, version: { tag: '1.1' } },
        { reference, version: { tag: '1.2' } },
      ]),
    ).toThrow(/overlapping edits/);
    expect(
      applyEdits(text, [
        { reference, version: { tag: '1.1' } },
        { reference, version: { tag: '1.1' } },
      ]),
    ).toBe(deployment('ghcr.io/a/api:1.1'));
  });

  test('an edit against a changed text is refused', () => {
    const text = deployment('ghcr.io/a/api:1.0.0');
    const [reference] = scanFile('d.yaml', text).references;
    expect(() => applyEdits(deployment('ghcr.io/a/api:2.0'), [{ reference, version: { tag: '1.1' } }])).toThrow(
      /changed since it was scanned/,
    );
  });

  test('a digest can be dropped from an image scalar, and written into one', () => {
    const text = deployment(`ghcr.io/a/api:1.0.0@${D1}`);
    const [reference] = scanFile('d.yaml', text).references;
    expect(applyEdits(text, [{ reference, version: { tag: '1.1' } }])).toBe(deployment('ghcr.io/a/api:1.1'));
    expect(applyEdits(text, [{ reference, version: { digest: D2 } }])).toBe(deployment(`ghcr.io/a/api@${D2}`));
  });

  test('Kustomize entries get newTag / digest inserted with the entry indentation and the file line ending', () => {
    const text =
      'images:\r\n    - name: api\r\n      newName: ghcr.io/a/api # pinned\r\n    - name: web\r\n      newTag: "1"\r\n';
    const refs = scanFile('overlay/kustomization.yaml', text).references;
    expect(refs.map((r) => r.slots.map((s) => s.insert ?? 'present'))).toEqual([
      ['\r\n      newTag: ', '\r\n      digest: '],
      ['present', '\r\n      digest: '],
    ]);
    const out = applyEdits(text, [
      { reference: refs[0], version: { tag: '2.0', digest: D1 } },
      { reference: refs[1], version: { tag: '1', digest: D2 } },
    ]);
    expect(out).toBe(
      `images:\r\n    - name: api\r\n      newName: ghcr.io/a/api # pinned\r\n      newTag: "2.0"\r\n      digest: ${D1}\r\n    - name: web\r\n      newTag: "1"\r\n      digest: ${D2}\r\n`,
    );
  });

  test('removing a digest from a Kustomize entry writes an empty value, which re-scans as no digest', () => {
    const text = `images:\n- name: api\n  newTag: v1\n  digest: ${D1}\n`;
    const [reference] = scanFile('kustomization.yaml', text).references;
    const out = applyEdits(text, [{ reference, version: { tag: 'v2' } }]);
    expect(out).toBe('images:\n- name: api\n  newTag: v2\n  digest: ""\n');
    expect(scanFile('kustomization.yaml', out).references[0]).toMatchObject({ tag: 'v2' });
    expect(scanFile('kustomization.yaml', out).references[0].digest).toBeUndefined();
  });

  test('the BOM and other documents are kept', () => {
    const text = `\ufeff# c\n---\nimage: nginx:1.0\n---\nother: doc # image\n`;
    const [reference] = scanFile('v.yaml', text).references;
    expect(applyEdits(text, [{ reference, version: { tag: '1.1' } }])).toBe(
      `\ufeff# c\n---\nimage: nginx:1.1\n---\nother: doc # image\n`,
    );
  });

  test('an Argo CD alias= prefix is kept', () => {
    const text =
      'kind: Application\napiVersion: argoproj.io/v1alpha1\nmetadata: {name: a}\nspec:\n  source:\n    kustomize:\n      images: ["web=ghcr.io/a/web:1"]\n';
    const [reference] = scanFile('app.yaml', text).references;
    expect(reference).toMatchObject({ container: 'web', image: 'ghcr.io/a/web', tag: '1' });
    expect(applyEdits(text, [{ reference, version: { tag: '2' } }])).toBe(text.replace('web:1"', 'web:2"'));
  });
});

describe('writableVersion', () => {
  const values = 'image:\n  repository: ghcr.io/a/b\n  tag: "1.0"\n';
  const [tagOnly] = scanFile('values.yaml', values).references;

  test('drops a digest where no slot can hold it, with a warning naming the file and line', () => {
    const result = writableVersion(tagOnly, { tag: '1.1', digest: D1 });
    expect(result.version).toEqual({ tag: '1.1' });
    expect(result.warning).toMatch(/values\.yaml:3 .*no field for the digest/);
  });

  test('keeps the current version when nothing wanted can be written', () => {
    const result = writableVersion(tagOnly, { digest: D1 });
    expect(result.version).toEqual({ tag: '1.0' });
    expect(result.warning).toMatch(/no field for a digest/);
  });

  test('image scalars hold anything', () => {
    const [ref] = scanFile('values.yaml', 'image: nginx:1.0\n').references;
    expect(writableVersion(ref, { digest: D1 })).toEqual({ version: { digest: D1 } });
  });
});
