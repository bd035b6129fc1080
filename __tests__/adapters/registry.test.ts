// The registry adapter against a real, anonymous CNCF distribution registry (Debian's docker-registry).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRegistry, MANIFEST_MEDIA_TYPES, RegistryError, type Registry } from '../../src/adapters/registry.js';
import { MEDIA_TYPES, pushImage, pushIndex, pushTags, type PushTarget } from '../support/registry-push.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';

const run = promisify(execFile);

let server: RegistryServer;
let registry: Registry;
const target = (repository: string): PushTarget => ({ url: server.url, repository });

beforeAll(async () => {
  server = await startRegistry();
  registry = createRegistry({ plainHttp: [server.host] });
});
afterAll(async () => {
  await server?.stop();
});

test('lists the tags of a repository and resolves a tag to the digest the registry computed', async () => {
  const pushed = await pushImage(target('acme/api'), { tags: ['1.0.0', 'latest'] });
  expect((await registry.listTags(`${server.host}/acme/api`)).sort()).toEqual(['1.0.0', 'latest']);
  expect(await registry.resolve(`${server.host}/acme/api`, '1.0.0')).toEqual({
    digest: pushed.digest,
    mediaType: MEDIA_TYPES.ociManifest,
  });
  // A digest reference resolves to itself.
  expect(await registry.resolve(`${server.host}/acme/api`, pushed.digest)).toEqual({
    digest: pushed.digest,
    mediaType: MEDIA_TYPES.ociManifest,
  });
});

test('resolves a multi-arch OCI index to the index digest; without the index type in Accept the tag reads as missing', async () => {
  const amd64 = await pushImage(target('acme/multi'), { platform: { os: 'linux', architecture: 'amd64' } });
  const arm64 = await pushImage(target('acme/multi'), {
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  });
  const index = await pushIndex(target('acme/multi'), '2.0.0', [amd64, arm64]);

  expect(await registry.resolve(`${server.host}/acme/multi`, '2.0.0')).toEqual({
    digest: index.digest,
    mediaType: MEDIA_TYPES.ociIndex,
  });

  // The trap the adapter avoids: a client asking only for manifest types is told the tag does not exist.
  const manifestsOnly = await fetch(`${server.url}/v2/acme/multi/manifests/2.0.0`, {
    method: 'HEAD',
    headers: { accept: `${MEDIA_TYPES.ociManifest}, ${MEDIA_TYPES.dockerManifest}` },
  });
  expect(manifestsOnly.status).toBe(404);
  const allFour = await fetch(`${server.url}/v2/acme/multi/manifests/2.0.0`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
  });
  expect(allFour.status).toBe(200);
  expect(allFour.headers.get('docker-content-digest')).toBe(index.digest);
});

test('sends all four manifest media types in Accept', async () => {
  const accepts: string[] = [];
  const recording = createRegistry({
    plainHttp: [server.host],
    fetch: async (input, init) => {
      accepts.push(new Headers(init?.headers).get('accept') ?? '');
      return fetch(input, init);
    },
  });
  await pushImage(target('acme/accept'), { tags: ['v1'] });
  await recording.resolve(`${server.host}/acme/accept`, 'v1');
  expect(accepts).toHaveLength(1);
  expect(accepts[0].split(/,\s*/).sort()).toEqual(
    [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest].sort(),
  );
});

test('resolves a Docker v2 schema 2 manifest and a Docker manifest list', async () => {
  const image = await pushImage(target('acme/legacy'), { format: 'docker', tags: ['3.1'] });
  expect(await registry.resolve(`${server.host}/acme/legacy`, '3.1')).toEqual({
    digest: image.digest,
    mediaType: MEDIA_TYPES.dockerManifest,
  });
  // The trap for Docker manifests: a HEAD without Accept is refused outright.
  const bare = await fetch(`${server.url}/v2/acme/legacy/manifests/3.1`, { method: 'HEAD' });
  expect(bare.ok).toBe(false);

  const other = await pushImage(target('acme/legacy'), {
    format: 'docker',
    platform: { os: 'linux', architecture: 'arm64' },
  });
  const list = await pushIndex(target('acme/legacy'), '3.1-multi', [image, other], 'docker');
  expect(await registry.resolve(`${server.host}/acme/legacy`, '3.1-multi')).toEqual({
    digest: list.digest,
    mediaType: MEDIA_TYPES.dockerList,
  });
});

test('a missing tag, digest or repository reads as undefined', async () => {
  await pushImage(target('acme/present'), { tags: ['1'] });
  expect(await registry.resolve(`${server.host}/acme/present`, 'nope')).toBeUndefined();
  expect(await registry.resolve(`${server.host}/acme/present`, `sha256:${'0'.repeat(64)}`)).toBeUndefined();
  expect(await registry.resolve(`${server.host}/acme/absent`, '1')).toBeUndefined();
});

test('listing tags of a missing repository is a clear error naming it', async () => {
  const error = await registry.listTags(`${server.host}/acme/absent`).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as RegistryError).status).toBe(404);
  expect((error as RegistryError).repository).toBe(`${server.host}/acme/absent`);
  expect((error as Error).message).toContain(`registry ${server.host} has no repository acme/absent`);
  expect((error as Error).message).toContain('NAME_UNKNOWN');
});

test('tags pushed in non-sorted order all come back, as skopeo sees them', async () => {
  const tags = ['1.10.0', '1.2.0', 'latest', '0.9.1', '1.9.0-rc.1', '2.0.0', 'a_b', '1.2.0-alpha'];
  await pushTags(target('acme/many'), tags);
  const listed = await registry.listTags(`${server.host}/acme/many`);
  expect([...listed].sort()).toEqual([...tags].sort());
  expect(new Set(listed).size).toBe(listed.length);

  const { stdout } = await run('skopeo', ['list-tags', '--tls-verify=false', `docker://${server.host}/acme/many`]);
  expect([...(JSON.parse(stdout) as { Tags: string[] }).Tags].sort()).toEqual([...listed].sort());
});

test('agrees with skopeo on the digest of a tag', async () => {
  const pushed = await pushImage(target('acme/skopeo'), { tags: ['4.2'] });
  const { stdout } = await run('skopeo', [
    'inspect',
    '--raw',
    '--tls-verify=false',
    `docker://${server.host}/acme/skopeo:4.2`,
  ]);
  const { createHash } = await import('node:crypto');
  const skopeoDigest = `sha256:${createHash('sha256').update(stdout).digest('hex')}`;
  expect(skopeoDigest).toBe(pushed.digest);
  expect((await registry.resolve(`${server.host}/acme/skopeo`, '4.2'))?.digest).toBe(skopeoDigest);
});

test('rejects a reference that is neither a tag nor a digest, and a repository with a tag', async () => {
  await expect(registry.resolve(`${server.host}/acme/api`, '../../etc')).rejects.toThrow(/neither a tag nor a digest/);
  await expect(registry.listTags(`${server.host}/acme/api:1.0`)).rejects.toThrow(/without a tag or digest/);
  await expect(registry.listTags('Not A Repo')).rejects.toBeInstanceOf(RegistryError);
});

test('hosts are reached over https unless listed in plainHttp', async () => {
  const strict = createRegistry({ maxRetries: 0 });
  const error = await strict.listTags(`${server.host}/acme/api`).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as Error).message).toMatch(new RegExp(`list ${server.host.replace('.', '\\.')} in plainHttp`));
});
