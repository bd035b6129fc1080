// Matching that survives real layouts (issue 10): each case below used to be a wrong "none at the same place" or
// "make them agree" and a missed change. Real files in a temp folder, scanned and planned as the CLI does.
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { parseConfig } from '../../src/core/config/index.js';
import { planRequestFor, planStages } from '../../src/engine/plan.js';
import { tempRepo } from '../support/temp-repo.js';

const repo = (files: Record<string, string>) => tempRepo(files, 'matching');

const COMPONENTS = parseConfig(
  [
    'stages:',
    '  - { name: development, paths: ["components/*/development"] }',
    '  - { name: staging, paths: ["components/*/staging"] }',
    '  - { name: production, paths: ["components/*/production"] }',
    '',
  ].join('\n'),
  'stagecoach.yaml',
);

const lokiValues = (memcached: string, loki: string) =>
  `memcached:\n  image:\n    repository: quay.io/kubearchive/memcached\n    tag: ${memcached}\nloki:\n  image:\n    repository: quay.io/kubearchive/loki\n    tag: ${loki}\n`;
const kustomization = (images: string) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n${images}`;

async function changes(dir: string, from: string, to: string) {
  const { plan } = await planStages(createLocalFiles(dir), COMPONENTS, { from, to });
  return { changes: plan.changes.map((c) => `${c.file}:${c.line} ${c.old}→${c.new}`), notPromoted: plan.notPromoted };
}

test('the same file and key one cluster folder deeper; one image shared by two components at different versions', async () => {
  const dir = repo({
    'components/loki/development/loki-images.yaml': lokiValues('1.6.45-alpine', '3.5.0'),
    'components/rbac/development/kustomization.yaml': kustomization(
      '  - name: memcached\n    newName: quay.io/kubearchive/memcached\n    newTag: 1.6.39\n',
    ),
    'components/loki/staging/cluster-a/loki-images.yaml': lokiValues('1.6.30-alpine', '3.4.0'),
    'components/loki/staging/cluster-b/loki-images.yaml': lokiValues('1.6.31-alpine', '3.4.1'),
  });
  expect(await changes(dir, 'development', 'staging')).toEqual({
    changes: [
      'components/loki/staging/cluster-a/loki-images.yaml:4 1.6.30-alpine→1.6.45-alpine',
      'components/loki/staging/cluster-a/loki-images.yaml:8 3.4.0→3.5.0',
      'components/loki/staging/cluster-b/loki-images.yaml:4 1.6.31-alpine→1.6.45-alpine',
      'components/loki/staging/cluster-b/loki-images.yaml:8 3.4.1→3.5.0',
    ],
    notPromoted: [],
  });
});

test('a Kustomize images: entry under another name that resolves via newName to the same image, in the same file', async () => {
  const dir = repo({
    'components/ui/staging/kustomization.yaml': kustomization(
      '  - name: quay.io/konflux-ci/oauth2-proxy\n    newTag: v7.2\n',
    ),
    'components/ui/staging/sidecar.yaml':
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: side\nspec:\n  containers:\n    - name: proxy\n      image: quay.io/konflux-ci/oauth2-proxy:v6.0\n',
    'components/ui/production/kustomization.yaml': kustomization(
      '  - name: quay.io/oauth2-proxy/oauth2-proxy\n    newName: quay.io/konflux-ci/oauth2-proxy\n    newTag: v7.1\n',
    ),
  });
  expect(await changes(dir, 'staging', 'production')).toEqual({
    changes: ['components/ui/production/kustomization.yaml:6 v7.1→v7.2'],
    notPromoted: [],
  });
});

test('truly ambiguous: the message names the candidates with file:line and its remedy (--image) works', async () => {
  const dir = repo({
    'components/api/staging/a.yaml': lokiValues('1.6.45', '3.5.0'),
    'components/api/staging/b.yaml': lokiValues('1.6.46', '3.5.0'),
    'components/api/production/c.yaml': lokiValues('1.6.40', '3.4.0'),
  });
  const { changes: planned, notPromoted } = await changes(dir, 'staging', 'production');
  expect(planned).toEqual(['components/api/production/c.yaml:8 3.4.0→3.5.0']);
  expect(notPromoted).toEqual([
    expect.objectContaining({
      file: 'components/api/production/c.yaml',
      line: 4,
      reason:
        'the source holds several versions of this image at memcached.image of api: 1.6.45 (components/api/staging/a.yaml:4), 1.6.46 (components/api/staging/b.yaml:4); make them agree in the source, or choose one with --image quay.io/kubearchive/memcached:1.6.46',
    }),
  ]);
  const remedy = planRequestFor('production', [], ['quay.io/kubearchive/memcached:1.6.46']);
  const { plan } = await planStages(createLocalFiles(dir), COMPONENTS, remedy);
  expect(plan.changes.map((c) => `${c.file}:${c.line} ${c.new}`)).toEqual([
    'components/api/production/c.yaml:4 1.6.46',
  ]);
});

test('several apps in one folder stage with identical workload and container names: each app folder maps to its own', async () => {
  const deployment = (tag: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/base-app:${tag}\n`;
  const dir = repo({
    'envs/dev/billing/deployment.yaml': deployment('2.0.0'),
    'envs/dev/shop/deployment.yaml': deployment('3.0.0'),
    'envs/prod/billing/deployment.yaml': deployment('1.0.0'),
    'envs/prod/shop/deployment.yaml': deployment('1.0.0'),
  });
  const pipeline = parseConfig(
    'stages:\n  - { name: dev, path: envs/dev }\n  - { name: prod, path: envs/prod }\n',
    'f',
  );
  const { plan } = await planStages(createLocalFiles(dir), pipeline, { from: 'dev', to: 'prod' });
  expect(plan.changes.map((c) => `${c.file} ${c.new}`)).toEqual([
    'envs/prod/billing/deployment.yaml 2.0.0',
    'envs/prod/shop/deployment.yaml 3.0.0',
  ]);
});
