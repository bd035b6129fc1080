// Honest headlines (issue 10): a blind plan is never shown as a clean one; --only filters the not-promoted list too;
// not-promoted reasons are grouped. Real files in a temp folder, planned and rendered as the CLI does.
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { parseConfig } from '../../src/core/config/index.js';
import { renderPlanText } from '../../src/core/report/plan-text.js';
import { planStages } from '../../src/engine/plan.js';
import { tempRepo } from '../support/temp-repo.js';

const repo = (files: Record<string, string>) => tempRepo(files, 'headlines');

const deployment = (name: string, image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ${image}\n`;
const TWO = parseConfig(
  'stages:\n  - { name: staging, path: apps/staging }\n  - { name: production, path: apps/production }\n',
  'stagecoach.yaml',
);

test('no references in either stage: says so, naming the folders, with a hint at the base folder that holds images', async () => {
  const files = createLocalFiles(
    repo({
      'apps/base/podinfo/release.yaml': deployment('redis', 'public.ecr.aws/docker/library/redis:8.6.2'),
      'apps/staging/kustomization.yaml': 'resources:\n  - ../base/podinfo\n',
      'apps/production/kustomization.yaml': 'resources:\n  - ../base/podinfo\n',
    }),
  );
  const { plan } = await planStages(files, TWO, { from: 'staging', to: 'production' });
  expect(plan.outcome).toEqual({
    targetReferences: 0,
    sourceReferences: 0,
    compared: 0,
    unmatched: 0,
    headline:
      "no image references found under apps/staging, apps/production (apps/base/podinfo, outside every stage, holds images: add it to a stage's paths, or pin the versions in each stage)",
  });
  expect(renderPlanText(plan).split('\n')[0]).toBe(`Plan staging → production: ${plan.outcome?.headline}.`);
});

test('"nothing to promote" only after a comparison; unmatched references are counted in the headline', async () => {
  const equal = createLocalFiles(
    repo({
      'apps/staging/a.yaml': deployment('a', 'nginx:1.27'),
      'apps/production/a.yaml': deployment('a', 'nginx:1.27'),
    }),
  );
  const same = await planStages(equal, TWO, { from: 'staging', to: 'production' });
  expect(same.plan.outcome?.headline).toBe(
    'nothing to promote, production already runs what staging offers (1 reference compared)',
  );
  const apart = createLocalFiles(
    repo({
      'apps/staging/a.yaml': deployment('a', 'nginx:1.27'),
      'apps/production/b.yaml': deployment('b', 'ghcr.io/acme/api:1.0.0'),
    }),
  );
  const none = await planStages(apart, TWO, { from: 'staging', to: 'production' });
  expect(none.plan.outcome?.headline).toBe('nothing compared: production and staging hold no image in common');
  const ambiguous = createLocalFiles(
    repo({
      'apps/staging/a.yaml': deployment('a', 'nginx:1.27'),
      'apps/staging/b.yaml': deployment('b', 'nginx:1.28'),
      'apps/production/c.yaml': deployment('c', 'nginx:1.20'),
    }),
  );
  const unmatched = await planStages(ambiguous, TWO, { from: 'staging', to: 'production' });
  expect(unmatched.plan.outcome?.headline).toBe(
    'nothing promoted: 1 image reference could not be matched (see Not promoted)',
  );
});

test('--only filters the not-promoted list too, and one reason is said once for all its images', async () => {
  const files = createLocalFiles(
    repo({
      'apps/staging/a.yaml': deployment('a', 'ghcr.io/acme/api:2.0.0'),
      'apps/staging/b.yaml': deployment('b', 'ghcr.io/acme/web:2.0.0'),
      'apps/staging/c.yaml': deployment('c', 'ghcr.io/acme/worker:2.0.0'),
      'apps/production/d.yaml': deployment('d', 'nginx:1.27'),
    }),
  );
  const all = await planStages(files, TWO, { from: 'staging', to: 'production' });
  expect(all.plan.notPromoted.map((item) => item.image)).toEqual([
    'ghcr.io/acme/api',
    'ghcr.io/acme/web',
    'ghcr.io/acme/worker',
  ]);
  const text = renderPlanText(all.plan);
  const reason = all.plan.notPromoted[0].reason;
  expect(text.split(reason).length - 1).toBe(1);
  expect(text).toContain(
    `  ${reason}:\n    ghcr.io/acme/api 2.0.0 (apps/staging/a.yaml:10)\n    ghcr.io/acme/web 2.0.0`,
  );
  const only = await planStages(files, TWO, { from: 'staging', to: 'production', only: ['api'] });
  expect(only.plan.notPromoted.map((item) => item.image)).toEqual(['ghcr.io/acme/api']);
});
