// parseConfig as a whole: the keys assembled, the documented defaults, the file's own problems, all at once.
import {
  ConfigError,
  DEFAULT_BRANCH,
  formatProblems,
  parseConfig,
  type Pipeline,
} from '../../../src/core/config/index.js';
import { fixture, problems, twoStages } from './helpers.js';

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
    expect(dev.gates).toEqual({ registry: false, health: false, soakSeconds: 0, commands: [], onFailure: 'fail' });
    expect(staging.gates).toEqual({
      registry: { pin: false },
      health: false,
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
      health: false,
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
          gates: { registry: false, health: false, soakSeconds: 0, commands: [], onFailure: 'fail' },
          live: [],
        },
      ],
      files: ['**/*.yaml', '**/*.yml'],
      fields: [],
      images: [],
      charts: false,
      clusters: [],
    });
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
      'stagecoach.yaml:4:5: stages[1]: missing "paths:"; list the folders, files or globs stage "staging" owns, e.g. "paths: [envs/staging]"',
      'stagecoach.yaml:5:5: stages[1].pahts: unknown key "pahts"; did you mean "paths"? (known keys: name, paths, path, files, pullRequest, gates, live)',
      'stagecoach.yaml:6:11: stages[2].name: stage "staging" is defined twice (first at line 4); stage names must be unique',
      'stagecoach.yaml:7:11: stages[2].path: path "/srv/envs/staging" is absolute; write it relative to the repository root, e.g. "srv/envs/staging"',
      'stagecoach.yaml:9:7: stages[2].pullRequest.automerge: unknown key "automerge"; did you mean "autoMerge"? (known keys: labels, reviewers, teamReviewers, assignees, draft, autoMerge, branch)',
      'stagecoach.yaml:10:19: stages[2].pullRequest.reviewers[0]: "@alice" is not a GitHub user name; write it without the "@": alice',
      'stagecoach.yaml:12:13: stages[2].gates.soak: expected a duration such as 90s, 30m, 1h30m or 2d (units w, d, h, m, s), got "soon"',
      'stagecoach.yaml:13:24: stages[2].gates.registry.pin: expected true or false, got "maybe"',
      'stagecoach.yaml:15:11: stages[2].gates.commands[0]: missing "run:"; give the command to run, e.g. "run: kustomize build envs/prod"',
      'stagecoach.yaml:16:18: stages[2].gates.onFailure: expected one of fail, draft, got "drafts"; did you mean "draft"?',
      'stagecoach.yaml:18:13: stages[3].paths[0]: "envs/dev/prod" is inside "envs/dev", owned by stage "Dev" (line 3); each folder or file belongs to one stage',
      'stagecoach.yaml:18:28: stages[3].paths[1]: path "../outside" contains ".."; stage folders must stay inside the repository',
      'stagecoach.yaml:19:22: files[1]: "/etc/*.yaml" is absolute; globs are relative to each stage folder',
      'stagecoach.yaml:24:5: fields[0].repository: give either image: (the image name) or repository: (the key path holding it), not both',
      'stagecoach.yaml:26:12: images[0].image: "ghcr.io/acme/api:1.2.3" names a version; give the repository only: ghcr.io/acme/api',
      'stagecoach.yaml:27:23: images[0].policy.semver: expected a semver range such as ">=1.0.0 <2", "^1.2" or "1.4.x", got "newest"',
      'stagecoach.yaml:29:26: images[1].policy.numerical: expected one of asc, desc, got "up"',
      'stagecoach.yaml:30:62: images[1].filterTags.extract: "$time" names no group of the pattern (the pattern has $ts)',
      'stagecoach.yaml:31:1: colour: unknown key "colour" (known keys: stages, files, fields, images, charts, clusters)',
    ]);
    expect(error!.problems.every((p) => p.file === 'stagecoach.yaml')).toBe(true);
    expect(error!.message).toBe(`Invalid pipeline configuration (20 problems):\n${lines.join('\n')}`);
  });
});
