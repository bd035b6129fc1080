// The Registry port's contract (src/adapters/registry.ts), run against each implementation over a real registry: the
// client, and the on-demand wrapper the CLI and the action use (it builds the client at the first call).
import {
  createRegistry,
  createRegistryOnDemand,
  RegistryError,
  type Registry,
  type RegistryOptions,
} from '../../src/adapters/registry.js';
import { MEDIA_TYPES, pushImage } from '../support/registry-push.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';

let server: RegistryServer;

beforeAll(async () => {
  server = await startRegistry();
});
afterAll(async () => {
  await server?.stop();
});

const implementations: { name: string; make: (options: RegistryOptions) => Registry }[] = [
  { name: 'createRegistry', make: createRegistry },
  { name: 'createRegistryOnDemand', make: createRegistryOnDemand },
];

describe.each(implementations)('the Registry port: $name', ({ name, make }) => {
  test('lists tags and resolves a tag and a digest to the digest the registry computed', async () => {
    const registry = make({ plainHttp: [server.host] });
    const repository = `${server.host}/contract/${name.toLowerCase()}`;
    const pushed = await pushImage(
      { url: server.url, repository: `contract/${name.toLowerCase()}` },
      { tags: ['1.0.0', '1.1.0'] },
    );
    expect((await registry.listTags(repository)).sort()).toEqual(['1.0.0', '1.1.0']);
    const manifest = { digest: pushed.digest, mediaType: MEDIA_TYPES.ociManifest };
    expect(await registry.resolve(repository, '1.1.0')).toEqual(manifest);
    expect(await registry.resolve(repository, pushed.digest)).toEqual(manifest);
  });

  test('a missing tag or repository resolves to undefined; listing a missing repository is a RegistryError', async () => {
    const registry = make({ plainHttp: [server.host] });
    await pushImage({ url: server.url, repository: 'contract/present' }, { tags: ['1.0.0'] });
    expect(await registry.resolve(`${server.host}/contract/present`, '9.9.9')).toBeUndefined();
    expect(await registry.resolve(`${server.host}/contract/absent`, '1.0.0')).toBeUndefined();
    await expect(registry.listTags(`${server.host}/contract/absent`)).rejects.toBeInstanceOf(RegistryError);
  });
});
