// Reading credentials out of a Docker config.json's text, and the header parsers the registry adapter relies on.
import {
  DockerConfigError,
  helperHint,
  normalizeRegistryHost,
  parseDockerConfig,
} from '../../src/adapters/docker-config.js';
import { nextLink, parseChallenge } from '../../src/adapters/registry.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

test('registry keys are normalised the way docker login writes them', () => {
  expect(normalizeRegistryHost('https://index.docker.io/v1/')).toBe('docker.io');
  expect(normalizeRegistryHost('registry-1.docker.io')).toBe('docker.io');
  expect(normalizeRegistryHost('https://GHCR.io')).toBe('ghcr.io');
  expect(normalizeRegistryHost('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
  expect(normalizeRegistryHost('quay.io')).toBe('quay.io');
});

test('reads `auth` (split at the first colon: passwords may hold colons) and username/password entries', () => {
  const config = parseDockerConfig(
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:to:ken') },
        'ghcr.io': { username: 'octo', password: 'ghp_x' },
        'quay.io': {},
      },
      credHelpers: { 'gcr.io': 'gcloud' },
    }),
  );
  expect(config.auths).toEqual({
    'docker.io': { username: 'hub', password: 'to:ken' },
    'ghcr.io': { username: 'octo', password: 'ghp_x' },
  });
  expect(config.helpers).toEqual({ 'gcr.io': 'gcloud' });
});

test('names the credential helper when a host has no inline credentials', () => {
  const config = parseDockerConfig(
    JSON.stringify({
      auths: { 'ghcr.io': { auth: b64('a:b') } },
      credsStore: 'osxkeychain',
      credHelpers: { 'gcr.io': 'gcloud' },
    }),
  );
  expect(helperHint(config, 'ghcr.io')).toBeUndefined();
  expect(helperHint(config, 'gcr.io')).toContain('"docker-credential-gcloud" (credHelpers."gcr.io")');
  expect(helperHint(config, 'quay.io')).toContain('"docker-credential-osxkeychain" (credsStore)');
  expect(helperHint(parseDockerConfig('{"auths":{}}'), 'quay.io')).toBeUndefined();
});

test('rejects what is not a config object, with the position of a syntax error', () => {
  expect(() => parseDockerConfig('[]')).toThrow(DockerConfigError);
  expect(() => parseDockerConfig('{"auths": []}')).toThrow(/"auths" must be an object keyed by registry host/);
  expect(() => parseDockerConfig('{\n"auths": {\n  "x": {"auth": "abc"\n}')).toThrow(
    /not valid JSON at line \d+, column \d+/,
  );
  expect(() => parseDockerConfig(JSON.stringify({ auths: { x: { auth: '!!not base64!!' } } }))).toThrow(
    /auths."x".auth must be base64/,
  );
});

test('parses WWW-Authenticate challenges', () => {
  expect(
    parseChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
    ),
  ).toEqual({
    scheme: 'bearer',
    realm: 'https://auth.docker.io/token',
    service: 'registry.docker.io',
  });
  expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
    scheme: 'basic',
    realm: 'Registry Realm',
    service: undefined,
  });
  expect(parseChallenge('bearer realm=https://x/token, service=svc')).toMatchObject({
    realm: 'https://x/token',
    service: 'svc',
  });
  expect(parseChallenge('Negotiate')).toBeUndefined();
  expect(parseChallenge(null)).toBeUndefined();
});

test('finds the rel="next" link among others', () => {
  expect(nextLink('</v2/a/tags/list?last=x&n=2>; rel="next"')).toBe('/v2/a/tags/list?last=x&n=2');
  expect(nextLink('<https://r/first>; rel="first", <https://r/v2/a/tags/list?last=y>; rel=next')).toBe(
    'https://r/v2/a/tags/list?last=y',
  );
  expect(nextLink('<https://r/prev>; rel="prev"')).toBeUndefined();
  expect(nextLink('<https://r/x>; rel="prev next"')).toBe('https://r/x');
  expect(nextLink(null)).toBeUndefined();
});
