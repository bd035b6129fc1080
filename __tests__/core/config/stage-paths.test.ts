// What a stage owns: folders normalised and kept inside the repository, and owned by one stage only.
import fc from 'fast-check';
import { normalizeStagePath } from '../../../src/core/config/index.js';
import { firstClashes } from '../../../src/core/config/stage-paths.js';

describe('normalizeStagePath', () => {
  test('folders are normalised; ".." is refused', () => {
    expect(normalizeStagePath('./envs//dev/')).toEqual({ path: 'envs/dev' });
    expect(normalizeStagePath('./')).toEqual({ path: '.' });
    expect(normalizeStagePath('a/./b')).toEqual({ path: 'a/b' });
    expect('problem' in normalizeStagePath('a/../b')).toBe(true);
  });
});

describe('firstClashes', () => {
  const contains = (outer: string, inner: string) => outer === '.' || inner === outer || inner.startsWith(`${outer}/`);
  /** The rule as first written: each folder against every earlier one, the first clash wins. */
  const quadratic = (paths: string[]) =>
    paths.map((b, j) => {
      const i = paths.slice(0, j).findIndex((a) => contains(a, b) || contains(b, a));
      return i === -1 ? undefined : i;
    });

  test('the same, inside, containing, the whole repository; siblings with a shared prefix do not clash', () => {
    expect(firstClashes(['envs', 'envs/prod', 'other', 'other', 'envs2', 'x/y', 'x', '.'])).toEqual([
      undefined,
      0,
      undefined,
      2,
      undefined,
      undefined,
      5,
      0,
    ]);
    expect(firstClashes(['.', 'a'])).toEqual([undefined, 0]);
  });

  test('agrees with checking every pair', () => {
    const folder = fc
      .array(fc.constantFrom('a', 'b', 'ab', 'a.b'), { minLength: 1, maxLength: 3 })
      .map((parts) => parts.join('/'));
    const paths = fc.array(fc.oneof({ weight: 9, arbitrary: folder }, { weight: 1, arbitrary: fc.constant('.') }), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(paths, (list) => expect(firstClashes(list)).toEqual(quadratic(list))),
      { numRuns: 2000 },
    );
  });
});
