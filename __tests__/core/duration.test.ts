import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../src/core/duration.js';

describe('parseDuration', () => {
  test.each([
    ['90s', 90],
    ['5m', 300],
    ['1h30m', 5400],
    ['2d', 172800],
    ['1w', 604800],
    ['1d2h3m4s', 93784],
    ['0', 0],
    ['0s', 0],
    ['  10m ', 600],
    ['30m1h', 5400],
  ])('%j is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  test.each([
    ['soon', /expected a duration such as 90s, 30m, 1h30m or 2d \(units w, d, h, m, s\), got "soon"$/],
    ['', /got ""$/],
    ['3600', /got "3600"; add a unit, e.g. 3600s$/],
    ['1.5h', /; durations count whole seconds$/],
    ['500ms', /; durations count whole seconds$/],
    ['5M', /; units are lower case$/],
    ['-5m', /got "-5m"$/],
    ['1h 30m', /got "1h 30m"$/],
    ['9999999999999999d', /it is too long$/],
  ])('%j is refused with the expected form', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [5400, '1h30m'],
    [86400, '1d'],
    [1209600, '14d'],
    [90061, '1d1h1m1s'],
    [-90, '-1m30s'],
    [89.6, '1m30s'],
  ])('%d seconds is %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  test('refuses non-finite numbers', () => {
    expect(() => formatDuration(Number.NaN)).toThrow(RangeError);
  });
});

describe('properties', () => {
  test('parseDuration(formatDuration(n)) === n for whole seconds', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(parseDuration(formatDuration(n))).toBe(n);
      }),
    );
  });

  test('any well-formed duration formats to its canonical form, which reads back the same', () => {
    const part = fc
      .tuple(fc.nat({ max: 1000 }), fc.constantFrom('w', 'd', 'h', 'm', 's'))
      .map(([n, unit]) => `${n}${unit}`);
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), (parts) => {
        const text = parts.join('');
        const seconds = parseDuration(text);
        const canonical = formatDuration(seconds);
        expect(parseDuration(canonical)).toBe(seconds);
        expect(formatDuration(parseDuration(canonical))).toBe(canonical);
        expect(canonical).toMatch(/^(?:0s|(?:[1-9][0-9]*d)?(?:[1-9][0-9]*h)?(?:[1-9][0-9]*m)?(?:[1-9][0-9]*s)?)$/);
      }),
    );
  });
});
