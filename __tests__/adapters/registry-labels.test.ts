// Image labels read from a real distribution registry (Debian's docker-registry): the config blob's Labels and the
// manifest's annotations, through an index too; and the release-note links they give.
import { createRegistry, type Registry } from '../../src/adapters/registry.js';
import { compareLink, registryReference, REVISION_LABEL, SOURCE_LABEL } from '../../src/core/release-notes.js';
import { releaseNotes } from '../../src/engine/release-notes.js';
import { pushImage, pushIndex, type PushTarget } from '../support/registry-push.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';
import { makePlan } from '../engine/publish-fixtures.js';

let server: RegistryServer;
let registry: Registry;
const target = (repository: string): PushTarget => ({ url: server.url, repository });
const labelled = (revision: string) => ({
  [SOURCE_LABEL]: 'https://github.com/acme/api',
  [REVISION_LABEL]: revision,
});

beforeAll(async () => {
  server = await startRegistry();
  registry = createRegistry({ plainHttp: [server.host] });
});
afterAll(async () => {
  await server?.stop();
});

test('reads the labels of an image config, OCI and Docker, and the manifest annotations', async () => {
  await pushImage(target('acme/api'), { tags: ['1.0.0'], labels: labelled('aaa111') });
  await pushImage(target('acme/api'), { tags: ['1.1.0'], format: 'docker', labels: labelled('bbb222') });
  const annotated = await pushImage(target('acme/api'), {
    tags: ['1.2.0'],
    annotations: { [SOURCE_LABEL]: 'https://github.com/acme/api', [REVISION_LABEL]: 'ccc333' },
  });
  expect(await registry.labels(`${server.host}/acme/api`, '1.0.0')).toMatchObject(labelled('aaa111'));
  expect(await registry.labels(`${server.host}/acme/api`, '1.1.0')).toMatchObject(labelled('bbb222'));
  expect(await registry.labels(`${server.host}/acme/api`, annotated.digest)).toMatchObject(labelled('ccc333'));
  expect(await registry.labels(`${server.host}/acme/api`, '9.9.9')).toBeUndefined();
});

test('reads the linux/amd64 image of a multi-arch index', async () => {
  const arm = await pushImage(target('acme/multi'), {
    platform: { os: 'linux', architecture: 'arm64' },
    labels: labelled('arm'),
  });
  const amd = await pushImage(target('acme/multi'), {
    platform: { os: 'linux', architecture: 'amd64' },
    labels: labelled('amd'),
  });
  await pushIndex(target('acme/multi'), '2.0.0', [arm, amd]);
  expect((await registry.labels(`${server.host}/acme/multi`, '2.0.0'))?.[REVISION_LABEL]).toBe('amd');
});

test('a promotion gets a compare link for images whose old and new versions carry both labels, and only those', async () => {
  await pushImage(target('acme/web'), { tags: ['1.0.0'], labels: labelled('0a1b2c') });
  await pushImage(target('acme/web'), { tags: ['1.1.0'], labels: labelled('3d4e5f') });
  await pushImage(target('acme/bare'), { tags: ['1.0.0'] });
  await pushImage(target('acme/bare'), { tags: ['1.1.0'] });
  const plan = makePlan('dev', 'staging', [
    { file: 'a.yaml', image: `${server.host}/acme/web`, old: '1.0.0', new: '1.1.0' },
    { file: 'b.yaml', image: `${server.host}/acme/bare`, old: '1.0.0', new: '1.1.0' },
    { file: 'c.yaml', image: `${server.host}/acme/missing`, old: '1.0.0', new: '1.1.0' },
    { file: 'd.yaml', image: '127.0.0.1:1/acme/unreachable', old: '1.0.0', new: '1.1.0' },
  ]);
  const problems: string[] = [];
  expect(await releaseNotes(registry, plan, (message) => problems.push(message))).toEqual({
    [`${server.host}/acme/web`]: 'https://github.com/acme/api/compare/0a1b2c...3d4e5f',
  });
  // A repository the registry does not know, or a registry that does not answer, costs its link, never the promotion.
  expect(problems).toEqual([expect.stringContaining('No release notes for 127.0.0.1:1/acme/unreachable')]);
});

describe('compareLink (pure)', () => {
  const at = (source: string | undefined, revision: string | undefined) => ({
    ...(source === undefined ? {} : { [SOURCE_LABEL]: source }),
    ...(revision === undefined ? {} : { [REVISION_LABEL]: revision }),
  });
  test.each([
    [
      'both labelled',
      at('https://github.com/acme/api', 'a1'),
      at('https://github.com/acme/api', 'b2'),
      'https://github.com/acme/api/compare/a1...b2',
    ],
    [
      '.git and a slash dropped',
      at('https://github.com/acme/api.git', 'a1'),
      at('https://github.com/acme/api/', 'b2'),
      'https://github.com/acme/api/compare/a1...b2',
    ],
    [
      'another server',
      at('https://git.acme.example/acme/api', 'v1.0.0'),
      at('https://git.acme.example/acme/api', 'v1.1.0'),
      'https://git.acme.example/acme/api/compare/v1.0.0...v1.1.0',
    ],
    ['old unlabelled', undefined, at('https://github.com/acme/api', 'b2'), undefined],
    [
      'no old revision',
      at('https://github.com/acme/api', undefined),
      at('https://github.com/acme/api', 'b2'),
      undefined,
    ],
    ['sources differ', at('https://github.com/acme/api', 'a1'), at('https://github.com/acme/web', 'b2'), undefined],
    ['same revision', at('https://github.com/acme/api', 'a1'), at('https://github.com/acme/api', 'a1'), undefined],
    ['not https', at('http://github.com/acme/api', 'a1'), at('http://github.com/acme/api', 'b2'), undefined],
    ['javascript', at('javascript:alert(1)', 'a1'), at('javascript:alert(1)', 'b2'), undefined],
    [
      'a revision with markup',
      at('https://github.com/acme/api', 'a1'),
      at('https://github.com/acme/api', 'b2)[x](y'),
      undefined,
    ],
    [
      'a deeper path',
      at('https://github.com/acme/api/tree/main', 'a1'),
      at('https://github.com/acme/api/tree/main', 'b2'),
      undefined,
    ],
  ])('%s', (_name, before, after, link) => {
    expect(compareLink(before, after)).toBe(link);
  });

  test.each([
    ['1.2.3', '1.2.3'],
    ['1.2.3@sha256:abc', 'sha256:abc'],
    ['@sha256:abc', 'sha256:abc'],
  ])('registryReference(%s) is %s', (version, reference) => expect(registryReference(version)).toBe(reference));
});
