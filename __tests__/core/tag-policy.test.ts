import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import semver from 'semver';
import {
  type TagPolicy,
  compareVersions,
  compileFilterPattern,
  expandTemplate,
  fluxSemver,
  isTagAllowed,
  normalizeSemverRange,
  patternGroups,
  selectTag,
} from '../../src/core/tag-policy.js';

const semverPolicy = (range: string, prerelease = false): TagPolicy => ({ semver: { range, prerelease } });

describe('selectTag: semver', () => {
  const tags = ['1.0.0', 'v1.4.2', '1.10.0', '2.0.0-rc.1', '1.9.9', 'latest', 'main-abc123', '2.0.0', '0.9.0', '1.2'];

  test('the newest release in range; numbers compare as numbers; a leading v is fine', () => {
    expect(selectTag(tags, semverPolicy('>=1.0.0 <2'))).toEqual({ tag: '1.10.0' });
    expect(selectTag(tags, semverPolicy('~1.4'))).toEqual({ tag: 'v1.4.2' });
    expect(selectTag(tags, semverPolicy('*'))).toEqual({ tag: '2.0.0' });
  });

  test('pre-releases only when asked', () => {
    expect(selectTag(['1.0.0', '2.0.0-rc.1'], semverPolicy('>=1.0.0'))).toEqual({ tag: '1.0.0' });
    expect(selectTag(['1.0.0', '2.0.0-rc.1'], semverPolicy('>=1.0.0', true))).toEqual({ tag: '2.0.0-rc.1' });
    expect(selectTag(['2.0.0-rc.1', '2.0.0-rc.2', '2.0.0'], semverPolicy('>=1.0.0', true))).toEqual({ tag: '2.0.0' });
    expect(selectTag(['2.0.0-rc.1'], semverPolicy('>=2.0.0-rc.0'))).toBeUndefined();
  });

  test('Flux (Masterminds) comma-separated ranges', () => {
    expect(normalizeSemverRange('>= 1.2, < 2.0')).toBe('>= 1.2 < 2.0');
    expect(selectTag(tags, semverPolicy('>=1.0.0, <1.5.0'))).toEqual({ tag: 'v1.4.2' });
  });

  test('partial versions are versions as Flux (Masterminds/semver) reads them; non-versions are not', () => {
    expect(selectTag(['1.2', 'latest', '01.2.3'], semverPolicy('*'))).toEqual({ tag: '1.2' });
    expect(selectTag(['latest', '01.2.3', '1.2.3.4'], semverPolicy('*'))).toBeUndefined();
  });

  test('nothing in range gives undefined; an empty list too', () => {
    expect(selectTag(tags, semverPolicy('>=3'))).toBeUndefined();
    expect(selectTag([], semverPolicy('*'))).toBeUndefined();
  });

  test('never older than the current tag; the current tag itself may come back', () => {
    expect(selectTag(['1.0.0', '1.1.0'], semverPolicy('<1.2'), '1.5.0')).toBeUndefined();
    expect(selectTag(['1.0.0', '1.5.0'], semverPolicy('*'), 'v1.5.0')).toEqual({ tag: '1.5.0' });
    expect(selectTag(['1.0.0', '1.6.0'], semverPolicy('*'), '1.5.0')).toEqual({ tag: '1.6.0' });
    // A current tag the policy cannot order puts no floor.
    expect(selectTag(['1.0.0'], semverPolicy('*'), 'latest')).toEqual({ tag: '1.0.0' });
  });

  test('ties go to the greater tag text, whatever the input order', () => {
    expect(selectTag(['v1.0.0', '1.0.0'], semverPolicy('*'))).toEqual({ tag: 'v1.0.0' });
    expect(selectTag(['1.0.0', 'v1.0.0'], semverPolicy('*'))).toEqual({ tag: 'v1.0.0' });
  });

  test('an empty policy means the newest release', () => {
    expect(selectTag(tags, {})).toEqual({ tag: '2.0.0' });
  });
});

describe('selectTag: numerical and alphabetical', () => {
  test('numerical asc picks the largest number, desc the smallest; other tags are ignored', () => {
    const tags = ['10', '9', '100', '1.5', 'latest', '-3', '1e3'];
    expect(selectTag(tags, { numerical: 'asc' })).toEqual({ tag: '1e3' });
    expect(selectTag(tags, { numerical: 'desc' })).toEqual({ tag: '-3' });
    expect(selectTag(['10', '9'], { numerical: 'asc' }, '11')).toBeUndefined();
    expect(selectTag(['10', '9'], { numerical: 'desc' }, '9')).toEqual({ tag: '9' });
  });

  test('alphabetical asc picks Z, desc picks A (Flux)', () => {
    expect(selectTag(['b', 'a', 'c'], { alphabetical: 'asc' })).toEqual({ tag: 'c' });
    expect(selectTag(['b', 'a', 'c'], { alphabetical: 'desc' })).toEqual({ tag: 'a' });
    expect(
      selectTag(['RELEASE.2024-01-01', 'RELEASE.2024-03-01'], { alphabetical: 'asc' }, 'RELEASE.2024-02-01'),
    ).toEqual({ tag: 'RELEASE.2024-03-01' });
    expect(selectTag(['a', 'b'], { alphabetical: 'asc' }, 'c')).toBeUndefined();
  });
});

describe('selectTag: filterTags', () => {
  const flux: TagPolicy = {
    numerical: 'asc',
    filterTags: { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)', extract: '$ts' },
  };

  test('the Flux example: timestamps extracted from branch builds', () => {
    const tags = [
      'main-abc1234-1700000000',
      'main-def5678-1700000500',
      'main-0a1b2c3-999',
      'feature-x-1800000000',
      '1.0.0',
    ];
    expect(selectTag(tags, flux)).toEqual({ tag: 'main-def5678-1700000500' });
    expect(selectTag(tags, flux, 'main-ffff-1800000000')).toBeUndefined();
  });

  test('without extract, matching tags are compared whole', () => {
    expect(
      selectTag(['v1.0.0', 'v2.0.0', 'x2.5.0'], {
        semver: { range: '*', prerelease: false },
        filterTags: { pattern: '^v', extract: '' },
      }),
    ).toEqual({
      tag: 'v2.0.0',
    });
  });

  test('semver extracted from a prefix', () => {
    const policy: TagPolicy = {
      semver: { range: '^1', prerelease: false },
      filterTags: { pattern: '^api-(?P<version>.*)$', extract: '$version' },
    };
    expect(selectTag(['api-1.2.0', 'api-1.10.0', 'web-1.99.0', 'api-2.0.0'], policy)).toEqual({ tag: 'api-1.10.0' });
    expect(isTagAllowed('api-1.2.0', policy)).toBe(true);
    expect(isTagAllowed('web-1.2.0', policy)).toBe(false);
    expect(isTagAllowed('api-2.0.0', policy)).toBe(false);
  });

  test('inline flags work as in Go: (?i) at the start or inside, (?i:...) for a group', () => {
    expect(
      selectTag(['rc-1', 'RC-7', 'rc-3'], {
        numerical: 'asc',
        filterTags: { pattern: '(?i)^RC-(?P<n>[0-9]+)$', extract: '$n' },
      }),
    ).toEqual({ tag: 'RC-7' });
    const inside = { alphabetical: 'asc' as const, filterTags: { pattern: '^build-(?i)main$', extract: '' } };
    expect(isTagAllowed('build-MAIN', inside)).toBe(true);
    expect(isTagAllowed('BUILD-main', inside)).toBe(false);
    expect(compileFilterPattern('^(?i:v)[0-9]+$').exec('V12')).not.toBeNull();
  });

  test("Go's RE2 syntax: POSIX classes, Unicode classes, \\z, and no JavaScript-only lookaround", () => {
    const policy = (pattern: string): TagPolicy => ({ numerical: 'asc', filterTags: { pattern, extract: '$n' } });
    expect(selectTag(['v12', 'v9', 'v:'], policy('^v(?P<n>[[:digit:]]+)$'))).toEqual({ tag: 'v12' });
    expect(selectTag(['r٣', 'r7'], policy('^r(?P<n>\\pN)\\z'))).toEqual({ tag: 'r7' });
    expect(() => compileFilterPattern('^v(?=1)')).toThrow('invalid or unsupported Perl syntax: `(?=`');
    expect(() => compileFilterPattern('^(a)\\1$')).toThrow('invalid escape sequence: `\\1`');
    expect(() => compileFilterPattern('^main-([0-9]+')).toThrow('missing closing ): `^main-([0-9]+`');
  });

  test('a pattern that backtracks exponentially still finishes at once on a long tag (RE2 runs in linear time)', () => {
    // In a child with a deadline: a backtracking engine would block this test's own thread for hours, not fail it.
    const module = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'core', 'tag-policy.ts');
    const script = `const { selectTag, isTagAllowed } = await import(${JSON.stringify(module)});
      const policy = { alphabetical: 'asc', filterTags: { pattern: '^(a+)+$', extract: '' } };
      const hostile = 'a'.repeat(120) + '!';
      console.log(JSON.stringify([selectTag([hostile, 'aaa', 'a'.repeat(100000)], policy), isTagAllowed(hostile, policy)]));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ signal: child.signal, stderr: child.stderr }).toEqual({ signal: null, stderr: '' });
    expect(JSON.parse(child.stdout)).toEqual([{ tag: 'aaa' }, false]);
  });

  test('Go template expansion: $1, ${name}, $$ and unknown groups', () => {
    const match = compileFilterPattern('^(?P<major>[0-9]+)-(?P<minor>[0-9]+)$').exec('3-14')!;
    expect(expandTemplate('$1.$2', match)).toBe('3.14');
    expect(expandTemplate('${major}x${minor}', match)).toBe('3x14');
    expect(expandTemplate('$$major $nope $ end', match)).toBe('$major  $ end');
  });

  test('patternGroups counts groups and names', () => {
    expect(patternGroups(compileFilterPattern('^(a)-(?P<ts>[0-9]+)(?:x)$'))).toEqual({ count: 2, names: ['ts'] });
  });
});

describe('compareVersions', () => {
  test.each([
    ['1.2.3', 'v1.2.3', 0],
    ['v1.2.4', '1.2.3', 1],
    ['1.10.0', '1.9.0', 1],
    ['1.25', '1.3', 1],
    ['1.2', '1.2.0', 0],
    ['2.0.0-rc.1', '2.0.0', -1],
    ['2.0.0-rc.2', '2.0.0-rc.10', -1],
    ['1.0.0+build.1', '1.0.0+build.2', 0],
    ['10', '9', 1],
    ['0010', '9', 1],
    ['1.2.3@sha256:' + 'a'.repeat(64), '1.2.4', -1],
    ['99999999999999999999', '99999999999999999998', 1],
  ])('%s vs %s is %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  test.each([
    ['latest', '1.0.0'],
    ['main-abc', 'main-def'],
    ['1.0.0', 'sha-1234'],
  ])('%s and %s are not comparable', (a, b) => {
    expect(compareVersions(a, b)).toBeUndefined();
  });
});

// Generators for the properties: a mix of semver releases, pre-releases, v-prefixed and junk tags.
const version = fc
  .tuple(
    fc.nat({ max: 12 }),
    fc.nat({ max: 12 }),
    fc.nat({ max: 12 }),
    fc.option(fc.constantFrom('rc.1', 'rc.2', 'alpha', 'beta.3'), { nil: undefined }),
  )
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`);
const tag = fc.oneof(
  version,
  version.map((v) => `v${v}`),
  fc.constantFrom('latest', 'main', 'stable', '1.2', 'sha-abc'),
);
const range = fc.constantFrom('*', '>=1.0.0 <5', '^2', '~3.4', '>=4.0.0-rc.0', '<1 || >=10', '>=2, <8');

describe('selectTag properties', () => {
  test('semver: the result is in the input, allowed by the policy, and no allowed tag is newer', () => {
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 30 }), range, fc.boolean(), (tags, r, prerelease) => {
        const result = selectTag(tags, semverPolicy(r, prerelease));
        const nodeRange = r.replace(/\s*,\s*/g, ' ');
        const allowed = tags.filter((t) => {
          const v = fluxSemver(t);
          return (
            v !== null &&
            (prerelease || v.prerelease.length === 0) &&
            semver.satisfies(v, nodeRange, { includePrerelease: prerelease })
          );
        });
        if (allowed.length === 0) return expect(result).toBeUndefined();
        expect(result).toBeDefined();
        expect(tags).toContain(result!.tag);
        expect(allowed).toContain(result!.tag);
        for (const t of allowed) expect(semver.gt(fluxSemver(t)!, fluxSemver(result!.tag)!)).toBe(false);
      }),
    );
  });

  test('semver: never older than current; undefined only when every allowed tag is older', () => {
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 30 }), range, version, (tags, r, current) => {
        const result = selectTag(tags, semverPolicy(r), current);
        if (result) expect(semver.lt(fluxSemver(result.tag)!, current)).toBe(false);
        const without = selectTag(tags, semverPolicy(r));
        if (without && !semver.lt(fluxSemver(without.tag)!, current)) expect(result).toEqual(without);
        else expect(result).toBeUndefined();
      }),
    );
  });

  test('the answer does not depend on the input order', () => {
    const policies: TagPolicy[] = [
      semverPolicy('*'),
      semverPolicy('*', true),
      { numerical: 'asc' },
      { numerical: 'desc' },
      { alphabetical: 'asc' },
    ];
    fc.assert(
      fc.property(
        fc
          .array(fc.oneof(tag, fc.nat({ max: 50 }).map(String)), { maxLength: 20 })
          .chain((tags) =>
            fc.tuple(fc.constant(tags), fc.shuffledSubarray(tags, { minLength: tags.length, maxLength: tags.length })),
          ),
        fc.constantFrom(...policies),
        ([tags, shuffled], policy) => {
          expect(selectTag(shuffled, policy)).toEqual(selectTag(tags, policy));
        },
      ),
    );
  });

  test('numerical: the result is a number in the input and none is larger (asc) or smaller (desc)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -1000, max: 100000 }).map(String), fc.constantFrom('latest', 'x1')), {
          maxLength: 20,
        }),
        fc.constantFrom('asc', 'desc' as const),
        (tags, order) => {
          const result = selectTag(tags, { numerical: order });
          const numbers = tags.filter((t) => /^-?[0-9]+$/.test(t)).map(Number);
          if (numbers.length === 0) return expect(result).toBeUndefined();
          expect(tags).toContain(result!.tag);
          expect(Number(result!.tag)).toBe(order === 'asc' ? Math.max(...numbers) : Math.min(...numbers));
        },
      ),
    );
  });

  test('compareVersions agrees with semver on valid versions and is antisymmetric', () => {
    fc.assert(
      fc.property(version, version, fc.boolean(), (a, b, prefix) => {
        const shown = prefix ? `v${a}` : a;
        expect(compareVersions(shown, b)).toBe(semver.compare(a, b));
        expect(compareVersions(b, shown)).toBe(-semver.compare(a, b) || 0);
      }),
    );
  });
});
