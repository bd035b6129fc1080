// The image-name grammar (distribution/reference) and Docker's normalisation, as properties and examples.
import fc from 'fast-check';
import {
  ImageReferenceError,
  canonicalRepository,
  formatImage,
  formatVersion,
  isDigest,
  parseImage,
  parseVersion,
  tryParseImage,
} from '../../src/core/image-reference.js';

const alnum = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 1,
  maxLength: 6,
});
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const component = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const domainLabel = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const registry = fc.oneof(
  fc.tuple(domainLabel, domainLabel).map(([a, b]) => `${a}.${b}`),
  fc.constant('localhost'),
  fc.tuple(domainLabel, fc.integer({ min: 1, max: 65535 })).map(([a, p]) => `${a}.io:${p}`),
  fc.constant('localhost:5000'),
);
const name = fc
  .tuple(fc.option(registry, { nil: undefined }), fc.array(component, { minLength: 1, maxLength: 3 }))
  .map(([reg, parts]) => `${reg ? `${reg}/` : ''}${parts.join('/')}`);
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
const digest = fc
  .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
  .map((h) => `sha256:${h}`);

test('generated valid references parse and format back to themselves', () => {
  fc.assert(
    fc.property(name, fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }), (n, t, d) => {
      const text = formatImage(n, { tag: t, digest: d });
      const parsed = parseImage(text);
      expect(parsed.name).toBe(n);
      expect(parsed.tag).toBe(t);
      expect(parsed.digest).toBe(d);
      expect(formatImage(parsed.name, parsed)).toBe(text);
      expect(parsed.repository).toBe(`${parsed.registry}/${parsed.path}`);
    }),
    { numRuns: 500 },
  );
});

test('versions format and parse back', () => {
  fc.assert(
    fc.property(fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }), (t, d) => {
      fc.pre(t !== undefined || d !== undefined);
      const v = { ...(t ? { tag: t } : {}), ...(d ? { digest: d } : {}) };
      expect(parseVersion(formatVersion(v))).toEqual(v);
    }),
  );
});

test('the Docker Hub spellings of one image share a canonical identity', () => {
  const ids = [
    'nginx',
    'docker.io/nginx',
    'docker.io/library/nginx',
    'index.docker.io/library/nginx',
    'index.docker.io/nginx',
  ].map(canonicalRepository);
  expect(new Set(ids)).toEqual(new Set(['docker.io/library/nginx']));
  expect(canonicalRepository('bitnami/redis')).toBe('docker.io/bitnami/redis');
  expect(canonicalRepository('ghcr.io/acme/api')).toBe('ghcr.io/acme/api');
});

test('registries with ports, nested paths and IPv6 hosts', () => {
  expect(parseImage('localhost:5000/team/sub/app:1.0')).toMatchObject({
    registry: 'localhost:5000',
    path: 'team/sub/app',
    repository: 'localhost:5000/team/sub/app',
    tag: '1.0',
  });
  expect(parseImage('registry.example.com:8443/a/b/c/d@sha256:' + 'a'.repeat(64))).toMatchObject({
    registry: 'registry.example.com:8443',
    path: 'a/b/c/d',
  });
  expect(parseImage('registry.example.com:8443/a/b/c/d@sha256:' + 'a'.repeat(64)).tag).toBeUndefined();
  expect(parseImage('[::1]:5000/app:1')).toMatchObject({ registry: '[::1]:5000', path: 'app' });
  // the host part may be upper case; the path may not
  expect(parseImage('Registry.Example.com/app:1').registry).toBe('Registry.Example.com');
  expect(parseImage('ghcr.io/acme/api:V1-RC').tag).toBe('V1-RC');
});

test.each([
  ['the repository path must be lower case', 'ghcr.io/Acme/api:1.0'],
  ['the repository path must be lower case', 'Nginx'],
  ['white space', 'nginx:1.0 '],
  ['the tag may hold', 'nginx:-1'],
  ['the digest must look like sha256', 'nginx@sha256:123'],
  ['a path component is empty', 'ghcr.io//api'],
  ['it is empty', ''],
  ['longer than 1024', 'a'.repeat(2000)],
  ['the tag may hold', 'ghcr.io/acme/api:' + 'x'.repeat(200)],
])('rejected: %s', (reason, text) => {
  expect(() => parseImage(text)).toThrow(reason);
  expect(tryParseImage(text)).toBeUndefined();
});

test('a hostile input is rejected quickly (no catastrophic backtracking)', () => {
  // not a timing assertion: the length bound and the grammar keep this to one regex pass
  expect(tryParseImage('a.'.repeat(400) + '!')).toBeUndefined();
  expect(tryParseImage('a-'.repeat(400) + '/')).toBeUndefined();
});

describe('digests (OCI image-spec descriptor grammar; sha256 and sha512 are registered with fixed lengths)', () => {
  const hex = (n: number) => '0123456789abcdef'.repeat(16).slice(0, n);
  const sha256 = `sha256:${hex(64)}`;
  const sha512 = `sha512:${hex(128)}`;

  test.each([
    ['sha256, 64 lower-case hex digits', sha256],
    ['sha512, 128 lower-case hex digits', sha512],
    ['another algorithm per the grammar', 'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8'],
    ['an algorithm with digits and separators', `blake3:${hex(64)}`],
    ['an encoded part with = _ -', 'sha384.v2:abc=_-XYZ'],
  ])('accepted: %s', (_, digest) => {
    expect(isDigest(digest)).toBe(true);
    expect(parseImage(`ghcr.io/acme/api:1.0@${digest}`).digest).toBe(digest);
    expect(parseVersion(`1.0@${digest}`)).toEqual({ tag: '1.0', digest });
  });

  test.each([
    ['sha256 with 63 digits', `sha256:${hex(63)}`],
    ['sha256 with 65 digits', `sha256:${hex(64)}a`],
    ['sha256 with 32 digits', `sha256:${hex(32)}`],
    ['sha256 in upper-case hex', `sha256:${hex(64).toUpperCase()}`],
    ['sha256 with a non-hex letter', `sha256:${hex(63)}g`],
    ['sha512 with 64 digits', `sha512:${hex(64)}`],
    ['sha512 in upper-case hex', `sha512:${hex(128).toUpperCase()}`],
    ['an upper-case algorithm', `SHA256:${hex(64)}`],
    ['an algorithm ending in a separator', `sha256+:${hex(64)}`],
    ['an empty encoded part', 'sha256:'],
    ['no algorithm', `:${hex(64)}`],
    ['an encoded part with "/"', 'blake3:ab/cd'],
  ])('refused everywhere a reference is parsed: %s', (_, digest) => {
    expect(isDigest(digest)).toBe(false);
    expect(() => parseImage(`ghcr.io/acme/api@${digest}`)).toThrow('the digest must look like sha256:<64');
    expect(tryParseImage(`nginx:1.0@${digest}`)).toBeUndefined();
    expect(() => parseVersion(`1.0@${digest}`)).toThrow(ImageReferenceError);
  });

  test('generated registered digests: exactly the right length of lower-case hex passes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(['sha256', 64] as const, ['sha512', 128] as const),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom('0123456789abcdef', '0123456789ABCDEF'),
        ([algorithm, length], n, alphabet) => {
          const digest = `${algorithm}:${alphabet.repeat(13).slice(0, n)}`;
          expect(isDigest(digest)).toBe(n === length && alphabet === alphabet.toLowerCase());
        },
      ),
      { numRuns: 500 },
    );
  });
});
