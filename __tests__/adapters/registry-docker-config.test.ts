// Reading credentials out of a Docker config.json's text, and the header parsers the registry adapter relies on.
import {
  DockerConfigError,
  helperFor,
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

test('picks the credential helper as Docker does: credHelpers for the host, else credsStore', () => {
  const config = parseDockerConfig(
    JSON.stringify({
      auths: { 'ghcr.io': {} },
      credsStore: 'osxkeychain',
      credHelpers: { 'https://gcr.io': 'gcloud', '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr-login' },
    }),
  );
  expect(helperFor(config, 'gcr.io')).toEqual({ name: 'gcloud', source: 'credHelpers."gcr.io"' });
  expect(helperFor(config, '123.dkr.ecr.eu-west-1.amazonaws.com')?.name).toBe('ecr-login');
  expect(helperFor(config, 'ghcr.io')).toEqual({ name: 'osxkeychain', source: 'credsStore' });
  expect(helperFor(parseDockerConfig('{"auths":{}}'), 'quay.io')).toBeUndefined();
  expect(helperFor(undefined, 'quay.io')).toBeUndefined();
});

test('reads an identity token (what `docker login` keeps for registries with OAuth2 token services)', () => {
  const config = parseDockerConfig(JSON.stringify({ auths: { 'myregistry.azurecr.io': { identitytoken: 'eyJ-r' } } }));
  expect(config.auths).toEqual({ 'myregistry.azurecr.io': { username: '', password: '', identityToken: 'eyJ-r' } });
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
