// images: tag policies (semver, numerical, alphabetical, filterTags) for the registry as the source.
import { parseConfig } from '../../../src/core/config/index.js';
import { problems, twoStages } from './helpers.js';

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

  test('filterTags: the pattern is read as Flux reads it (RE2): JavaScript-only syntax is refused at its place', () => {
    const image = (pattern: string) =>
      `  - image: nginx\n    policy: { numerical: asc }\n    filterTags: { pattern: '${pattern}', extract: '$n' }\n`;
    const withPattern = (pattern: string) => withImages(image(pattern));
    expect(problems(withPattern('^v(?=1)(?P<n>[0-9]+)$'))).toEqual([
      "stagecoach.yaml:9:28: images[0].filterTags.pattern: not a valid regular expression in Go's RE2 syntax, as Flux reads it: invalid or unsupported Perl syntax: `(?=`",
    ]);
    expect(problems(withPattern('^(?P<n>[0-9])\\1$'))[0]).toMatch(
      /filterTags\.pattern: .*invalid escape sequence: `\\1`$/,
    );
    expect(policyOf(image('^(?i)v(?P<n>[[:digit:]]+)$')).policy.filterTags).toEqual({
      pattern: '^(?i)v(?P<n>[[:digit:]]+)$',
      extract: '$n',
    });
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
      "stagecoach.yaml:9:28: images[0].filterTags.pattern: not a valid regular expression in Go's RE2 syntax, as Flux reads it: missing closing ): `^main-([0-9]+`",
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
