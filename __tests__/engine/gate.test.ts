import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCommands } from '../../src/adapters/commands.js';
import { createGit } from '../../src/adapters/git.js';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { createRegistry } from '../../src/adapters/registry.js';
import { parseImageArguments } from '../../src/engine/registry-source.js';
import { loadPipeline } from '../../src/engine/load-config.js';
import { runGatedPromotion } from '../../src/engine/gate.js';
import { planStages } from '../../src/engine/plan.js';
import { createHistory } from '../support/git-history.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';
import { pushTags } from '../support/registry-push.js';
import { deploymentYaml } from '../support/manifests.js';

const T0 = 1_760_000_000;
const HOUR = 3600;

let registry: RegistryServer;
let digests: Map<string, string>;
beforeAll(async () => {
  registry = await startRegistry();
  digests = await pushTags({ url: registry.url, repository: 'acme/api' }, ['1.0.0', '1.1.0', '1.2.0-rc.1', '0.9.0']);
});
afterAll(() => registry?.stop());

const deployment = (version: string) => deploymentYaml(`${registry.host}/acme/api:${version}`);

function repo(stagingGates: string, devVersion = '1.1.0') {
  const history = createHistory();
  history.commit(
    {
      'stagecoach.yaml': `stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n${stagingGates}images:\n  - image: ${registry.host}/acme/api\n    policy: { semver: ">=1.0.0" }\n`,
      'envs/dev/api.yaml': deployment('1.0.0'),
      'envs/staging/api.yaml': deployment('1.0.0'),
    },
    'start',
    T0,
  );
  history.commit({ 'envs/dev/api.yaml': deployment(devVersion) }, 'dev', T0 + 2 * HOUR);
  return history;
}

async function promote(dir: string, now = T0 + 3 * HOUR, images?: string[]) {
  const files = createLocalFiles(dir);
  const pipeline = await loadPipeline(files, {});
  return runGatedPromotion(
    {
      files,
      workDir: dir,
      git: createGit(dir),
      registry: createRegistry({ plainHttp: [registry.host] }),
      commands: createCommands({ killGraceMs: 200 }),
      now,
      baseEnv: { PATH: process.env.PATH ?? '' },
    },
    pipeline,
    images ? { to: 'staging', images: parseImageArguments(images) } : { from: 'dev', to: 'staging' },
    {},
  );
}

describe('gated promotion', () => {
  test('registry gate with pin writes tag@digest of exactly what the registry holds', async () => {
    const history = repo('    gates:\n      registry: { pin: true }\n');
    const result = await promote(history.dir);
    expect(result.passed).toBe(true);
    expect(result.gates.map((gate) => [gate.gate, gate.passed])).toEqual([['registry', true]]);
    const digest = digests.get('1.1.0') as string;
    expect(result.plan.changes[0].new).toBe(`1.1.0@${digest}`);
    expect(result.written['envs/staging/api.yaml']).toContain(`image: ${registry.host}/acme/api:1.1.0@${digest}`);
    expect(result.request.pins?.size).toBe(1);
    // The working tree is the caller's to write.
    expect(readFileSync(path.join(history.dir, 'envs/staging/api.yaml'), 'utf8')).toBe(deployment('1.0.0'));
  });

  test('registry pin and soak together: the soak is measured on the tag the source holds', async () => {
    const history = repo('    gates:\n      registry: { pin: true }\n      soak: 1h\n');
    const result = await promote(history.dir, T0 + 4 * HOUR);
    expect(result.gates.map((gate) => [gate.gate, gate.passed])).toEqual([
      ['registry', true],
      ['soak', true],
    ]);
    expect(result.plan.changes[0].new).toBe(`1.1.0@${digests.get('1.1.0')}`);
  });

  test('registry gate fails for a version the registry does not hold', async () => {
    const history = repo('    gates:\n      registry: true\n', '1.1.1');
    const result = await promote(history.dir);
    expect(result.passed).toBe(false);
    expect(result.gates[0].failures).toEqual([
      {
        image: `${registry.host}/acme/api`,
        version: '1.1.1',
        message: expect.stringMatching(/not found in the registry/),
      },
    ]);
  });

  test('soak gate measures from the commit that brought the version to the source stage', async () => {
    const history = repo('    gates:\n      soak: 2h\n');
    expect((await promote(history.dir, T0 + 4 * HOUR)).passed).toBe(true);
    const early = await promote(history.dir, T0 + 2 * HOUR + 30 * 60);
    expect(early.passed).toBe(false);
    expect(early.gates[0].details).toEqual([`${registry.host}/acme/api 1.1.0: in dev for 30m, needs 2h (1h30m to go)`]);
  });

  test('command gates run on the rewritten files in a scratch copy, with the plan in the environment; the working tree is never written', async () => {
    const history = repo('');
    const live = path.join(history.dir, 'envs/staging/api.yaml');
    writeFileSync(
      path.join(history.dir, 'stagecoach.yaml'),
      readFileSync(path.join(history.dir, 'stagecoach.yaml'), 'utf8').replace(
        '    path: envs/staging\n',
        `    path: envs/staging\n    gates:\n      commands:\n        - name: rendered\n          run: grep -q "acme/api:1.1.0" envs/staging/api.yaml && grep -q "acme/api:1.0.0" "$LIVE" && test "$PWD" != "$REPO" && test "$STAGECOACH_TO" = staging && test -s "$STAGECOACH_PLAN_FILE"\n          env: { LIVE: ${JSON.stringify(live)}, REPO: ${JSON.stringify(history.dir)} }\n        - name: fails\n          run: echo broken >&2; exit 4\n`,
      ),
    );
    history.commit({}, 'gates', T0 + 2 * HOUR + 1);
    const result = await promote(history.dir);
    expect(result.gates.map((gate) => [gate.name, gate.passed, gate.details])).toEqual([
      ['rendered', true, []],
      ['fails', false, ['command "fails" (echo broken >&2; exit 4) failed with exit code 4']],
    ]);
    expect(result.passed).toBe(false);
    expect(result.gates[1].output).toContain('broken');
    expect(history.git('status', '--porcelain')).toBe('');
  });

  test('gates after a failed registry gate do not run commands on versions that do not exist', async () => {
    const history = repo(
      '    gates:\n      registry: true\n      commands:\n        - name: never\n          run: exit 0\n',
      '9.9.9',
    );
    const result = await promote(history.dir);
    expect(result.gates.map((gate) => gate.gate)).toEqual(['registry']);
  });
});

describe('the registry as a source', () => {
  test('a bare repository takes the newest tag its semver policy allows (no pre-release)', async () => {
    const history = repo('');
    const files = createLocalFiles(history.dir);
    const pipeline = await loadPipeline(files, {});
    const { plan } = await planStages(
      files,
      pipeline,
      { to: 'staging', images: parseImageArguments([`${registry.host}/acme/api`]) },
      createRegistry({ plainHttp: [registry.host] }),
    );
    expect(plan.from).toBe('images');
    expect(plan.changes.map((change) => [change.old, change.new])).toEqual([['1.0.0', '1.1.0']]);
  });

  test('a named tag or digest is set as given, wherever the image appears', async () => {
    const history = repo('');
    const digest = digests.get('1.2.0-rc.1') as string;
    // A digest alone replaces the tag too: keeping `1.0.0` beside another image's digest would mislead readers.
    const byDigest = await promote(history.dir, T0, [`${registry.host}/acme/api@${digest}`]);
    expect(byDigest.plan.changes[0]).toMatchObject({ old: '1.0.0', new: `@${digest}` });
    expect(byDigest.written['envs/staging/api.yaml']).toContain(`image: ${registry.host}/acme/api@${digest}\n`);
    const byTag = await promote(history.dir, T0, [`${registry.host}/acme/api:1.2.0-rc.1`]);
    expect(byTag.plan.changes[0]).toMatchObject({ old: '1.0.0', new: '1.2.0-rc.1' });
  });

  test('a policy never proposes a downgrade', async () => {
    const history = repo('');
    history.commit({ 'envs/staging/api.yaml': deployment('2.0.0') }, 'staging ahead', T0 + HOUR);
    const files = createLocalFiles(history.dir);
    const pipeline = await loadPipeline(files, {});
    const { plan } = await planStages(
      files,
      pipeline,
      { to: 'staging', images: parseImageArguments([`${registry.host}/acme/api`]) },
      createRegistry({ plainHttp: [registry.host] }),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.notPromoted).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(/no tag in the registry matches its policy and is at least 2\.0\.0/),
      }),
    ]);
  });

  test('malformed --image values are all reported at once', () => {
    expect(() => parseImageArguments(['Bad Name:1', 'ghcr.io/acme/api:1', 'ghcr.io/acme/api:2'])).toThrow(
      /image 1: .*white space[\s\S]*ghcr\.io\/acme\/api is named twice/,
    );
  });
});
