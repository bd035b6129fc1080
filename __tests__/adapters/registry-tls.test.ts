// The registry adapter against a real registry serving TLS with a certificate from a self-signed test CA.
import { createRegistry, RegistryError } from '../../src/adapters/registry.js';
import { MEDIA_TYPES, pushImage } from '../support/registry-push.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';

let server: RegistryServer;
let digest: string;

beforeAll(async () => {
  server = await startRegistry({ tls: true, auth: 'htpasswd', users: { tls: 'tls-secret' } });
  digest = (
    await pushImage(
      {
        url: server.url,
        repository: 'acme/secure',
        dispatcher: server.dispatcher,
        username: 'tls',
        password: 'tls-secret',
      },
      { tags: ['1.0'] },
    )
  ).digest;
});
afterAll(async () => {
  await server?.stop();
});

const credentials = (): Record<string, { username: string; password: string }> => ({
  [server.host]: { username: 'tls', password: 'tls-secret' },
});

test('with the CA in caCertificates, lists and resolves over https', async () => {
  expect(server.url.startsWith('https://')).toBe(true);
  const registry = createRegistry({ caCertificates: server.caPem, credentials: credentials() });
  expect(await registry.listTags(`${server.host}/acme/secure`)).toEqual(['1.0']);
  expect(await registry.resolve(`${server.host}/acme/secure`, '1.0')).toEqual({
    digest,
    mediaType: MEDIA_TYPES.ociManifest,
  });
});

test('without the CA, a clear error says the certificate could not be verified and what to add', async () => {
  const registry = createRegistry({ credentials: credentials() });
  const error = await registry.resolve(`${server.host}/acme/secure`, '1.0').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as Error).message).toMatch(
    new RegExp(
      `^registry ${server.host.replace(/\./g, '\\.')}: the TLS certificate of ${server.host.replace(/\./g, '\\.')} could not be verified \\([A-Z_]+\\): add the CA that signed it \\(PEM\\) to caCertificates$`,
    ),
  );
  expect((error as Error).message).not.toContain('tls-secret');
});

test('a CA that did not sign the certificate does not help', async () => {
  const other = await startRegistry({ tls: true });
  try {
    const registry = createRegistry({ caCertificates: other.caPem, credentials: credentials() });
    await expect(registry.listTags(`${server.host}/acme/secure`)).rejects.toThrow(/could not be verified/);
  } finally {
    await other.stop();
  }
});

test('plainHttp against a TLS port fails clearly rather than hanging', async () => {
  const registry = createRegistry({ plainHttp: [server.host], maxRetries: 0, credentials: credentials() });
  const error = await registry.listTags(`${server.host}/acme/secure`).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as RegistryError).status).toBe(400); // Go's TLS server answers plain HTTP with 400
  expect((error as Error).message).toContain(`it serves HTTPS: remove ${server.host} from plainHttp`);
});
