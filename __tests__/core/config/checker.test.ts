// The positioned checker's readers: through parseConfig (aliases, text, lists, unknown and merge keys), and directly,
// as a new key would use them.
import { LineCounter, parseDocument } from 'yaml';
import {
  Checker,
  type KeyTree,
  describe as describeNode,
  readBoolean,
  readDuration,
  readEnum,
  readKeyPath,
  readList,
  readMap,
  readNonEmptyString,
  readStringList,
} from '../../../src/core/config/checker.js';
import { ConfigError, parseConfig } from '../../../src/core/config/index.js';
import { problems, twoStages } from './helpers.js';

describe('checker: values as written', () => {
  test('anchors and aliases are followed', () => {
    const text = `stages:
  - name: staging
    path: envs/staging
    pullRequest: { reviewers: &team [alice, bob] }
  - name: prod
    path: envs/prod
    pullRequest: { reviewers: *team }
`;
    expect(parseConfig(text, 'f').stages[1].pullRequest.reviewers).toEqual(['alice', 'bob']);
  });

  test('plain numbers are kept as written where text is expected', () => {
    const text = twoStages().replace('path: envs/dev', 'path: envs/dev\n    pullRequest: { labels: [1.10, release] }');
    expect(parseConfig(text, 'f').stages[0].pullRequest.labels).toEqual(['1.10', 'release']);
  });

  test('a lone string is a list of one', () => {
    const text = twoStages().replace(
      'path: envs/prod',
      'path: envs/prod\n    pullRequest: { reviewers: alice, labels: promotion }',
    );
    expect(parseConfig(text, 'f').stages[1].pullRequest).toMatchObject({ reviewers: ['alice'], labels: ['promotion'] });
  });
});

describe('checker: mappings', () => {
  test('unknown keys suggest the closest known key', () => {
    expect(problems(`${twoStages()}image:\n  - image: nginx\n`)).toEqual([
      'stagecoach.yaml:6:1: image: unknown key "image"; did you mean "images"? (known keys: stages, files, fields, images, charts, clusters)',
    ]);
    expect(problems(`${twoStages()}colour: blue\n`)).toEqual([
      'stagecoach.yaml:6:1: colour: unknown key "colour" (known keys: stages, files, fields, images, charts, clusters)',
    ]);
  });

  test('merge keys are refused with advice', () => {
    const text = `defaults: &d { draft: true }\n${twoStages()}`;
    expect(problems(text)[0]).toMatch(/^stagecoach\.yaml:1:1: defaults: unknown key/);
    const merged = twoStages().replace(
      'path: envs/prod',
      'path: envs/prod\n    pullRequest:\n      <<: { draft: true }',
    );
    expect(problems(merged)).toEqual([
      'stagecoach.yaml:7:7: stages[1].pullRequest: merge keys (<<) are not supported; write the keys out',
    ]);
  });
});

describe('checker: the readers a new key is written with', () => {
  /** A made-up key (`clusters:`, a list of { name, kind, timeout, labels }) read the way every part reads its key. */
  const CLUSTER_KEYS = { name: null, kind: null, timeout: null, labels: null } as const satisfies KeyTree;
  function readClusters(text: string) {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    const c = new Checker('stagecoach.yaml', doc, lines);
    const top = readMap(c, c.resolve(doc.contents), { line: 1, column: 1 }, '', { clusters: null }, 'a mapping');
    const entry = top?.get('clusters');
    const clusters = entry
      ? readList(c, entry, 'clusters', 'a list of clusters', (item, list, path) => {
          const fields = readMap(c, item, list, path, CLUSTER_KEYS, 'a cluster such as "{ name: prod-eu }"');
          const name = fields?.get('name');
          const kind = fields?.get('kind');
          const timeout = fields?.get('timeout');
          const labels = fields?.get('labels');
          return {
            name: name && readNonEmptyString(c, name.value, name.key, `${path}.name`, 'a cluster name'),
            kind: kind && readEnum(c, kind.value, kind.key, `${path}.kind`, ['flux', 'argocd', 'plain'] as const),
            timeout: timeout && readDuration(c, timeout.value, timeout.key, `${path}.timeout`),
            labels: labels && readStringList(c, labels.value, labels.key, `${path}.labels`, 'labels'),
          };
        })
      : [];
    let problems: string[] = [];
    try {
      if (c.problems.length > 0) c.fail();
    } catch (error) {
      problems = (error as ConfigError).problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
    }
    return { clusters, problems };
  }

  test('values come back typed, with every problem at its line and column and a "did you mean"', () => {
    expect(readClusters('clusters:\n  - { name: prod, kind: flux, timeout: 15s, labels: eu }\n')).toEqual({
      clusters: [{ name: 'prod', kind: 'flux', timeout: 15, labels: ['eu'] }],
      problems: [],
    });
    expect(
      readClusters('clusters:\n  - name: ""\n    knid: flux\n    timeout: soon\n  - kind: argo\n    labels: [a, {}]\n')
        .problems,
    ).toEqual([
      '2:11: clusters[0].name: expected a cluster name, got an empty string',
      '3:5: clusters[0].knid: unknown key "knid"; did you mean "kind"? (known keys: name, kind, timeout, labels)',
      '4:14: clusters[0].timeout: expected a duration such as 90s, 30m, 1h30m or 2d (units w, d, h, m, s), got "soon"',
      '5:11: clusters[1].kind: expected one of flux, argocd, plain, got "argo"; did you mean "argocd"?',
      '6:17: clusters[1].labels[1]: expected label, got a mapping',
    ]);
    expect(readClusters('clusters: prod\n').problems).toEqual([
      '1:11: clusters: expected a list of clusters, got "prod"',
    ]);
  });

  test('readBoolean, readKeyPath and describe', () => {
    const lines = new LineCounter();
    const doc = parseDocument('a: yes\nb: "x..y"\nc: [1]\n', { lineCounter: lines });
    const c = new Checker('f.yaml', doc, lines);
    const top = readMap(c, c.resolve(doc.contents), { line: 1 }, '', { a: null, b: null, c: null }, 'a mapping')!;
    expect(readBoolean(c, top.get('a')!.value, top.get('a')!.key, 'a')).toBeUndefined();
    expect(readKeyPath(c, top.get('b')!, 'b')).toBeUndefined();
    expect(describeNode(top.get('c')!.value)).toBe('a list');
    expect(c.problems.map((p) => `${p.line}:${p.column}: ${p.message}`)).toEqual([
      '1:4: a: expected true or false, got "yes"',
      '2:4: b: "x..y" is not a key path; write the keys joined by dots, e.g. app.image.tag',
    ]);
    expect(() => c.fail()).toThrow(ConfigError);
  });
});
