// The registry adapter against real registries with htpasswd basic auth and with bearer tokens from a token server.
import { createRegistry, DockerConfigError, RegistryError } from '../../src/adapters/registry.js';
import { MEDIA_TYPES, pushImage } from '../support/registry-push.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';

const USER = 'ci-bot';
const PASSWORD = 'pa:ss w0rd!';

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

function expectNoSecret(error: Error, ...secrets: string[]): void {
  const text = `${error.message} ${String(error.stack)} ${JSON.stringify(error)}`;
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(`${USER}:${secret}`).toString('base64'));
  }
}

describe('htpasswd basic auth', () => {
  let server: RegistryServer;
  let digest: string;
  beforeAll(async () => {
    server = await startRegistry({ auth: 'htpasswd', users: { [USER]: PASSWORD } });
    digest = (
      await pushImage(
        { url: server.url, repository: 'acme/api', username: USER, password: PASSWORD },
        { tags: ['1.0'] },
      )
    ).digest;
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('the right password lists and resolves', async () => {
    const registry = createRegistry({
      plainHttp: [server.host],
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
    });
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['1.0']);
    expect(await registry.resolve(`${server.host}/acme/api`, '1.0')).toEqual({
      digest,
      mediaType: MEDIA_TYPES.ociManifest,
    });
  });

  test('after the first challenge, credentials are sent up front', async () => {
    const authorizations: Array<string | null> = [];
    const registry = createRegistry({
      plainHttp: [server.host],
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
      fetch: async (input, init) => {
        authorizations.push(new Headers(init?.headers).get('authorization'));
        return fetch(input, init);
      },
    });
    await registry.resolve(`${server.host}/acme/api`, '1.0');
    await registry.resolve(`${server.host}/acme/api`, '1.0');
    expect(authorizations.map((a) => a?.split(' ')[0] ?? null)).toEqual([null, 'Basic', 'Basic']);
  });

  test('a wrong password is a clear error that names the host and holds no secret', async () => {
    const registry = createRegistry({
      plainHttp: [server.host],
      credentials: { [server.host]: { username: USER, password: 'wrong-secret' } },
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      `registry ${server.host} denied access to acme/api with the credentials given for ${server.host}: ` +
        'check the username and password (or token) and that they may pull acme/api',
    );
    expectNoSecret(error, 'wrong-secret');
  });

  test('no credentials: the error says where to set them', async () => {
    const registry = createRegistry({ plainHttp: [server.host] });
    const error = await rejection(registry.resolve(`${server.host}/acme/api`, '1.0'));
    expect(error.message).toBe(
      `registry ${server.host} denied access to acme/api: set credentials for ${server.host} (input registry-credentials or a Docker config.json)`,
    );
  });

  test('credentials from a Docker config.json: `auth` (base64 user:pass) and username/password, keyed by URL or host', async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    for (const dockerConfig of [
      JSON.stringify({ auths: { [server.host]: { auth } } }),
      JSON.stringify({ auths: { [`http://${server.host}/v2/`]: { username: USER, password: PASSWORD } } }),
    ]) {
      const registry = createRegistry({ plainHttp: [server.host], dockerConfig });
      expect(await registry.resolve(`${server.host}/acme/api`, '1.0')).toEqual({
        digest,
        mediaType: MEDIA_TYPES.ociManifest,
      });
    }
  });

  test('explicit credentials win over the Docker config.json', async () => {
    const dockerConfig = JSON.stringify({
      auths: { [server.host]: { auth: Buffer.from(`${USER}:stale`).toString('base64') } },
    });
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig,
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
    });
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['1.0']);
  });

  test('a Docker config.json whose credential helper is not installed: a clear error naming it', async () => {
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig: JSON.stringify({ auths: { [server.host]: {} }, credsStore: 'desktop' }),
      env: { PATH: '/nonexistent' },
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.message).toBe(
      `registry ${server.host}: the credential helper "docker-credential-desktop" (credsStore in the Docker config.json) ` +
        'is not on PATH: install it, or take credsStore out of the config',
    );
  });

  test('a malformed Docker config.json fails at once, listing every problem', () => {
    const bad = JSON.stringify({
      auths: {
        'ghcr.io': { auth: 'bm90LWEtcGFpcg==' }, // "not-a-pair": no colon
        'quay.io': 'token',
        [server.host]: { registrytoken: 'refresh-secret' },
      },
      credHelpers: { 'gcr.io': '../../bin/sh' },
    });
    let error: unknown;
    try {
      createRegistry({ dockerConfig: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockerConfigError);
    expect((error as DockerConfigError).problems).toEqual([
      'auths."ghcr.io".auth must be base64 of "username:password" (as `docker login` writes it)',
      'auths."quay.io" must be an object with "auth" or "username"/"password"',
      `auths."${server.host}" holds only "registrytoken", which is not supported: use "auth" (base64 of username:password or username:token) instead`,
      'credHelpers."gcr.io" is "../../bin/sh", not a credential helper name (letters, digits, ".", "_", "-")',
    ]);
    expect((error as Error).message).not.toContain('refresh-secret');
    expect(() => createRegistry({ dockerConfig: '{\n  "auths": {\n    "ghcr.io": { "auth": "x" },\n  }\n}' })).toThrow(
      /not valid JSON at line 4, column 3/,
    );
  });
});

describe('bearer token auth through a token server', () => {
  let server: RegistryServer;
  let apiDigest: string;
  let webDigest: string;
  const READER = 'reader';
  const READER_PASSWORD = 'reader-secret';
  beforeAll(async () => {
    server = await startRegistry({
      auth: 'token',
      users: { [USER]: PASSWORD, [READER]: READER_PASSWORD },
      grants: {
        [USER]: [{ repository: '*', actions: ['pull', 'push'] }],
        [READER]: [{ repository: 'acme/api', actions: ['pull'] }],
        anonymous: [{ repository: 'public/tool', actions: ['pull'] }],
      },
    });
    const pusher = { url: server.url, username: USER, password: PASSWORD };
    apiDigest = (await pushImage({ ...pusher, repository: 'acme/api' }, { tags: ['1.0', '1.1'] })).digest;
    webDigest = (await pushImage({ ...pusher, repository: 'acme/web' }, { tags: ['2.0'] })).digest;
    await pushImage({ ...pusher, repository: 'public/tool' }, { tags: ['latest'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const plainHttp = (): string[] => [server.host, server.tokenHost!];

  test('lists and resolves with a token scoped to the repository, fetched once and cached', async () => {
    server.tokenLog!.scopes.length = 0;
    const registry = createRegistry({
      plainHttp: plainHttp(),
      credentials: { [server.host]: { username: READER, password: READER_PASSWORD } },
    });
    expect((await registry.listTags(`${server.host}/acme/api`)).sort()).toEqual(['1.0', '1.1']);
    expect(await registry.resolve(`${server.host}/acme/api`, '1.1')).toEqual({
      digest: apiDigest,
      mediaType: MEDIA_TYPES.ociManifest,
    });
    expect(await registry.resolve(`${server.host}/acme/api`, '1.0')).toEqual({
      digest: apiDigest,
      mediaType: MEDIA_TYPES.ociManifest,
    });
    expect(server.tokenLog!.scopes).toEqual(['repository:acme/api:pull']);
  });

  test('the registry rejects a token granted for another repository', async () => {
    const registry = createRegistry({
      plainHttp: plainHttp(),
      credentials: { [server.host]: { username: READER, password: READER_PASSWORD } },
    });
    const token = await fetch(
      `http://${server.tokenHost}/token?service=stagecoach-test-registry&scope=repository:acme/api:pull`,
      { headers: { authorization: `Basic ${Buffer.from(`${READER}:${READER_PASSWORD}`).toString('base64')}` } },
    ).then(async (r) => ((await r.json()) as { token: string }).token);
    const forOther = await fetch(`${server.url}/v2/acme/web/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await forOther.arrayBuffer();
    expect(forOther.status).toBe(401);
    const forOwn = await fetch(`${server.url}/v2/acme/api/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(forOwn.status).toBe(200);
    await forOwn.arrayBuffer();

    // The adapter asks a token per repository; the reader's token for acme/web grants nothing, so access is denied.
    const error = await rejection(registry.resolve(`${server.host}/acme/web`, '2.0'));
    expect(error.status).toBe(401);
    expect(error.message).toContain(`denied access to acme/web with the credentials given for ${server.host}`);
    expect(server.tokenLog!.scopes).toContain('repository:acme/web:pull');
  });

  test('a user granted every repository gets a separate token per repository', async () => {
    server.tokenLog!.scopes.length = 0;
    const registry = createRegistry({
      plainHttp: plainHttp(),
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
    });
    expect((await registry.resolve(`${server.host}/acme/web`, '2.0'))?.digest).toBe(webDigest);
    expect((await registry.resolve(`${server.host}/acme/api`, '1.0'))?.digest).toBe(apiDigest);
    expect((await registry.resolve(`${server.host}/acme/web`, '2.0'))?.digest).toBe(webDigest);
    expect(server.tokenLog!.scopes).toEqual(['repository:acme/web:pull', 'repository:acme/api:pull']);
  });

  test('concurrent calls share one token request', async () => {
    server.tokenLog!.scopes.length = 0;
    const registry = createRegistry({
      plainHttp: plainHttp(),
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
    });
    await registry.listTags(`${server.host}/acme/api`); // learns the challenge
    server.tokenLog!.scopes.length = 0;
    const results = await Promise.all(
      ['2.0', '2.0', 'missing', '2.0'].map((tag) => registry.resolve(`${server.host}/acme/web`, tag)),
    );
    expect(results.map((r) => r?.digest)).toEqual([webDigest, webDigest, undefined, webDigest]);
    expect(server.tokenLog!.scopes).toEqual(['repository:acme/web:pull']);
  });

  test('anonymous pull of a public repository gets an anonymous token', async () => {
    server.tokenLog!.accounts.length = 0;
    const registry = createRegistry({ plainHttp: plainHttp() });
    expect(await registry.listTags(`${server.host}/public/tool`)).toEqual(['latest']);
    expect(server.tokenLog!.accounts).toEqual(['anonymous']);
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.message).toContain(`set credentials for ${server.host}`);
  });

  test('a wrong password at the token server is a clear error without the secret', async () => {
    const registry = createRegistry({
      plainHttp: plainHttp(),
      credentials: { [server.host]: { username: USER, password: 'nope-secret' } },
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.status).toBe(401);
    expect(error.message).toContain(
      `registry ${server.host} denied access to acme/api with the credentials given for ${server.host}`,
    );
    expectNoSecret(error, 'nope-secret');
  });

  test('refuses to send credentials to a token service over plain http unless that host is listed', async () => {
    const registry = createRegistry({
      plainHttp: [server.host],
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.message).toContain(`token service as http://${server.tokenHost}, which is not HTTPS`);
  });

  test('credentials from a Docker config.json reach the token server', async () => {
    const dockerConfig = JSON.stringify({
      auths: { [server.host]: { auth: Buffer.from(`${READER}:${READER_PASSWORD}`).toString('base64') } },
    });
    server.tokenLog!.accounts.length = 0;
    const registry = createRegistry({ plainHttp: plainHttp(), dockerConfig });
    expect((await registry.resolve(`${server.host}/acme/api`, '1.0'))?.digest).toBe(apiDigest);
    expect(server.tokenLog!.accounts).toEqual([READER]);
  });
});

describe('bearer token expiry', () => {
  let server: RegistryServer;
  beforeAll(async () => {
    server = await startRegistry({ auth: 'token', users: { [USER]: PASSWORD }, tokenExpiresIn: 1 });
    await pushImage({ url: server.url, repository: 'acme/api', username: USER, password: PASSWORD }, { tags: ['1.0'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('a token past its expires_in is replaced, and a token the registry rejects is replaced once', async () => {
    const registry = createRegistry({
      plainHttp: [server.host, server.tokenHost!],
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
    });
    server.tokenLog!.scopes.length = 0;
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['1.0']);
    expect(server.tokenLog!.scopes).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past expires_in: 1
    server.tokenLog!.staleNext = 1; // the token fetched up front is refused by the registry
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['1.0']);
    expect(server.tokenLog!.scopes).toHaveLength(3);
  });
});
