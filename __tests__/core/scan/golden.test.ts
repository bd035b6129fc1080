// Golden before/after fixtures (Flux image-automation-controller style): each case under __tests__/fixtures/scan/<case>/
// holds before.yaml, after.yaml and case.json (the repo path, the expected scan summary and the edits to apply).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatVersion, parseVersion, type ImageReference } from '../../../src/core/image-reference.js';
import { applyEdits, writableVersion } from '../../../src/core/rewrite.js';
import { scanFile, scanFileTraced, type FieldRule } from '../../../src/core/scan.js';

interface Case {
  file: string;
  fields?: FieldRule[];
  charts?: boolean;
  path?: string;
  edits?: { at: string; version: string }[];
  expect: { references: string[]; warnings?: string[]; skipped?: string[]; writeWarnings?: string[] };
}

const root = join(process.cwd(), '__tests__/fixtures/scan');
const cases = readdirSync(root).filter((name) => existsSync(join(root, name, 'case.json')));

export function summary(r: ImageReference): string {
  const marker = r.marker ? ` marker=${r.marker}` : '';
  const kind = r.kind ? ` kind=${r.kind}` : '';
  return `${r.line}:${r.column} ${r.format} ${r.workload} ${r.container} ${r.image} ${formatVersion(r) || '-'}${marker}${kind}`;
}

function load(name: string): { spec: Case; before: string; after?: string } {
  const dir = join(root, name);
  const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
  const before = readFileSync(join(dir, 'before.yaml'), 'utf8');
  const after = existsSync(join(dir, 'after.yaml')) ? readFileSync(join(dir, 'after.yaml'), 'utf8') : undefined;
  return { spec, before, after };
}

test('there are golden cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(15);
});

describe.each(cases)('%s', (name) => {
  const { spec, before, after } = load(name);
  const options = { fields: spec.fields, charts: spec.charts };

  test('scans to the expected references, warnings and skips', () => {
    const traced = scanFileTraced(spec.file, before, options);
    const result = traced.result;
    expect(result.references.map(summary)).toEqual(spec.expect.references);
    expect(result.warnings.map((w) => `${w.line}:${w.column} ${w.message}`)).toEqual(
      (spec.expect.warnings ?? []).map((w) => expect.stringContaining(w)),
    );
    expect(result.skipped.map((s) => `${s.line} ${s.reason}`)).toEqual(
      (spec.expect.skipped ?? []).map((s) => expect.stringContaining(s)),
    );
    for (const w of [...result.warnings, ...result.skipped]) expect(w.file).toBe(spec.file);
    if (spec.path) expect(traced.path).toBe(spec.path);
  });

  test('the fast reader and the full yaml parser agree', () => {
    for (const text of after === undefined ? [before] : [before, after]) {
      expect(scanFile(spec.file, text, options)).toEqual(scanFile(spec.file, text, { ...options, mode: 'full' }));
    }
  });

  if (!spec.edits) return;
  const edits = spec.edits;

  test('rewrites to after.yaml, and re-scanning gives exactly the written versions', () => {
    const refs = scanFile(spec.file, before, options).references;
    const chosen = edits.map((e) => {
      const reference = refs.find((r) => `${r.line}:${r.column}` === e.at);
      if (!reference) throw new Error(`${name}: no reference at ${e.at}`);
      return { reference, version: parseVersion(e.version) };
    });
    const written = applyEdits(before, chosen);
    expect(written).toBe(after);
    const warnings = chosen.map((e) => writableVersion(e.reference, e.version).warning).filter(Boolean);
    expect(warnings).toEqual((spec.expect.writeWarnings ?? []).map((w) => expect.stringContaining(w)));

    const again = scanFile(spec.file, written, options).references;
    expect(again).toHaveLength(refs.length);
    refs.forEach((ref, i) => {
      const edit = chosen.find((e) => e.reference === ref);
      const want = edit ? writableVersion(ref, edit.version).version : { tag: ref.tag, digest: ref.digest };
      expect(formatVersion(again[i])).toBe(formatVersion(want));
      expect(again[i].image).toBe(ref.image);
      expect(again[i].marker).toBe(ref.marker);
    });
    // idempotent: the same edits against the re-scanned file change nothing
    const second = again.map((reference, i) => ({
      reference,
      version: chosen.find((e) => e.reference === refs[i])?.version,
    }));
    const replay = second.filter(
      (e): e is { reference: ImageReference; version: ReturnType<typeof parseVersion> } => e.version !== undefined,
    );
    expect(applyEdits(written, replay)).toBe(written);
  });
});
