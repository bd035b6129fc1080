// Flux ImagePolicy objects reach the plan: read from the stage's files, or from the folder beside a marked line that
// lies outside every stage folder; a policy's order flags a downgrade the plain version comparison cannot see.
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { scanFile } from '../../src/core/scan.js';
import type { ScannedStage } from '../../src/core/plan.js';
import { policiesBeside } from '../../src/engine/image-policies.js';
import { loadPipeline } from '../../src/engine/load-config.js';
import { planStages } from '../../src/engine/plan.js';
import { tempRepo } from '../support/temp-repo.js';

const repo = (files: Record<string, string>) => tempRepo(files, 'policies');

const deployment = (tag: string, policy: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:${tag} # {"$imagepolicy": "flux-system:${policy}"}
`;

const imagePolicy = (name: string) => `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: ${name}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: api
  filterTags:
    pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$'
    extract: '$ts'
  policy:
    numerical:
      order: asc
`;

const CONFIG = 'stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n';

test('a policy in the target stage flags a 13-month step back in date-stamped tags as a downgrade', async () => {
  const dir = repo({
    'stagecoach.yaml': CONFIG,
    'envs/dev/api.yaml': deployment('main-9f8e7d6-1700000000', 'api-dev'),
    'envs/staging/api.yaml': deployment('main-1a2b3c4-1734000000', 'api-staging'),
    'envs/staging/image-policy.yaml': imagePolicy('api-staging'),
  });
  const files = createLocalFiles(dir);
  const planned = await planStages(files, await loadPipeline(files, {}), { from: 'dev', to: 'staging' });
  expect(planned.plan.changes).toEqual([
    expect.objectContaining({ old: 'main-1a2b3c4-1734000000', new: 'main-9f8e7d6-1700000000', downgrade: true }),
  ]);
  expect(planned.plan.warnings).toEqual([
    expect.objectContaining({
      file: 'envs/staging/api.yaml',
      line: 10,
      message: expect.stringContaining(
        "managed by Flux's ImagePolicy flux-system:api-staging (envs/staging/image-policy.yaml:1: filterTags",
      ),
    }),
  ]);
  expect(planned.target.policies?.map((p) => p.name)).toEqual(['api-staging']);
});

test('without the policy the same step is not judged (the tags do not compare), and the plan says the policy is missing', async () => {
  const dir = repo({
    'stagecoach.yaml': CONFIG,
    'envs/dev/api.yaml': deployment('main-9f8e7d6-1700000000', 'api-dev'),
    'envs/staging/api.yaml': deployment('main-1a2b3c4-1734000000', 'api-staging'),
  });
  const files = createLocalFiles(dir);
  const planned = await planStages(files, await loadPipeline(files, {}), { from: 'dev', to: 'staging' });
  expect(planned.plan.changes).toEqual([expect.objectContaining({ downgrade: false })]);
  expect(planned.plan.warnings[0].message).toContain('an ImagePolicy not in the repository');
});

test('a marked line outside every stage folder finds its policy beside it; folders inside the stage are not read twice', async () => {
  const dir = repo({
    'apps/api/ithc.yaml': deployment('main-1a2b3c4-1734000000', 'api-ithc'),
    'apps/api/ithc-image-policy.yaml': imagePolicy('api-ithc'),
    'apps/api/notes.txt': 'kind: ImagePolicy is not read from a text file\n',
    'apps/api/nested/other-policy.yaml': imagePolicy('api-nested'),
  });
  const file = 'apps/api/ithc.yaml';
  const stage: ScannedStage = {
    name: 'ithc',
    paths: ['apps/api/ithc.yaml'],
    references: scanFile(file, deployment('main-1a2b3c4-1734000000', 'api-ithc')).references,
    skipped: [],
    warnings: [],
  };
  await policiesBeside(createLocalFiles(dir), stage, new Set([file]));
  expect(stage.policies?.map((p) => `${p.file} ${p.name}`)).toEqual(['apps/api/ithc-image-policy.yaml api-ithc']);

  const inside: ScannedStage = { ...stage, paths: ['apps'], policies: undefined };
  await policiesBeside(createLocalFiles(dir), inside, new Set([file]));
  expect(inside.policies).toBeUndefined();
});

describe('policiesBeside reads what it may and fails on a fault', () => {
  const marked = (): ScannedStage => ({
    name: 'ithc',
    paths: ['apps/api/ithc.yaml'],
    references: scanFile('apps/api/ithc.yaml', deployment('main-1a2b3c4-1734000000', 'api-ithc')).references,
    skipped: [],
    warnings: [],
  });

  test('a file that is not UTF-8 and a link out of the repository hold no policy; the others are read', async () => {
    const dir = repo({
      'apps/api/ithc.yaml': deployment('main-1a2b3c4-1734000000', 'api-ithc'),
      'apps/api/ithc-image-policy.yaml': imagePolicy('api-ithc'),
    });
    writeFileSync(
      path.join(dir, 'apps/api/latin1.yaml'),
      Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xe9, 0x0a]),
    );
    const outside = mkdtempSync(path.join(tmpdir(), 'stagecoach-outside-'));
    writeFileSync(path.join(outside, 'policy.yaml'), imagePolicy('api-outside'));
    symlinkSync(path.join(outside, 'policy.yaml'), path.join(dir, 'apps/api/linked.yaml'));
    const stage = marked();
    await policiesBeside(createLocalFiles(dir), stage, new Set(['apps/api/ithc.yaml']));
    expect(stage.policies?.map((p) => p.name)).toEqual(['api-ithc']);
  });
});
