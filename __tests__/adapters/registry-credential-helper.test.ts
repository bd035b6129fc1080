// Docker credential helpers (credsStore, credHelpers): a fake `docker-credential-*` script on PATH answers as real ones
// do (`get`, the server on stdin, {ServerURL, Username, Secret} on stdout), in front of real registries.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCredentialHelper } from '../../src/adapters/docker-config.js';
import { createRegistry, RegistryError } from '../../src/adapters/registry.js';
import { pushImage } from '../support/registry-push.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';

const USER = 'robot';
const PASSWORD = 'helper-s3cret:with colon';
const IDENTITY_TOKEN = 'identity-refresh-t0ken';

let bin: string;
let env: Record<string, string>;

/**
 * Writes `docker-credential-<name>`: logs its argument and stdin to <name>.log, then answers from <name>.json
 * (`{"<server>": {"Username": ..., "Secret": ...}}`) or prints Docker's not-found text and exits 1; `fail` and `garbage`
 * behaviours for the error paths.
 */
async function helper(
  name: string,
  answers: Record<string, { Username: string; Secret: string }> | 'fail' | 'garbage',
) {
  const log = path.join(bin, `${name}.log`);
  const data = path.join(bin, `${name}.json`);
  await writeFile(data, JSON.stringify(answers));
  await writeFile(
    path.join(bin, `docker-credential-${name}`),
    `#!/bin/sh
server="$(cat)"
printf '%s %s\\n' "$1" "$server" >> '${log}'
case "$(cat '${data}')" in
  '"fail"') echo "keychain locked: cannot read" >&2; exit 3 ;;
  '"garbage"') echo "Secret=${PASSWORD}"; exit 0 ;;
esac
exec node -e '
  const answers = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const found = answers[process.argv[2]];
  if (!found) { console.log("credentials not found in native keychain"); process.exit(1); }
  console.log(JSON.stringify({ ServerURL: process.argv[2], ...found }));
' '${data}' "$server"
`,
  );
  await chmod(path.join(bin, `docker-credential-${name}`), 0o755);
}

const calls = async (name: string): Promise<string[]> =>
  (await readFile(path.join(bin, `${name}.log`), 'utf8').catch(() => '')).split('\n').filter(Boolean);

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

function expectNoSecret(error: Error): void {
  const text = `${error.message} ${String(error.stack)} ${JSON.stringify(error)} ${String(error.cause)}`;
  for (const secret of [PASSWORD, IDENTITY_TOKEN]) expect(text).not.toContain(secret);
}

beforeAll(async () => {
  bin = await mkdtemp(path.join(tmpdir(), 'stagecoach-helpers-'));
  env = { PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin` };
});

afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

describe('with a registry behind htpasswd basic auth', () => {
  let server: RegistryServer;
  beforeAll(async () => {
    server = await startRegistry({ auth: 'htpasswd', users: { [USER]: PASSWORD } });
    await pushImage({ url: server.url, repository: 'acme/api', username: USER, password: PASSWORD }, { tags: ['1.0'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('credsStore: the helper is asked once for the host, with `get` and the host on stdin', async () => {
    await helper('store', { [server.host]: { Username: USER, Secret: PASSWORD } });
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig: JSON.stringify({ auths: { [server.host]: {} }, credsStore: 'store' }),
      env,
    });
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['1.0']);
    expect((await registry.resolve(`${server.host}/acme/api`, '1.0'))?.digest).toMatch(/^sha256:/);
    expect(await calls('store')).toEqual([`get ${server.host}`]);
  });

  test('credHelpers for the host win over credsStore', async () => {
    await helper('per-host', { [server.host]: { Username: USER, Secret: PASSWORD } });
    await helper('empty-store', {});
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig: JSON.stringify({ credsStore: 'empty-store', credHelpers: { [server.host]: 'per-host' } }),
      env,
    });
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['1.0']);
    expect(await calls('per-host')).toEqual([`get ${server.host}`]);
    expect(await calls('empty-store')).toEqual([]);
  });

  test('given credentials win, and the helper is not run', async () => {
    await helper('unused', 'fail');
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig: JSON.stringify({ credsStore: 'unused' }),
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
      env,
    });
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['1.0']);
    expect(await calls('unused')).toEqual([]);
  });

  test('a helper with nothing for the host: the 401 says so and how to log in', async () => {
    await helper('nothing', {});
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig: JSON.stringify({ credsStore: 'nothing' }),
      env,
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      `registry ${server.host} denied access to acme/api: the credential helper docker-credential-nothing has no ` +
        `credentials for ${server.host} (run \`docker login ${server.host}\`)`,
    );
  });

  test("a helper's wrong password is refused without showing it", async () => {
    await helper('stale', { [server.host]: { Username: USER, Secret: `${PASSWORD}-old` } });
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig: JSON.stringify({ credsStore: 'stale' }),
      env,
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.message).toBe(
      `registry ${server.host} denied access to acme/api with the credential helper docker-credential-stale for ` +
        `${server.host}: check the username and password (or token) and that they may pull acme/api`,
    );
    expectNoSecret(error);
  });

  test('a failing helper: its exit status and message', async () => {
    await helper('locked', 'fail');
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig: JSON.stringify({ credHelpers: { [server.host]: 'locked' } }),
      env,
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.message).toBe(
      `registry ${server.host}: the credential helper "docker-credential-locked" (credHelpers."${server.host}" in the ` +
        `Docker config.json) failed (exit 3) for ${server.host}: keychain locked: cannot read`,
    );
  });

  test('a helper that answers something other than JSON: an error that does not repeat the answer', async () => {
    await helper('garbled', 'garbage');
    const registry = createRegistry({
      plainHttp: [server.host],
      dockerConfig: JSON.stringify({ credsStore: 'garbled' }),
      env,
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.message).toContain('answered for');
    expect(error.message).toContain('{"ServerURL", "Username", "Secret"}');
    expectNoSecret(error);
  });
});

describe('with a registry behind a token server', () => {
  let server: RegistryServer;
  beforeAll(async () => {
    server = await startRegistry({
      auth: 'token',
      users: { [USER]: PASSWORD },
      identityTokens: { [IDENTITY_TOKEN]: USER },
    });
    await pushImage({ url: server.url, repository: 'acme/api', username: USER, password: PASSWORD }, { tags: ['2.0'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('a `<token>` username: the secret is an identity token, exchanged at the token service (OAuth2 POST)', async () => {
    await helper('oauth', { [server.host]: { Username: '<token>', Secret: IDENTITY_TOKEN } });
    const requests: string[] = [];
    const registry = createRegistry({
      plainHttp: [server.host, server.tokenHost as string],
      dockerConfig: JSON.stringify({ credsStore: 'oauth' }),
      env,
      fetch: async (input, init) => {
        const authorization = new Headers(init?.headers).get('authorization');
        requests.push(`${init?.method} ${new URL(String(input)).host} ${authorization?.split(' ')[0] ?? '-'}`);
        return fetch(input, init);
      },
    });
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['2.0']);
    expect(requests).toEqual([
      `GET ${server.host} -`,
      `POST ${server.tokenHost} -`, // the identity token travels in the form body, never as Basic credentials
      `GET ${server.host} Bearer`,
    ]);
    expect(server.tokenLog?.accounts.at(-1)).toBe(USER);
    expect(server.tokenLog?.scopes.at(-1)).toBe('repository:acme/api:pull');
  });

  test('the same from `auths.<host>.identitytoken`, as `docker login` writes it', async () => {
    const registry = createRegistry({
      plainHttp: [server.host, server.tokenHost as string],
      dockerConfig: JSON.stringify({ auths: { [server.host]: { identitytoken: IDENTITY_TOKEN } } }),
      env,
    });
    expect(await registry.listTags(`${server.host}/acme/api`)).toEqual(['2.0']);
  });

  test('a revoked identity token is refused without showing it', async () => {
    const registry = createRegistry({
      plainHttp: [server.host, server.tokenHost as string],
      dockerConfig: JSON.stringify({ auths: { [server.host]: { identitytoken: `${IDENTITY_TOKEN}-revoked` } } }),
      env,
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.status).toBe(401);
    expect(error.message).toContain(`registry ${server.host} denied access to acme/api with the credentials given`);
    expectNoSecret(error);
  });
});

test('Docker Hub is asked for under its index URL, as Docker does', async () => {
  await helper('hub', { 'https://index.docker.io/v1/': { Username: 'octo', Secret: 'hub-token' } });
  expect(await runCredentialHelper({ name: 'hub', source: 'credsStore' }, 'docker.io', env)).toEqual({
    username: 'octo',
    password: 'hub-token',
  });
  expect(await calls('hub')).toEqual(['get https://index.docker.io/v1/']);
});
