import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  DEFAULT_BRANCH,
  findStage,
  formatProblems,
  nextStage,
  normalizeStagePath,
  parseConfig,
  stagesFromFlags,
  suggest,
  type Pipeline,
} from '../../../src/core/config/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'config');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

/** The formatted problems parseConfig reports for `text` (fails the test if it parses). */
function problems(text: string, file = 'stagecoach.yaml'): string[] {
  try {
    parseConfig(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return formatProblems((error as ConfigError).problems).split('\n');
  }
  throw new Error(`expected problems in:\n${text}`);
}

function flagProblems(flags: string[]): string[] {
  try {
    stagesFromFlags(flags);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return formatProblems((error as ConfigError).problems).split('\n');
  }
  throw new Error(`expected problems in ${flags.join(' ')}`);
}

const twoStages = (extra = '') =>
  `stages:\n  - name: dev\n    path: envs/dev\n  - name: prod\n    path: envs/prod\n${extra}`;

describe('parseConfig: a complete, valid file', () => {
  const pipeline = parseConfig(fixture('full.yaml'), 'stagecoach.yaml');

  test('stages keep promotion order, with normalised paths and their lines', () => {
    expect(pipeline.configFile).toBe('stagecoach.yaml');
    expect(pipeline.stages.map((s) => [s.name, s.paths, s.line])).toEqual([
      ['dev', ['envs/dev'], 3],
      ['staging', ['envs/staging'], 5],
      ['production', ['envs/production', 'clusters/prod-eu'], 24],
    ]);
  });

  test('pull-request policy as written, defaults elsewhere', () => {
    const [dev, staging, production] = pipeline.stages;
    expect(dev.pullRequest).toEqual({
      labels: ['promotion', 'stage:dev'],
      reviewers: [],
      teamReviewers: [],
      assignees: [],
      draft: false,
      autoMerge: false,
      branch: DEFAULT_BRANCH,
    });
    expect(staging.pullRequest).toEqual({
      labels: ['promotion'],
      reviewers: ['alice'],
      teamReviewers: ['platform'],
      assignees: ['bob'],
      draft: false,
      autoMerge: 'squash',
      branch: 'stagecoach/{from}-to-{to}',
    });
    expect(production.pullRequest).toMatchObject({
      labels: ['promotion', 'stage:production'],
      draft: true,
      autoMerge: false,
    });
  });

  test('gates: registry forms, soak in seconds, commands with timeout and env as text', () => {
    const [dev, staging, production] = pipeline.stages;
    expect(dev.gates).toEqual({ registry: false, soakSeconds: 0, commands: [], onFailure: 'fail' });
    expect(staging.gates).toEqual({
      registry: { pin: false },
      soakSeconds: 3600,
      commands: [
        {
          name: 'kustomize build',
          run: 'kustomize build envs/staging',
          timeoutSeconds: 300,
          env: { FOO: 'bar', RETRIES: '3' },
        },
      ],
      onFailure: 'fail',
    });
    expect(production.gates).toEqual({
      registry: { pin: true },
      soakSeconds: 36 * 3600,
      commands: [{ name: './scripts/smoke.sh', run: './scripts/smoke.sh', timeoutSeconds: 600, env: {} }],
      onFailure: 'draft',
    });
  });

  test('files, fields and image policies (canonical repositories, Flux spellings)', () => {
    expect(pipeline.files).toEqual(['**/*.yaml', '**/*.yml', '!**/secrets/**']);
    expect(pipeline.fields).toEqual([
      { files: 'envs/*/versions/*.yaml', tag: 'image_tag', image: 'ghcr.io/acme/{name}', digest: 'image_digest' },
      { files: 'envs/*/app.yaml', tag: 'app.image.tag', repository: 'app.image.repository' },
    ]);
    expect(pipeline.images).toEqual([
      { image: 'ghcr.io/acme/api', policy: { semver: { range: '>=1.0.0 <2', prerelease: false } }, line: 47 },
      { image: 'docker.io/library/nginx', policy: { semver: { range: '~1.25', prerelease: false } }, line: 49 },
      {
        image: 'ghcr.io/acme/worker',
        policy: { numerical: 'asc', filterTags: { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: '$ts' } },
        line: 53,
      },
      { image: 'ghcr.io/acme/docs', policy: { alphabetical: 'desc' }, line: 56 },
    ]);
  });
});

describe('parseConfig: defaults', () => {
  test('a minimal file gets the documented defaults', () => {
    const pipeline = parseConfig('stages:\n  - name: dev\n    path: envs/dev\n', 'stagecoach.yaml');
    expect(pipeline).toEqual<Pipeline>({
      configFile: 'stagecoach.yaml',
      stages: [
        {
          name: 'dev',
          paths: ['envs/dev'],
          line: 2,
          pullRequest: {
            labels: ['promotion', 'stage:dev'],
            reviewers: [],
            teamReviewers: [],
            assignees: [],
            draft: false,
            autoMerge: false,
            branch: 'stagecoach/{from}-to-{to}',
          },
          gates: { registry: false, soakSeconds: 0, commands: [], onFailure: 'fail' },
        },
      ],
      files: ['**/*.yaml', '**/*.yml'],
      fields: [],
      images: [],
    });
  });

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

  test('a stage may own the whole repository when it is alone', () => {
    expect(parseConfig('stages: [{ name: only, path: . }]', 'f').stages[0].paths).toEqual(['.']);
  });
});

describe('parseConfig: the file as a whole', () => {
  test('an empty file', () => {
    expect(problems('')).toEqual([
      expect.stringMatching(/^stagecoach\.yaml:1:1: the file is empty; it needs a stages: list/),
    ]);
  });

  test('a file of comments only is empty too', () => {
    expect(problems('# nothing yet\n')).toEqual([expect.stringMatching(/^stagecoach\.yaml:1:1: the file is empty/)]);
  });

  test('a file that is not a mapping', () => {
    expect(problems('- dev\n- prod\n')).toEqual([
      'stagecoach.yaml:1:1: expected a mapping with a stages: list at the top level, got a list',
    ]);
    expect(problems('just text')).toEqual([
      'stagecoach.yaml:1:1: expected a mapping with a stages: list at the top level, got "just text"',
    ]);
  });

  test('YAML syntax errors carry their position', () => {
    const lines = problems('stages:\n  - name: dev\n    paths: [envs/dev\n  - name: prod\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^stagecoach\.yaml:\d+:\d+: YAML syntax: /);
    expect(lines[0]).toMatch(/^stagecoach\.yaml:(3|4):/);
  });

  test('a duplicated key is a YAML error at the second key', () => {
    expect(problems('stages:\n  - name: dev\n    path: a\n    path: b\n')).toEqual([
      'stagecoach.yaml:4:5: YAML syntax: Map keys must be unique',
    ]);
  });

  test('a second YAML document', () => {
    expect(problems(`${twoStages()}---\nstages: []\n`)).toEqual([
      'stagecoach.yaml:6:1: YAML: expected one document; remove the "---" and what follows, or merge it into the first document',
    ]);
  });

  test('missing stages', () => {
    expect(problems('files: ["**/*.yaml"]\n')).toEqual([
      expect.stringMatching(/^stagecoach\.yaml:1:1: missing "stages:"; list the stages in promotion order/),
    ]);
  });

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

describe('parseConfig: stages', () => {
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
      'stagecoach.yaml:2:5: stages[0]: missing "paths:"; list the folders stage "dev" owns, e.g. "paths: [envs/dev]"',
    ]);
    expect(problems('stages:\n  - name: dev\n    paths: []\n')).toEqual([
      'stagecoach.yaml:3:12: stages[0].paths: expected at least one folder, e.g. [envs/dev]',
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
      'stagecoach.yaml:3:5: stages[0].pahts: unknown key "pahts"; did you mean "paths"? (known keys: name, paths, path, pullRequest, gates)',
    );
  });

  test('absolute paths, "..", backslashes, globs and .git are refused', () => {
    const text =
      'stages:\n  - name: dev\n    paths: [/srv/dev, envs/../../etc, envs\\dev, "envs/*", .git/hooks, "C:/envs"]\n';
    expect(problems(text)).toEqual([
      'stagecoach.yaml:3:13: stages[0].paths[0]: path "/srv/dev" is absolute; write it relative to the repository root, e.g. "srv/dev"',
      'stagecoach.yaml:3:23: stages[0].paths[1]: path "envs/../../etc" contains ".."; stage folders must stay inside the repository',
      'stagecoach.yaml:3:39: stages[0].paths[2]: path "envs\\\\dev" uses "\\"; separate folders with "/"',
      'stagecoach.yaml:3:49: stages[0].paths[3]: path "envs/*" is a glob; stages own folders (use files: for globs)',
      'stagecoach.yaml:3:59: stages[0].paths[4]: path ".git/hooks" is inside .git, which Stagecoach never writes',
      'stagecoach.yaml:3:71: stages[0].paths[5]: path "C:/envs" is absolute; write it relative to the repository root, e.g. "envs"',
    ]);
  });

  test("a folder inside another stage's folder, or the same folder twice", () => {
    const text = 'stages:\n  - name: dev\n    path: envs\n  - name: prod\n    paths: [envs/prod, other, ./other/]\n';
    expect(problems(text)).toEqual([
      'stagecoach.yaml:5:13: stages[1].paths[0]: "envs/prod" is inside "envs", owned by stage "dev" (line 3); each folder belongs to one stage',
      'stagecoach.yaml:5:31: stages[1].paths[2]: "other" is listed twice in this stage (line 5); list it once',
    ]);
    expect(
      problems('stages:\n  - name: a\n    path: x/y\n  - name: b\n    paths: [x, q, q/r]\n  - name: c\n    path: q\n'),
    ).toEqual([
      'stagecoach.yaml:5:13: stages[1].paths[0]: "x" contains "x/y", owned by stage "a" (line 3); each folder belongs to one stage',
      'stagecoach.yaml:5:19: stages[1].paths[2]: "q/r" and "q" (line 5) overlap; list only "q"',
      'stagecoach.yaml:7:11: stages[2].path: "q" is also owned by stage "b" (line 5); each folder belongs to one stage',
    ]);
  });

  test('folders that share a prefix but not a parent do not overlap', () => {
    expect(
      parseConfig('stages:\n  - name: a\n    path: envs/dev\n  - name: b\n    path: envs/dev2\n', 'f').stages,
    ).toHaveLength(2);
  });
});

describe('parseConfig: pullRequest', () => {
  const withPr = (pr: string) => twoStages().replace('path: envs/prod', `path: envs/prod\n    pullRequest:\n${pr}`);

  test('autoMerge misspelt as automerge', () => {
    expect(problems(withPr('      automerge: squash\n'))).toEqual([
      'stagecoach.yaml:7:7: stages[1].pullRequest.automerge: unknown key "automerge"; did you mean "autoMerge"? (known keys: labels, reviewers, teamReviewers, assignees, draft, autoMerge, branch)',
    ]);
  });

  test('autoMerge values', () => {
    expect(problems(withPr('      autoMerge: true\n'))).toEqual([
      'stagecoach.yaml:7:18: stages[1].pullRequest.autoMerge: expected false or a merge method (merge, squash, rebase), got true; name the method, e.g. autoMerge: squash',
    ]);
    expect(problems(withPr('      autoMerge: sqaush\n'))).toEqual([
      'stagecoach.yaml:7:18: stages[1].pullRequest.autoMerge: expected false, merge, squash, rebase, got "sqaush"; did you mean "squash"?',
    ]);
    expect(parseConfig(withPr('      autoMerge: rebase\n'), 'f').stages[1].pullRequest.autoMerge).toBe('rebase');
  });

  test('draft must be a boolean', () => {
    expect(problems(withPr('      draft: "no"\n'))).toEqual([
      'stagecoach.yaml:7:14: stages[1].pullRequest.draft: expected true or false, got "no"',
    ]);
  });

  test('reviewers and assignees are GitHub logins; teams are slugs', () => {
    expect(
      problems(
        withPr(
          '      reviewers: ["@alice", acme/platform]\n      assignees: [bad_name]\n      teamReviewers: [acme/platform, "Platform Team"]\n',
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:7:19: stages[1].pullRequest.reviewers[0]: "@alice" is not a GitHub user name; write it without the "@": alice',
      'stagecoach.yaml:7:29: stages[1].pullRequest.reviewers[1]: "acme/platform" is not a GitHub user name; teams go under teamReviewers:',
      'stagecoach.yaml:8:19: stages[1].pullRequest.assignees[0]: "bad_name" is not a GitHub user name',
      'stagecoach.yaml:9:23: stages[1].pullRequest.teamReviewers[0]: "acme/platform" is not a team slug; give the team slug without the organisation: platform',
      'stagecoach.yaml:9:38: stages[1].pullRequest.teamReviewers[1]: "Platform Team" is not a team slug; give the team slug, e.g. platform-team',
    ]);
  });

  test('labels longer than GitHub allows, or empty', () => {
    expect(problems(withPr(`      labels: [${'x'.repeat(51)}, ""]\n`))).toEqual([
      `stagecoach.yaml:7:16: stages[1].pullRequest.labels[0]: label "${'x'.repeat(51)}" is longer than 50 characters, which GitHub refuses`,
      'stagecoach.yaml:7:69: stages[1].pullRequest.labels[1]: expected label, got an empty string',
    ]);
  });

  test('branch templates: placeholders and git ref rules', () => {
    expect(problems(withPr('      branch: "promote/{form}-{to}"\n'))).toEqual([
      'stagecoach.yaml:7:15: stages[1].pullRequest.branch: unknown placeholder {form}; did you mean "from"?; the branch template knows {from} and {to}',
    ]);
    expect(problems(withPr('      branch: "promote {to}"\n'))[0]).toMatch(
      /branch: "promote \{to\}" does not make a valid git branch name: it contains a space/,
    );
    expect(problems(withPr('      branch: "a..{to}"\n'))[0]).toMatch(/it contains "\.\."/);
    expect(problems(withPr('      branch: "{to}.lock"\n'))[0]).toMatch(/ends with "\.lock"/);
    expect(parseConfig(withPr('      branch: "release/{to}"\n'), 'f').stages[1].pullRequest.branch).toBe(
      'release/{to}',
    );
  });

  test('two target stages cannot share a branch', () => {
    const text = `stages:
  - name: dev
    path: envs/dev
  - name: staging
    path: envs/staging
    pullRequest: { branch: promote }
  - name: prod
    path: envs/prod
    pullRequest: { branch: promote }
`;
    expect(problems(text)).toEqual([
      'stagecoach.yaml:9:28: stages[2].pullRequest.branch: promotions into "prod" and "staging" would both use branch "promote"; put {to} in the template',
    ]);
  });

  test('pullRequest must be a mapping', () => {
    expect(problems(withPr('      - draft\n'))[0]).toMatch(
      /^stagecoach\.yaml:7:7: stages\[1\]\.pullRequest: expected a mapping such as/,
    );
  });
});

describe('parseConfig: gates', () => {
  const withGates = (gates: string) => twoStages().replace('path: envs/prod', `path: envs/prod\n    gates:\n${gates}`);
  const gatesOf = (gates: string) => parseConfig(withGates(gates), 'f').stages[1].gates;

  test('registry: true, false, { pin }', () => {
    expect(gatesOf('      registry: true\n').registry).toEqual({ pin: false });
    expect(gatesOf('      registry: false\n').registry).toBe(false);
    expect(gatesOf('      registry: { pin: true }\n').registry).toEqual({ pin: true });
    expect(gatesOf('      registry: {}\n').registry).toEqual({ pin: false });
    expect(problems(withGates('      registry: yes\n'))).toEqual([
      'stagecoach.yaml:7:17: stages[1].gates.registry: expected true, false or { pin: true }, got "yes"',
    ]);
    expect(problems(withGates('      registry: { pinned: true }\n'))[0]).toMatch(
      /registry\.pinned: unknown key "pinned"; did you mean "pin"\?/,
    );
  });

  test('soak is a duration', () => {
    expect(gatesOf('      soak: 1h30m\n').soakSeconds).toBe(5400);
    expect(problems(withGates('      soak: soon\n'))).toEqual([
      'stagecoach.yaml:7:13: stages[1].gates.soak: expected a duration such as 90s, 30m, 1h30m or 2d (units w, d, h, m, s), got "soon"',
    ]);
    expect(problems(withGates('      soak: 3600\n'))[0]).toMatch(/got "3600"; add a unit, e.g. 3600s$/);
  });

  test('commands: run required, name defaults to run, timeout default 10m, env as text', () => {
    expect(
      gatesOf('      commands:\n        - run: make check\n          env: { DEBUG: true, N: 2 }\n').commands,
    ).toEqual([{ name: 'make check', run: 'make check', timeoutSeconds: 600, env: { DEBUG: 'true', N: '2' } }]);
    expect(
      problems(
        withGates(
          '      commands:\n        - name: build\n          timeout: 0\n          env: { 1BAD: x, OK: [a] }\n',
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:8:11: stages[1].gates.commands[0]: missing "run:"; give the command to run, e.g. "run: kustomize build envs/prod"',
      'stagecoach.yaml:9:20: stages[1].gates.commands[0].timeout: expected a duration above zero, e.g. 5m',
      'stagecoach.yaml:10:18: stages[1].gates.commands[0].env: "1BAD" is not a variable name; use letters, digits and _, not starting with a digit',
      'stagecoach.yaml:10:31: stages[1].gates.commands[0].env.OK: expected a value, got a list',
    ]);
    expect(problems(withGates('      commands: make check\n'))[0]).toMatch(
      /stages\[1\]\.gates\.commands: expected a list of commands/,
    );
  });

  test('onFailure is fail or draft', () => {
    expect(gatesOf('      onFailure: draft\n').onFailure).toBe('draft');
    expect(problems(withGates('      onFailure: drafts\n'))).toEqual([
      'stagecoach.yaml:7:18: stages[1].gates.onFailure: expected one of fail, draft, got "drafts"; did you mean "draft"?',
    ]);
  });
});

describe('parseConfig: files', () => {
  test('globs replace the default; negations are kept', () => {
    expect(parseConfig(twoStages('files: ["**/*.yaml", "!**/secrets/**"]\n'), 'f').files).toEqual([
      '**/*.yaml',
      '!**/secrets/**',
    ]);
  });

  test('absolute, "..", unclosed brackets, comments and all-negative lists are refused', () => {
    expect(problems(twoStages('files: ["/etc/*.yaml", "../**", "a/{b", "x/[ab", "#c"]\n'))).toEqual([
      'stagecoach.yaml:6:9: files[0]: "/etc/*.yaml" is absolute; globs are relative to each stage folder',
      'stagecoach.yaml:6:24: files[1]: "../**" contains ".."; globs must stay inside each stage folder',
      'stagecoach.yaml:6:33: files[2]: "a/{b" has an unclosed "{"',
      'stagecoach.yaml:6:41: files[3]: "x/[ab" has an unclosed "["',
      'stagecoach.yaml:6:50: files[4]: "#c" starts with "#", which minimatch reads as a comment; write \\# for a literal #',
    ]);
    expect(problems(twoStages('files: ["!**/secrets/**"]\n'))).toEqual([
      'stagecoach.yaml:6:8: files: every glob starts with "!", so no file is read; add one such as **/*.yaml',
    ]);
    expect(problems(twoStages('files: []\n'))[0]).toMatch(/^stagecoach\.yaml:6:8: files: expected at least one glob/);
  });
});

describe('parseConfig: fields', () => {
  const withFields = (fields: string) => twoStages(`fields:\n${fields}`);

  test('exactly one of image and repository', () => {
    expect(problems(withFields('  - files: "envs/*/v.yaml"\n    tag: image_tag\n'))).toEqual([
      'stagecoach.yaml:7:5: fields[0]: missing "image:" (the image name, e.g. ghcr.io/acme/api) or "repository:" (the key path holding it)',
    ]);
    expect(
      problems(
        withFields('  - files: "envs/*/v.yaml"\n    tag: t\n    image: ghcr.io/a/b\n    repository: app.repo\n'),
      ),
    ).toEqual([
      'stagecoach.yaml:10:5: fields[0].repository: give either image: (the image name) or repository: (the key path holding it), not both',
    ]);
  });

  test('files and tag are required; key paths are dotted keys', () => {
    expect(problems(withFields('  - image: ghcr.io/acme/api\n    digest: "a..b"\n'))).toEqual([
      'stagecoach.yaml:7:5: fields[0]: missing "files:"; give a glob of repo-relative paths, e.g. envs/*/versions.yaml',
      'stagecoach.yaml:7:5: fields[0]: missing "tag:"; give the key path of the tag, e.g. image_tag',
      'stagecoach.yaml:8:13: fields[0].digest: "a..b" is not a key path; write the keys joined by dots, e.g. app.image.tag',
    ]);
  });

  test('image must be a name without a version; placeholders are allowed', () => {
    expect(problems(withFields('  - files: "a/*.yaml"\n    tag: t\n    image: ghcr.io/acme/api:1.0\n'))).toEqual([
      'stagecoach.yaml:9:12: fields[0].image: "ghcr.io/acme/api:1.0" names a version; give the image without tag or digest (the tag: field holds the version)',
    ]);
    expect(problems(withFields('  - files: "a/*.yaml"\n    tag: t\n    image: "Not An Image"\n'))[0]).toMatch(
      /fields\[0\]\.image: "Not An Image" is not an image name/,
    );
    expect(
      parseConfig(withFields('  - files: "a/*.yaml"\n    tag: t\n    image: ghcr.io/acme/{name}-svc\n'), 'f').fields[0]
        .image,
    ).toBe('ghcr.io/acme/{name}-svc');
    expect(problems(withFields('  - files: "a/*.yaml"\n    tag: t\n    image: ghcr.io/acme/{app}\n'))).toEqual([
      'stagecoach.yaml:9:12: fields[0].image: unknown placeholder {app}; the image template knows {name} (the file name without extension)',
    ]);
  });
});

describe('parseConfig: images', () => {
  const withImages = (images: string) => twoStages(`images:\n${images}`);
  const policyOf = (images: string) => parseConfig(withImages(images), 'f').images[0];

  test('the image is canonicalised; a version or a repeat is refused', () => {
    expect(policyOf('  - image: nginx\n    policy: { semver: "*" }\n').image).toBe('docker.io/library/nginx');
    expect(
      problems(
        withImages(
          '  - image: nginx:1.25\n    policy: { semver: "*" }\n  - image: docker.io/library/redis\n    policy: { semver: "*" }\n  - image: redis\n    policy: { semver: "*" }\n',
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:7:12: images[0].image: "nginx:1.25" names a version; give the repository only: nginx',
      'stagecoach.yaml:11:12: images[2].image: "redis" already has a policy on line 9; give each image one policy',
    ]);
  });

  test('a policy is required and names one ordering', () => {
    expect(problems(withImages('  - image: nginx\n'))[0]).toMatch(
      /^stagecoach\.yaml:7:5: images\[0\]: missing "policy:"/,
    );
    expect(problems(withImages('  - image: nginx\n    policy: {}\n'))).toEqual([
      'stagecoach.yaml:8:13: images[0].policy: expected one of semver:, numerical: or alphabetical:',
    ]);
    expect(problems(withImages('  - image: nginx\n    policy: { semver: "*", alphabetical: asc }\n'))).toEqual([
      'stagecoach.yaml:8:28: images[0].policy.alphabetical: give one ordering, not both semver: and alphabetical:',
    ]);
    expect(problems(withImages('  - image: nginx\n    policy: { numerical: asc, prerelease: true }\n'))).toEqual([
      'stagecoach.yaml:8:31: images[0].policy.prerelease: prerelease: only applies with semver:',
    ]);
  });

  test('semver ranges are checked; Flux comma ranges and { range } are accepted', () => {
    expect(problems(withImages('  - image: nginx\n    policy: { semver: newest }\n'))).toEqual([
      'stagecoach.yaml:8:23: images[0].policy.semver: expected a semver range such as ">=1.0.0 <2", "^1.2" or "1.4.x", got "newest"',
    ]);
    expect(policyOf('  - image: nginx\n    policy: { semver: ">= 1.2, < 2.0" }\n').policy).toEqual({
      semver: { range: '>= 1.2, < 2.0', prerelease: false },
    });
    expect(policyOf('  - image: nginx\n    policy: { semver: { range: "^1" }, prerelease: true }\n').policy).toEqual({
      semver: { range: '^1', prerelease: true },
    });
    expect(problems(withImages('  - image: nginx\n    policy: { semver: { rnage: "^1" } }\n'))).toEqual([
      'stagecoach.yaml:8:23: images[0].policy.semver: missing "range:", e.g. ">=1.0.0 <2"',
      'stagecoach.yaml:8:25: images[0].policy.semver.rnage: unknown key "rnage"; did you mean "range"? (known keys: range)',
    ]);
  });

  test('numerical and alphabetical orders, plain or Flux-style', () => {
    expect(policyOf('  - image: nginx\n    policy: { numerical: desc }\n').policy).toEqual({ numerical: 'desc' });
    expect(policyOf('  - image: nginx\n    policy: { alphabetical: { order: asc } }\n').policy).toEqual({
      alphabetical: 'asc',
    });
    expect(problems(withImages('  - image: nginx\n    policy: { numerical: up }\n'))).toEqual([
      'stagecoach.yaml:8:26: images[0].policy.numerical: expected one of asc, desc, got "up"',
    ]);
  });

  test('filterTags: the pattern compiles and extract names its groups', () => {
    const ok = policyOf(
      "  - image: nginx\n    policy: { numerical: asc }\n    filterTags: { pattern: '^main-(?P<ts>[0-9]+)$', extract: '${ts}' }\n",
    );
    expect(ok.policy.filterTags).toEqual({ pattern: '^main-(?P<ts>[0-9]+)$', extract: '${ts}' });
    expect(
      problems(
        withImages(
          "  - image: nginx\n    policy: { numerical: asc }\n    filterTags: { pattern: '^main-([0-9]+', extract: '$1' }\n",
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:9:28: images[0].filterTags.pattern: not a valid regular expression: Unterminated group',
    ]);
    expect(
      problems(
        withImages(
          "  - image: nginx\n    policy: { numerical: asc }\n    filterTags: { pattern: '^main-(?<ts>[0-9]+)$', extract: '$time $2' }\n",
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:9:61: images[0].filterTags.extract: "$time" names no group of the pattern (the pattern has $ts)',
      'stagecoach.yaml:9:61: images[0].filterTags.extract: "$2" names no group of the pattern (the pattern has $ts)',
    ]);
    expect(
      problems(withImages("  - image: nginx\n    policy: { numerical: asc }\n    filterTags: { extract: '$ts' }\n")),
    ).toEqual([
      'stagecoach.yaml:9:17: images[0].filterTags: missing "pattern:", the regular expression tags must match',
    ]);
  });
});

describe('parseConfig: every problem at once', () => {
  test('the invalid fixture reports each problem with its position, in file order', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig(fixture('invalid.yaml'), 'stagecoach.yaml');
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = formatProblems(error!.problems).split('\n');
    expect(lines).toEqual([
      'stagecoach.yaml:2:11: stages[0].name: stage name "Dev" must be lower-case letters, digits and "-", starting with a letter or digit (it is used in branch names); for example "dev"',
      'stagecoach.yaml:4:5: stages[1]: missing "paths:"; list the folders stage "staging" owns, e.g. "paths: [envs/staging]"',
      'stagecoach.yaml:5:5: stages[1].pahts: unknown key "pahts"; did you mean "paths"? (known keys: name, paths, path, pullRequest, gates)',
      'stagecoach.yaml:6:11: stages[2].name: stage "staging" is defined twice (first at line 4); stage names must be unique',
      'stagecoach.yaml:7:11: stages[2].path: path "/srv/envs/staging" is absolute; write it relative to the repository root, e.g. "srv/envs/staging"',
      'stagecoach.yaml:9:7: stages[2].pullRequest.automerge: unknown key "automerge"; did you mean "autoMerge"? (known keys: labels, reviewers, teamReviewers, assignees, draft, autoMerge, branch)',
      'stagecoach.yaml:10:19: stages[2].pullRequest.reviewers[0]: "@alice" is not a GitHub user name; write it without the "@": alice',
      'stagecoach.yaml:12:13: stages[2].gates.soak: expected a duration such as 90s, 30m, 1h30m or 2d (units w, d, h, m, s), got "soon"',
      'stagecoach.yaml:13:24: stages[2].gates.registry.pin: expected true or false, got "maybe"',
      'stagecoach.yaml:15:11: stages[2].gates.commands[0]: missing "run:"; give the command to run, e.g. "run: kustomize build envs/prod"',
      'stagecoach.yaml:16:18: stages[2].gates.onFailure: expected one of fail, draft, got "drafts"; did you mean "draft"?',
      'stagecoach.yaml:18:13: stages[3].paths[0]: "envs/dev/prod" is inside "envs/dev", owned by stage "Dev" (line 3); each folder belongs to one stage',
      'stagecoach.yaml:18:28: stages[3].paths[1]: path "../outside" contains ".."; stage folders must stay inside the repository',
      'stagecoach.yaml:19:22: files[1]: "/etc/*.yaml" is absolute; globs are relative to each stage folder',
      'stagecoach.yaml:24:5: fields[0].repository: give either image: (the image name) or repository: (the key path holding it), not both',
      'stagecoach.yaml:26:12: images[0].image: "ghcr.io/acme/api:1.2.3" names a version; give the repository only: ghcr.io/acme/api',
      'stagecoach.yaml:27:23: images[0].policy.semver: expected a semver range such as ">=1.0.0 <2", "^1.2" or "1.4.x", got "newest"',
      'stagecoach.yaml:29:26: images[1].policy.numerical: expected one of asc, desc, got "up"',
      'stagecoach.yaml:30:62: images[1].filterTags.extract: "$time" names no group of the pattern (the pattern has $ts)',
      'stagecoach.yaml:31:1: colour: unknown key "colour" (known keys: stages, files, fields, images)',
    ]);
    expect(error!.problems.every((p) => p.file === 'stagecoach.yaml')).toBe(true);
    expect(error!.message).toBe(`Invalid pipeline configuration (20 problems):\n${lines.join('\n')}`);
  });
});

describe('formatProblems', () => {
  test('file:line:col, file:line, or file alone for line 0', () => {
    expect(
      formatProblems([
        { file: 'a.yaml', line: 4, column: 7, message: 'one' },
        { file: 'a.yaml', line: 5, message: 'two' },
        { file: '<flags>', line: 0, message: 'three' },
      ]),
    ).toBe('a.yaml:4:7: one\na.yaml:5: two\n<flags>: three');
  });
});

describe('stagesFromFlags', () => {
  test('NAME=PATH[,PATH...] in promotion order, with defaults', () => {
    const pipeline = stagesFromFlags(['dev=envs/dev', 'prod=envs/prod,./clusters/prod/']);
    expect(pipeline.configFile).toBe('<flags>');
    expect(pipeline.files).toEqual(['**/*.yaml', '**/*.yml']);
    expect(pipeline.stages.map((s) => [s.name, s.paths, s.line])).toEqual([
      ['dev', ['envs/dev'], 1],
      ['prod', ['envs/prod', 'clusters/prod'], 2],
    ]);
    expect(pipeline.stages[1].pullRequest.labels).toEqual(['promotion', 'stage:prod']);
    expect(pipeline.stages[1].gates).toEqual({ registry: false, soakSeconds: 0, commands: [], onFailure: 'fail' });
  });

  test('every problem at once, line = flag number, column inside the flag', () => {
    expect(flagProblems(['dev=envs/dev', 'Dev=/x,envs/dev/a', 'nothing', 'dev=other', '=a', 'qa=a,'])).toEqual([
      '<flags>:2:1: --stage "Dev=/x,envs/dev/a": stage name "Dev" must be lower-case letters, digits and "-", starting with a letter or digit (it is used in branch names); for example "dev"',
      '<flags>:2:5: --stage "Dev=/x,envs/dev/a": path "/x" is absolute; write it relative to the repository root, e.g. "x"',
      '<flags>:2:8: --stage "Dev=/x,envs/dev/a": "envs/dev/a" is inside "envs/dev", owned by stage "dev" (--stage number 1); each folder belongs to one stage',
      '<flags>:3:1: --stage "nothing": expected NAME=PATH[,PATH...], e.g. --stage dev=envs/dev',
      '<flags>:4:1: --stage "dev=other": stage "dev" is defined twice (first at --stage number 1); stage names must be unique',
      '<flags>:5:1: --stage "=a": the stage name before "=" is missing',
      '<flags>:6:6: --stage "qa=a,": expected a folder such as envs/dev, got an empty string',
    ]);
  });

  test('no flags at all', () => {
    expect(flagProblems([])).toEqual([
      '<flags>: no stages given; pass --stage NAME=PATH for each stage, in promotion order',
    ]);
  });
});

describe('findStage and nextStage', () => {
  const pipeline = parseConfig(fixture('full.yaml'), 'stagecoach.yaml');

  test('find by name; next in promotion order; undefined after the last', () => {
    expect(findStage(pipeline, 'staging').paths).toEqual(['envs/staging']);
    expect(nextStage(pipeline, 'dev')?.name).toBe('staging');
    expect(nextStage(pipeline, 'staging')?.name).toBe('production');
    expect(nextStage(pipeline, 'production')).toBeUndefined();
  });

  test('an unknown stage lists the known ones and the closest', () => {
    expect(() => findStage(pipeline, 'prod')).toThrow(ConfigError);
    try {
      nextStage(pipeline, 'stagign');
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        {
          file: 'stagecoach.yaml',
          line: 0,
          message: 'no stage is named "stagign"; did you mean "staging"? (the stages are dev, staging, production)',
        },
      ]);
    }
    expect.assertions(2);
  });
});

describe('helpers', () => {
  test('normalizeStagePath', () => {
    expect(normalizeStagePath('./envs//dev/')).toEqual({ path: 'envs/dev' });
    expect(normalizeStagePath('./')).toEqual({ path: '.' });
    expect(normalizeStagePath('a/./b')).toEqual({ path: 'a/b' });
    expect('problem' in normalizeStagePath('a/../b')).toBe(true);
  });

  test('suggest: case, separators and small typos; nothing for unrelated words', () => {
    expect(suggest('auto_merge', ['autoMerge', 'draft'])).toBe('autoMerge');
    expect(suggest('lables', ['labels', 'reviewers'])).toBe('labels');
    expect(suggest('colour', ['stages', 'files', 'fields', 'images'])).toBeUndefined();
  });
});
