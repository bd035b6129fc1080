// The positioned checker's readers, through parseConfig: aliases, text, lists, unknown and merge keys.
import { parseConfig } from '../../../src/core/config/index.js';
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
      'stagecoach.yaml:6:1: image: unknown key "image"; did you mean "images"? (known keys: stages, files, fields, images)',
    ]);
    expect(problems(`${twoStages()}colour: blue\n`)).toEqual([
      'stagecoach.yaml:6:1: colour: unknown key "colour" (known keys: stages, files, fields, images)',
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
