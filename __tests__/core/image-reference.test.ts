// The image-name grammar (distribution/reference) and Docker's normalisation, as properties and examples.
import fc from 'fast-check';
import {
  canonicalRepository,
  formatImage,
  formatVersion,
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
