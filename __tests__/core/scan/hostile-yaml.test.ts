// Work on hostile YAML is bounded: an alias bomb, a cycle, deep nesting and many keys are read in linear time or the
// file is skipped with its line and a reason — never a hang, a stack overflow or a crash of the whole run.
import { jest } from '@jest/globals';
import { scanFile, scanFileTraced } from '../../../src/core/scan.js';

const FILE = 'stages/dev/values.yaml';

/** A billion laughs for YAML: 12 levels of 9 aliases each, about 700 bytes, 9^12 nodes when expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 {image: "nginx:1.0"}'];
  for (let i = 1; i <= 12; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n') + '\nimage: ghcr.io/acme/api:1.0\n';
}

// a generous bound: the unbounded walks took hours (bomb) or overflowed the stack; these take milliseconds now
jest.setTimeout(30_000);

test('an alias bomb is skipped with the line of the alias that expands past the bound', () => {
  const text = aliasBomb();
  expect(text.length).toBeLessThan(800);
  const traced = scanFileTraced(FILE, text);
  expect(traced.path).toBe('skipped');
  expect(traced.result.references).toEqual([]);
  expect(traced.result.skipped).toEqual([
    { file: FILE, line: expect.any(Number), reason: expect.stringContaining('aliases expand to more than') },
  ]);
  const line = traced.result.skipped[0].line;
  expect(text.split('\n')[line - 1]).toMatch(/^a\d+: &a\d+ \[\*a/);
});

test('ordinary anchors and aliases are still read', () => {
  const text = 'base: &base {repository: ghcr.io/acme/api, tag: "1.0"}\napi:\n  image: *base\nweb:\n  image: *base\n';
  const result = scanFile(FILE, text);
  expect(result.skipped).toEqual([]);
  expect(result.references.map((r) => [r.image, r.tag, r.line])).toEqual([['ghcr.io/acme/api', '1.0', 1]]);
});

test.each([
  ['a sequence', 'a: &a [*a, 1]\nimage: nginx:1.0\n'],
  ['a mapping', 'a: &a {b: *a}\nimage: nginx:1.0\n'],
  ['a merge key', 'a: &a {<<: *a}\nimage: nginx:1.0\n'],
])('an alias inside its own anchor (%s) is skipped as a cycle', (_name, text) => {
  expect(scanFile(FILE, text).skipped).toEqual([{ file: FILE, line: 1, reason: expect.stringContaining('a cycle') }]);
});

test.each([
  ['block sequences on one line', '- '.repeat(5000) + 'image: nginx:1.0\n'],
  ['flow sequences', 'image: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n'],
  ['flow mappings', 'x: ' + '{a: '.repeat(3000) + 'b' + '}'.repeat(3000) + '\nimage: nginx:1.0\n'],
  [
    'block mappings',
    Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') +
      `\n${' '.repeat(300)}image: nginx:1.0\n`,
  ],
  [
    'a chain of aliases',
    ['a0: &a0 {image: "nginx:1.0"}', ...Array.from({ length: 400 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}]`)].join(
      '\n',
    ) + '\n',
  ],
])('nesting thousands of levels deep (%s) is skipped with a reason, not a stack overflow', (_name, text) => {
  for (const mode of ['auto', 'full'] as const) {
    const result = scanFile(FILE, text, { mode });
    expect(result.references).toEqual([]);
    expect(result.skipped).toEqual([
      { file: FILE, line: expect.any(Number), reason: expect.stringContaining('nested deeper than 200 levels') },
    ]);
  }
});

test('nesting as deep as real files go is read by both readers', () => {
  const text =
    Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') +
    `\n${'  '.repeat(40)}image: nginx:1.0\n`;
  const traced = scanFileTraced(FILE, text);
  expect(traced.path).toBe('fast');
  expect(traced.result.references.map((r) => r.line)).toEqual([41]);
  expect(scanFile(FILE, text, { mode: 'full' })).toEqual(traced.result);
});

test.each([
  ['the fast reader', ''],
  ['the full reader', 'anchored: &x 1\n'],
])('80,000 keys in one mapping are checked for duplicates in linear time (%s)', (_name, extra) => {
  const keys = Array.from({ length: 80_000 }, (_, i) => `k${i}: v`).join('\n');
  const text = `image: nginx:1.0\n${extra}${keys}\n`;
  const traced = scanFileTraced(FILE, text);
  expect(traced.path).toBe(extra ? 'full' : 'fast');
  expect(traced.result.references.map((r) => r.tag)).toEqual(['1.0']);
  const duplicated = `${text}k79999: again\n`;
  expect(scanFile(FILE, duplicated).skipped).toEqual([
    { file: FILE, line: 80_002 + (extra ? 1 : 0), reason: expect.stringContaining('Map keys must be unique') },
  ]);
});

test.each([
  ['1 and 01', 'image: nginx:1.0\n1: a\n01: b\n'],
  ['0x1 and 1', 'image: nginx:1.0\n0x1: a\n1: b\n'],
  ['true and True', 'image: nginx:1.0\ntrue: a\nTrue: b\n'],
  ['~ and null', 'image: nginx:1.0\n~: a\nnull: b\n'],
  ['a plain and a quoted key', 'image: nginx:1.0\nname: a\n"name": b\n'],
  ['flow keys', 'image: nginx:1.0\nx: {a: 1, "a": 2}\n'],
])('keys yaml takes for one (%s) are duplicates to both readers', (_name, text) => {
  expect(scanFileTraced(FILE, text).path).toBe('skipped');
  expect(scanFile(FILE, text).skipped[0].reason).toContain('Map keys must be unique');
});

test('keys that only look alike stay apart', () => {
  const text = 'image: nginx:1.0\n1: a\n"1": b\n.nan: c\n.NaN: d\nnull1: e\n';
  const traced = scanFileTraced(FILE, text);
  expect(traced.result.skipped).toEqual([]);
  expect(traced.result).toEqual(scanFile(FILE, text, { mode: 'full' }));
});
