// stagecoach.schema.json (for editors, through yaml-language-server) and the parser agree: the same keys, and the
// example configs valid under both. The parser stays the authority: its messages carry file:line:col.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { CONFIG_KEYS, ConfigError, parseConfig, type KeyTree } from '../../../src/core/config/index.js';
import { twoStages } from './helpers.js';

type Schema = { [key: string]: unknown };
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'stagecoach.schema.json'), 'utf8')) as Schema;
// Strict, but with two standard spellings it refuses by default: union types (a text is a string or a number), and
// `oneOf: [{ required: [path] }, { required: [paths] }]` for "exactly one of".
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, strictRequired: false });
// yaml-language-server shows patternErrorMessage instead of the bare pattern; for ajv it is an annotation.
ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
const validate = ajv.compile(schema);

/** The errors the schema finds in a YAML text (an empty list when it is valid). */
function schemaErrors(text: string): string[] {
  return validate(parse(text)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

function parserAccepts(text: string): boolean {
  try {
    parseConfig(text, 'stagecoach.yaml');
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

/** Dotted key paths (`stages.pullRequest.labels`; list items share their list's path) the schema defines. */
function schemaKeys(node: unknown, prefix = '', out = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (typeof node !== 'object' || node === null || seen.has(node)) return out;
  seen.add(node);
  const s = node as Schema;
  if (typeof s.$ref === 'string') {
    const target = s.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((at, part) => (at as Schema)[part], schema);
    schemaKeys(target, prefix, out, new Set(seen));
  }
  for (const [key, value] of Object.entries((s.properties as Schema | undefined) ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.add(path);
    schemaKeys(value, path, out, new Set(seen));
  }
  for (const branch of [s.items, ...(['oneOf', 'anyOf', 'allOf'] as const).flatMap((k) => (s[k] as unknown[]) ?? [])])
    schemaKeys(branch, prefix, out, new Set(seen));
  return out;
}

function parserKeys(tree: KeyTree, prefix = '', out = new Set<string>()): Set<string> {
  for (const [key, subtree] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.add(path);
    if (subtree) parserKeys(subtree, path, out);
  }
  return out;
}

test('every key the parser knows is in the schema, and every key of the schema is known to the parser', () => {
  const inSchema = schemaKeys(schema);
  const inParser = parserKeys(CONFIG_KEYS);
  expect([...inParser].filter((k) => !inSchema.has(k))).toEqual([]);
  expect([...inSchema].filter((k) => !inParser.has(k))).toEqual([]);
  expect(inParser.size).toBeGreaterThan(30);
});

describe('the example configs are valid under the schema and the parser', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const readmeBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .filter((block) => /^stages:/m.test(block));
  const fixtures = readdirSync(join(root, '__tests__', 'fixtures', 'config'))
    .filter((name) => name !== 'invalid.yaml')
    .map((name) => [
      `__tests__/fixtures/config/${name}`,
      readFileSync(join(root, '__tests__/fixtures/config', name), 'utf8'),
    ]);
  // The real-repo corpus (issue 10) writes stages as folders, files and globs (and flux2-kustomize-helm-example `charts:`).
  const realRepos = readdirSync(join(root, '__tests__', 'fixtures', 'real-repos'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry): [string, string] => {
      const file = `__tests__/fixtures/real-repos/${entry.name}/repo/stagecoach.yaml`;
      return [file, readFileSync(join(root, file), 'utf8')];
    });
  const examples: [string, string][] = [
    ['examples/config-repo/stagecoach.yaml', readFileSync(join(root, 'examples/config-repo/stagecoach.yaml'), 'utf8')],
    ...(fixtures as [string, string][]),
    ...realRepos,
    ...readmeBlocks.map((block, i): [string, string] => [`README.md stagecoach.yaml block ${i + 1}`, block]),
  ];

  test('the README shows a stagecoach.yaml', () => expect(readmeBlocks.length).toBeGreaterThan(0));

  test.each(examples)('%s', (_, text) => {
    expect(schemaErrors(text)).toEqual([]);
    expect(parserAccepts(text)).toBe(true);
  });

  test('the invalid fixture is refused by both', () => {
    const text = readFileSync(join(root, '__tests__/fixtures/config/invalid.yaml'), 'utf8');
    expect(schemaErrors(text).length).toBeGreaterThan(0);
    expect(parserAccepts(text)).toBe(false);
  });
});

describe('the schema accepts what the parser accepts, and refuses wrong shapes the parser refuses', () => {
  const prod = (extra: string) => twoStages().replace('path: envs/prod', `path: envs/prod\n${extra}`);
  const accepted = [
    'stages: [{ name: only, path: . }]',
    'stages:\n  - name: 1\n    paths: [envs/one, envs/two]\n',
    prod('    pullRequest: { labels: [1.10, release], reviewers: alice, teamReviewers: [platform], autoMerge: false }'),
    prod('    pullRequest: { autoMerge: rebase, draft: true, branch: "release/{to}" }'),
    prod('    gates: { registry: true, soak: 1h30m, onFailure: draft }'),
    prod(
      '    gates: { registry: { pin: true }, soak: 0, commands: [{ run: make check, timeout: 5m, env: { N: 2 } }] }',
    ),
    twoStages('files: "**/*.yaml"\n'),
    'stages:\n  - { name: dev, paths: ["components/*/dev", charts/a/values-dev.yaml], files: ["*.env"] }\n',
    'stages:\n  - { name: dev, path: "apps/*/*/dev.yaml", files: "!**/tmp/**" }\n',
    twoStages('fields: [{ files: "a/*.yaml", tag: t, repository: app.repo, digest: app.digest }]\n'),
    twoStages('fields: [{ files: "a/*.yaml", ref: spec.image }]\n'),
    twoStages('charts: true\n'),
    twoStages('images: [{ image: nginx, policy: { semver: { range: "^1" }, prerelease: true } }]\n'),
    twoStages('images: [{ image: nginx, policy: { alphabetical: { order: desc } } }]\n'),
    twoStages("images: [{ image: nginx, policy: { numerical: asc }, filterTags: { pattern: '^v(?P<n>.*)' } }]\n"),
  ];
  test.each(accepted.map((text, i) => [i + 1, text]))('accepted #%i', (_, text) => {
    expect(parserAccepts(text)).toBe(true);
    expect(schemaErrors(text)).toEqual([]);
  });

  const refused = [
    'files: ["**/*.yaml"]\n',
    'stages: []\n',
    `${twoStages()}colour: blue\n`,
    'stages:\n  - name: Pre Prod\n    path: envs/pre\n',
    'stages:\n  - name: dev\n',
    'stages:\n  - name: dev\n    path: a\n    paths: [b]\n',
    'stages:\n  - name: dev\n    pahts: [envs/dev]\n',
    'stages:\n  - name: dev\n    path: envs/dev\n    files: []\n',
    prod('    pullRequest: { automerge: squash }'),
    prod('    pullRequest: { autoMerge: true }'),
    prod('    pullRequest: { draft: "no" }'),
    prod('    pullRequest: { reviewers: ["@alice"] }'),
    prod('    gates: { soak: soon }'),
    prod('    gates: { soak: 3600 }'),
    prod('    gates: { registry: yes }'),
    prod('    gates: { onFailure: drafts }'),
    prod('    gates: { commands: [{ name: build }] }'),
    prod('    gates: { commands: [{ run: x, env: { 1BAD: x } }] }'),
    twoStages('fields: [{ files: "a/*.yaml", tag: t }]\n'),
    twoStages('fields: [{ files: "a/*.yaml", tag: t, image: a, repository: b }]\n'),
    twoStages('fields: [{ files: "a/*.yaml", ref: spec.image, tag: t }]\n'),
    twoStages('charts: "yes"\n'),
    twoStages('fields: [{ files: "a/*.yaml", ref: spec.image, digest: spec.digest }]\n'),
    twoStages('fields: [{ files: "a/*.yaml", ref: spec.image, tag: t, image: a }]\n'),
    twoStages('images: [{ image: nginx }]\n'),
    twoStages('images: [{ image: nginx, policy: {} }]\n'),
    twoStages('images: [{ image: nginx, policy: { semver: "*", alphabetical: asc } }]\n'),
    twoStages('images: [{ image: nginx, policy: { numerical: asc, prerelease: true } }]\n'),
    twoStages('images: [{ image: nginx, policy: { numerical: up } }]\n'),
    twoStages('images: [{ image: nginx, policy: { semver: { rnage: "^1" } } }]\n'),
    twoStages("images: [{ image: nginx, policy: { numerical: asc }, filterTags: { extract: '$ts' } }]\n"),
  ];
  test.each(refused.map((text, i) => [i + 1, text]))('refused #%i', (_, text) => {
    expect(parserAccepts(text)).toBe(false);
    expect(schemaErrors(text)).not.toEqual([]);
  });
});
