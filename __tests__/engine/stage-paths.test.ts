// Stages as folders, files and globs, read from a real folder: which files each stage scans, each file's place, and
// the errors for paths that name nothing.
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { parseConfig, stagesFromFlags } from '../../src/core/config/index.js';
import { planStages } from '../../src/engine/plan.js';
import { readStatus } from '../../src/engine/status.js';
import { checkDisjoint, scanStage, stageFiles } from '../../src/engine/scan.js';
import { tempRepo } from '../support/temp-repo.js';

const repo = (files: Record<string, string>) => tempRepo(files, 'stage-paths');

const deployment = (name: string, image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ${image}\n`;

test('single files side by side pair file to file; a file is never "no such folder"', async () => {
  const dir = repo({
    'chart/values-staging.yaml': 'image:\n  repository: ghcr.io/acme/web\n  tag: 1.2.0\n',
    'chart/values-prod.yaml': 'image:\n  repository: ghcr.io/acme/web\n  tag: 1.1.0\n',
  });
  const pipeline = parseConfig(
    'stages:\n  - { name: staging, path: chart/values-staging.yaml }\n  - { name: prod, path: chart/values-prod.yaml }\n',
    'stagecoach.yaml',
  );
  const { plan } = await planStages(createLocalFiles(dir), pipeline, { from: 'staging', to: 'prod' });
  expect(plan.changes.map((c) => `${c.file}:${c.line} ${c.old}→${c.new}`)).toEqual([
    'chart/values-prod.yaml:3 1.1.0→1.2.0',
  ]);
});

test('globs capture the component: components/X/staging pairs with components/X/production', async () => {
  const dir = repo({
    'components/api/staging/deploy.yaml': deployment('app', 'ghcr.io/acme/shared:2.0.0'),
    'components/web/staging/deploy.yaml': deployment('app', 'ghcr.io/acme/shared:3.0.0'),
    'components/api/production/cluster-a/deploy.yaml': deployment('app', 'ghcr.io/acme/shared:1.0.0'),
    'components/web/production/cluster-a/deploy.yaml': deployment('app', 'ghcr.io/acme/shared:1.0.0'),
  });
  const pipeline = parseConfig(
    'stages:\n  - { name: staging, paths: ["components/*/staging"] }\n  - { name: production, paths: ["components/*/production"] }\n',
    'stagecoach.yaml',
  );
  const { plan } = await planStages(createLocalFiles(dir), pipeline, { from: 'staging', to: 'production' });
  expect(plan.changes.map((c) => `${c.file} ${c.new}`)).toEqual([
    'components/api/production/cluster-a/deploy.yaml 2.0.0',
    'components/web/production/cluster-a/deploy.yaml 3.0.0',
  ]);
  expect(plan.notPromoted).toEqual([]);
});

test('a glob that matches nothing, and a path that is neither folder nor file, are errors naming them', async () => {
  const files = createLocalFiles(repo({ 'envs/dev/a.yaml': deployment('a', 'nginx:1.27') }));
  const pipeline = parseConfig(
    'stages:\n  - { name: dev, paths: [envs/dev] }\n  - { name: qa, paths: ["components/*/qa"] }\n  - { name: prod, paths: [envs/prod.yaml] }\n',
    'stagecoach.yaml',
  );
  await expect(scanStage(files, pipeline, pipeline.stages[1])).rejects.toThrow(
    'stage "qa": the glob "components/*/qa" matches no file in the config repository; check the stage\'s paths',
  );
  await expect(scanStage(files, pipeline, pipeline.stages[2])).rejects.toThrow(
    'envs/prod.yaml: no such folder or file in the config repository; check stage "prod"\'s paths',
  );
});

test('every stage path that names nothing is reported at once, in plan and status', async () => {
  const files = createLocalFiles(repo({ 'envs/dev/a.yaml': deployment('a', 'nginx:1.27') }));
  const pipeline = parseConfig(
    'stages:\n  - { name: dev, paths: [envs/dev, envs/devv] }\n  - { name: prod, paths: [envs/prod, "apps/*/prod"] }\n',
    'stagecoach.yaml',
  );
  const all = [
    '3 stage paths name nothing:',
    '  envs/devv: no such folder or file in the config repository; check stage "dev"\'s paths',
    '  envs/prod: no such folder or file in the config repository; check stage "prod"\'s paths',
    '  stage "prod": the glob "apps/*/prod" matches no file in the config repository; check the stage\'s paths',
  ].join('\n');
  await expect(planStages(files, pipeline, { from: 'dev', to: 'prod' })).rejects.toThrow(all);
  await expect(readStatus(files, pipeline)).rejects.toThrow(all);
});

test('a fields: rule naming files that files: leaves out says so instead of finding nothing', async () => {
  const files = createLocalFiles(repo({ 'tags/dev/api': 'image_tag: 1.2.0\n', 'tags/prod/api': 'image_tag: 1.1.0\n' }));
  const config = (extra: string) =>
    parseConfig(
      `stages:\n  - { name: dev, path: tags/dev }\n  - { name: prod, path: tags/prod }\nfields:\n  - { files: "tags/*/*", tag: image_tag, image: "ghcr.io/acme/{name}" }\n${extra}`,
      'stagecoach.yaml',
    );
  const blind = await planStages(files, config(''), { from: 'dev', to: 'prod' });
  expect(blind.plan.changes).toEqual([]);
  expect(blind.plan.warnings.map((warning) => warning.message)).toContain(
    '1 file of stage prod that a fields: rule names is not scanned (tags/prod/api): files: (**/*.yaml, **/*.yml) leaves them out; add a glob for them to files:',
  );
  const seeing = await planStages(files, config('files: ["**/*.yaml", "tags/**"]\n'), { from: 'dev', to: 'prod' });
  expect(seeing.plan.changes.map((change) => change.new)).toEqual(['1.2.0']);
  expect(seeing.plan.warnings).toEqual([]);
});

test('dot-folders are not scanned by default, dot-files are; per-stage files: add to the top-level ones', async () => {
  const dir = repo({
    'envs/dev/app.yaml': deployment('a', 'nginx:1.27'),
    'envs/dev/.chainsaw-test/chainsaw.yaml': deployment('t', 'nginx:0.1'),
    'envs/dev/.argocd-source-shop.yaml': 'kustomize:\n  images:\n    - ghcr.io/acme/shop:1.0.0\n',
    'envs/dev/versions.env': 'x',
    'envs/prod/app.yaml': deployment('a', 'nginx:1.26'),
    'envs/prod/versions.env': 'x',
  });
  const files = createLocalFiles(dir);
  const pipeline = parseConfig(
    'stages:\n  - { name: dev, path: envs/dev, files: ["*.env"] }\n  - { name: prod, path: envs/prod }\n',
    'stagecoach.yaml',
  );
  expect((await stageFiles(files, pipeline, pipeline.stages[0])).map((f) => f.file)).toEqual([
    'envs/dev/.argocd-source-shop.yaml',
    'envs/dev/app.yaml',
    'envs/dev/versions.env',
  ]);
  expect((await stageFiles(files, pipeline, pipeline.stages[1])).map((f) => f.file)).toEqual(['envs/prod/app.yaml']);
  const optIn = parseConfig('stages:\n  - { name: dev, path: envs/dev, files: [".chainsaw-test/*.yaml"] }\n', 'f');
  expect((await stageFiles(files, optIn, optIn.stages[0])).map((f) => f.file)).toContain(
    'envs/dev/.chainsaw-test/chainsaw.yaml',
  );
});

test('--stage NAME=... takes files and globs too', async () => {
  const dir = repo({
    'apps/team/api/dev.yaml': deployment('api', 'ghcr.io/acme/api:2.0.0'),
    'apps/team/api/prod.yaml': deployment('api', 'ghcr.io/acme/api:1.0.0'),
    'apps/team/web/dev.yaml': deployment('api', 'ghcr.io/acme/api:3.0.0'),
    'apps/team/web/prod.yaml': deployment('api', 'ghcr.io/acme/api:1.0.0'),
  });
  const pipeline = stagesFromFlags(['dev=apps/*/*/dev.yaml', 'prod=apps/*/*/prod.yaml']);
  const { plan } = await planStages(createLocalFiles(dir), pipeline, { from: 'dev', to: 'prod' });
  // Several apps with identical workload and container names: each app folder maps to its counterpart.
  expect(plan.changes.map((c) => `${c.file} ${c.new}`)).toEqual([
    'apps/team/api/prod.yaml 2.0.0',
    'apps/team/web/prod.yaml 3.0.0',
  ]);
  const board = await readStatus(createLocalFiles(dir), pipeline);
  expect(board.rows.map((row) => row.image)).toEqual(['ghcr.io/acme/api']);
});

test('a file two stages claim is refused by name (the config check is conservative; this backs it at run time)', async () => {
  const files = createLocalFiles(repo({ 'envs/b-a/y.yaml': deployment('b', 'nginx:1.26') }));
  // Each stage read on its own, as two configs: together the config check would refuse them.
  const pipelines = ['one, path: "envs/*-a"', 'two, path: "envs/b-*"'].map((stage) =>
    parseConfig(`stages: [{ name: ${stage} }]`, 'f'),
  );
  const stages = await Promise.all(pipelines.map((pipeline) => scanStage(files, pipeline, pipeline.stages[0])));
  expect(() => checkDisjoint(stages)).toThrow(
    'envs/b-a/y.yaml is owned by stage "one" and by stage "two"; each file belongs to one stage',
  );
  expect(() => checkDisjoint([stages[0]])).not.toThrow();
});

test('a stage\'s own "!" globs narrow the top-level files: for that stage only', async () => {
  const dir = repo({
    'envs/dev/app.yaml': deployment('a', 'nginx:1.27'),
    'envs/dev/legacy/old.yaml': deployment('o', 'nginx:1.1'),
    'envs/prod/legacy/old.yaml': deployment('o', 'nginx:1.1'),
  });
  const pipeline = parseConfig(
    'stages:\n  - { name: dev, path: envs/dev, files: "!legacy/**" }\n  - { name: prod, path: envs/prod }\n',
    'f',
  );
  const files = createLocalFiles(dir);
  expect((await stageFiles(files, pipeline, pipeline.stages[0])).map((f) => f.file)).toEqual(['envs/dev/app.yaml']);
  expect((await stageFiles(files, pipeline, pipeline.stages[1])).map((f) => f.file)).toEqual([
    'envs/prod/legacy/old.yaml',
  ]);
});
