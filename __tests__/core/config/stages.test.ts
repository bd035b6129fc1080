// stages: names, folders and their overlaps, through parseConfig.
import { parseConfig } from '../../../src/core/config/index.js';
import { problems } from './helpers.js';

describe('parseConfig: stages', () => {
  test('stages that are not a list, or an empty list', () => {
    expect(problems('stages: dev\n')).toEqual([
      'stagecoach.yaml:1:9: stages: expected a list of stages in promotion order, got "dev"',
    ]);
    expect(problems('stages: []\n')).toEqual([
      expect.stringMatching(/^stagecoach\.yaml:1:9: stages: expected at least one stage/),
    ]);
    expect(problems('stages:\n')).toEqual([
      'stagecoach.yaml:1:8: stages: expected a list of stages in promotion order, got nothing',
    ]);
  });

  test('a stage may own the whole repository when it is alone', () => {
    expect(parseConfig('stages: [{ name: only, path: . }]', 'f').stages[0].paths).toEqual(['.']);
  });

  test('a stage that is not a mapping', () => {
    expect(problems('stages:\n  - dev\n')).toEqual([
      'stagecoach.yaml:2:5: stages[0]: expected a stage such as "{ name: dev, path: envs/dev }", got "dev"',
    ]);
  });

  test('a stage without a name', () => {
    expect(problems('stages:\n  - path: envs/dev\n')).toEqual([
      'stagecoach.yaml:2:5: stages[0]: missing "name:"; give the stage a name such as dev',
    ]);
  });

  test('stage names are lower-case, digits and dashes, with a suggestion', () => {
    expect(problems('stages:\n  - name: Pre Prod\n    path: envs/pre\n')).toEqual([
      'stagecoach.yaml:2:11: stages[0].name: stage name "Pre Prod" must be lower-case letters, digits and "-", starting with a letter or digit (it is used in branch names); for example "pre-prod"',
    ]);
    expect(problems('stages:\n  - name: -dev\n    path: envs/dev\n')[0]).toMatch(
      /stages\[0\]\.name: stage name "-dev" must be/,
    );
    expect(problems(`stages:\n  - name: ${'a'.repeat(64)}\n    path: envs/dev\n`)[0]).toMatch(
      /is longer than 63 characters/,
    );
  });

  test('a number is a valid name when it fits the pattern', () => {
    expect(parseConfig('stages:\n  - name: 1\n    path: envs/one\n', 'f').stages[0].name).toBe('1');
  });

  test('duplicate stage names', () => {
    expect(problems('stages:\n  - name: dev\n    path: a\n  - name: dev\n    path: b\n')).toEqual([
      'stagecoach.yaml:4:11: stages[1].name: stage "dev" is defined twice (first at line 2); stage names must be unique',
    ]);
  });

  test('a stage without paths', () => {
    expect(problems('stages:\n  - name: dev\n')).toEqual([
      'stagecoach.yaml:2:5: stages[0]: missing "paths:"; list the folders, files or globs stage "dev" owns, e.g. "paths: [envs/dev]"',
    ]);
    expect(problems('stages:\n  - name: dev\n    paths: []\n')).toEqual([
      'stagecoach.yaml:3:12: stages[0].paths: expected at least one folder, file or glob, e.g. [envs/dev]',
    ]);
  });

  test('path and paths together', () => {
    expect(problems('stages:\n  - name: dev\n    path: a\n    paths: [b]\n')).toEqual([
      'stagecoach.yaml:3:5: stages[0].path: give either path: or paths:, not both',
    ]);
  });

  test('a misspelt paths key suggests paths', () => {
    const lines = problems('stages:\n  - name: dev\n    pahts: [envs/dev]\n');
    expect(lines).toContain(
      'stagecoach.yaml:3:5: stages[0].pahts: unknown key "pahts"; did you mean "paths"? (known keys: name, paths, path, files, pullRequest, gates, live)',
    );
  });

  test('absolute paths, "..", backslashes, broken globs and .git are refused', () => {
    const text =
      'stages:\n  - name: dev\n    paths: [/srv/dev, envs/../../etc, envs\\dev, "envs/[*", .git/hooks, "C:/envs"]\n';
    expect(problems(text)).toEqual([
      'stagecoach.yaml:3:13: stages[0].paths[0]: path "/srv/dev" is absolute; write it relative to the repository root, e.g. "srv/dev"',
      'stagecoach.yaml:3:23: stages[0].paths[1]: path "envs/../../etc" contains ".."; stage folders must stay inside the repository',
      'stagecoach.yaml:3:39: stages[0].paths[2]: path "envs\\\\dev" uses "\\"; separate folders with "/"',
      'stagecoach.yaml:3:49: stages[0].paths[3]: path "envs/[*" has an unclosed "["',
      'stagecoach.yaml:3:60: stages[0].paths[4]: path ".git/hooks" is inside .git, which Stagecoach never writes',
      'stagecoach.yaml:3:72: stages[0].paths[5]: path "C:/envs" is absolute; write it relative to the repository root, e.g. "envs"',
    ]);
  });

  test("a folder inside another stage's folder, or the same folder twice", () => {
    const text = 'stages:\n  - name: dev\n    path: envs\n  - name: prod\n    paths: [envs/prod, other, ./other/]\n';
    expect(problems(text)).toEqual([
      'stagecoach.yaml:5:13: stages[1].paths[0]: "envs/prod" is inside "envs", owned by stage "dev" (line 3); each folder or file belongs to one stage',
      'stagecoach.yaml:5:31: stages[1].paths[2]: "other" is listed twice in this stage (line 5); list it once',
    ]);
    expect(
      problems('stages:\n  - name: a\n    path: x/y\n  - name: b\n    paths: [x, q, q/r]\n  - name: c\n    path: q\n'),
    ).toEqual([
      'stagecoach.yaml:5:13: stages[1].paths[0]: "x" contains "x/y", owned by stage "a" (line 3); each folder or file belongs to one stage',
      'stagecoach.yaml:5:19: stages[1].paths[2]: "q/r" and "q" (line 5) overlap; list only "q"',
      'stagecoach.yaml:7:11: stages[2].path: "q" is also owned by stage "b" (line 5); each folder or file belongs to one stage',
    ]);
  });

  test('stages may be single files and globs of folders or files (issue 10)', () => {
    const text = [
      'stages:',
      '  - { name: dev, paths: ["components/*/development", charts/app/values-dev.yaml, ./argocd/dev.yaml] }',
      '  - { name: staging, paths: ["components/*/staging", charts/app/values-staging.yaml] }',
      '  - { name: prod, paths: ["apps/*/*/prod.yaml", "values/**/prod-values.yaml"], files: ["*.env", "!tmp/**"] }',
      '',
    ].join('\n');
    const stages = parseConfig(text, 'f').stages;
    expect(stages.map((stage) => stage.paths)).toEqual([
      ['components/*/development', 'charts/app/values-dev.yaml', 'argocd/dev.yaml'],
      ['components/*/staging', 'charts/app/values-staging.yaml'],
      ['apps/*/*/prod.yaml', 'values/**/prod-values.yaml'],
    ]);
    expect(stages[2].files).toEqual(['*.env', '!tmp/**']);
    expect(stages[0].files).toBeUndefined();
  });

  test('a glob that may claim what another stage owns is an overlap; disjoint globs are not', () => {
    const text = [
      'stages:',
      '  - { name: dev, paths: ["components/*/dev", "apps/*/values-*.yaml"] }',
      '  - { name: qa, paths: [components/api/dev, "apps/*/values-dev.yaml"] }',
      '  - { name: prod, paths: ["components/*/prod", "components/*/dev/x"] }',
      '  - { name: perf, paths: ["components/*/dev"] }',
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      'stagecoach.yaml:3:25: stages[1].paths[0]: "components/api/dev" may match what "components/*/dev" matches, which is owned by stage "dev" (line 2); each folder or file belongs to one stage',
      'stagecoach.yaml:3:45: stages[1].paths[1]: "apps/*/values-dev.yaml" may match what "apps/*/values-*.yaml" matches, which is owned by stage "dev" (line 2); each folder or file belongs to one stage',
      'stagecoach.yaml:4:48: stages[2].paths[1]: "components/*/dev/x" may match what "components/*/dev" matches, which is owned by stage "dev" (line 2); each folder or file belongs to one stage',
      'stagecoach.yaml:5:27: stages[3].paths[0]: "components/*/dev" is also owned by stage "dev" (line 2); each folder or file belongs to one stage',
    ]);
    const disjoint =
      'stages:\n  - { name: a, paths: ["apps/*/*/demo.yaml", "c/*/staging"] }\n  - { name: b, paths: ["apps/*/*/ithc.yaml", c/release/base/monitor/staging] }\n';
    expect(parseConfig(disjoint, 'f').stages).toHaveLength(2);
  });

  test('folders that share a prefix but not a parent do not overlap', () => {
    expect(
      parseConfig('stages:\n  - name: a\n    path: envs/dev\n  - name: b\n    path: envs/dev2\n', 'f').stages,
    ).toHaveLength(2);
  });
});
