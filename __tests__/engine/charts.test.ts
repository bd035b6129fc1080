// charts: true — Helm chart versions are planned and promoted by the same rules as images, and the registry gate
// (which reads the container registry) leaves them alone; without the key the plan never touches a chart.
import { createCommands } from '../../src/adapters/commands.js';
import { createGit } from '../../src/adapters/git.js';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { createRegistry } from '../../src/adapters/registry.js';
import { runGatedPromotion } from '../../src/engine/gate.js';
import { loadPipeline } from '../../src/engine/load-config.js';
import { planStages } from '../../src/engine/plan.js';
import { readStatus } from '../../src/engine/status.js';
import { createHistory } from '../support/git-history.js';
import { pushTags } from '../support/registry-push.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';

let registry: RegistryServer;
beforeAll(async () => {
  registry = await startRegistry();
  await pushTags({ url: registry.url, repository: 'acme/podinfo' }, ['6.5.4', '6.6.0']);
});
afterAll(() => registry?.stop());

const release = (chart: string, image: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  chart:
    spec:
      chart: podinfo
      version: ${chart}
      sourceRef:
        kind: HelmRepository
        name: podinfo
  values:
    image:
      repository: ${registry.host}/acme/podinfo
      tag: ${image}
`;

function repo(charts: boolean) {
  const history = createHistory();
  history.commit(
    {
      'stagecoach.yaml': `stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n    gates: { registry: true }\n${charts ? 'charts: true\n' : ''}`,
      'envs/dev/podinfo.yaml': release('6.6.0', '6.6.0'),
      'envs/staging/podinfo.yaml': release('6.5.4', '6.5.4'),
    },
    'start',
    1_760_000_000,
  );
  return history;
}

test('with charts: true the chart version is a change of kind chart, beside the image', async () => {
  const files = createLocalFiles(repo(true).dir);
  const planned = await planStages(files, await loadPipeline(files, {}), { from: 'dev', to: 'staging' });
  expect(planned.plan.changes.map((c) => [c.line, c.kind ?? 'image', c.image, c.old, c.new, c.format])).toEqual([
    [9, 'chart', 'HelmRepository/podinfo/podinfo', '6.5.4', '6.6.0', 'helm-chart'],
    [16, 'image', `${registry.host}/acme/podinfo`, '6.5.4', '6.6.0', 'helm-values'],
  ]);
  const board = await readStatus(files, await loadPipeline(files, {}));
  expect(board.rows.map((row) => [row.image, row.cells.dev.versions, row.cells.staging.state])).toEqual([
    [`${registry.host}/acme/podinfo`, ['6.6.0'], 'behind'],
    ['HelmRepository/podinfo/podinfo', ['6.6.0'], 'behind'],
  ]);
});

test('the registry gate checks the image only, and the promotion writes both', async () => {
  const history = repo(true);
  const files = createLocalFiles(history.dir);
  const result = await runGatedPromotion(
    {
      files,
      workDir: history.dir,
      git: createGit(history.dir),
      registry: createRegistry({ plainHttp: [registry.host] }),
      commands: createCommands({ killGraceMs: 200 }),
      now: 1_760_000_000 + 3600,
      baseEnv: { PATH: process.env.PATH ?? '' },
    },
    await loadPipeline(files, {}),
    { from: 'dev', to: 'staging' },
    {},
  );
  expect(result.passed).toBe(true);
  expect(result.gates[0].details).toEqual([expect.stringMatching(/acme\/podinfo 6\.6\.0: exists/)]);
  expect(result.written['envs/staging/podinfo.yaml']).toBe(release('6.6.0', '6.6.0'));
});

test('without charts: the chart version is left alone', async () => {
  const files = createLocalFiles(repo(false).dir);
  const planned = await planStages(files, await loadPipeline(files, {}), { from: 'dev', to: 'staging' });
  expect(planned.plan.changes.map((c) => c.format)).toEqual(['helm-values']);
});
