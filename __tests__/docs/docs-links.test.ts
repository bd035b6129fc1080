// Every relative link of README.md and docs/ leads somewhere: the file exists and the #anchor is one of its headings
// (GitHub's slugs), so no "see below" points at nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

const files = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped except `-` and `_`, spaces to `-`, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const withoutCode = markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\s*$/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count ? `${slug}-${count}` : slug);
  }
  return result;
}

test('anchors follow GitHub', () => {
  expect([...anchors('# A. B: `c`\n## Why not the default `GITHUB_TOKEN`\n## x\n## x\n```\n# not\n```\n')]).toEqual([
    'a-b-c',
    'why-not-the-default-github_token',
    'x',
    'x-1',
  ]);
});

test.each(files)('%s: every relative link resolves', (file) => {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [linked, anchor] = target.split('#');
    const resolved = linked ? path.join(path.dirname(path.join(ROOT, file)), linked) : path.join(ROOT, file);
    if (!existsSync(resolved)) broken.push(`${target}: no such file`);
    else if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor))
      broken.push(`${target}: no such heading`);
  }
  expect(broken).toEqual([]);
});
