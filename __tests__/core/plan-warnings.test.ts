// The plan's warnings (floating tags, remote bases left behind, Flux ImagePolicy) and tagless references, on real
// files from __tests__/fixtures/real-repos read as they are.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImagePolicies, type FluxImagePolicy } from '../../src/core/flux-image-policy.js';
import { planPromotion, stageVersions, type ScannedStage } from '../../src/core/plan.js';
import { renderPullRequestBody } from '../../src/core/report/pull-request-body.js';
import { scanFile } from '../../src/core/scan.js';
import { buildStatus } from '../../src/core/status.js';

const real = join(process.cwd(), '__tests__/fixtures/real-repos');

/** A stage of the named repo files, scanned (and their ImagePolicies read) as the engine does. */
function stageOf(name: string, repo: string, files: string[], policyFiles: string[] = []): ScannedStage {
  const scanned: ScannedStage = { name, paths: [], references: [], skipped: [], warnings: [] };
  for (const file of files) {
    const result = scanFile(file, readFileSync(join(real, repo, 'repo', file), 'utf8'));
    scanned.references.push(...result.references);
    scanned.warnings.push(...result.warnings);
  }
  const policies: FluxImagePolicy[] = policyFiles.flatMap((file) =>
    readImagePolicies(file, readFileSync(join(real, repo, 'repo', file), 'utf8')),
  );
  if (policies.length > 0) scanned.policies = policies;
  return scanned;
}

function promote(source: ScannedStage, target: ScannedStage) {
  return planPromotion({ from: source.name, source: 'stage', versions: stageVersions(source), target });
}

describe('remote bases: a newTag change whose kustomization still pins another ?ref=', () => {
  const repo = 'konflux-infra-deployments';
  test('tekton-kueue development → staging (the base pins the old tag)', () => {
    const plan = promote(
      stageOf('development', repo, ['components/kueue/development/tekton-kueue/kustomization.yaml']),
      stageOf('staging', repo, ['components/kueue/staging/base/tekton-kueue/kustomization.yaml']),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        line: 9,
        old: 'cec0b3c8a240a289bb7aff4313ea647b292d96cc',
        new: '506d455d266e8e424e7bc5a804256cf449bd5f16',
      }),
    ]);
    expect(plan.warnings).toEqual([
      {
        file: 'components/kueue/staging/base/tekton-kueue/kustomization.yaml',
        line: 4,
        message:
          'the remote base https://github.com/konflux-ci/tekton-kueue/config/default (line 4) still pins ?ref=cec0b3c8a240a289bb7aff4313ea647b292d96cc while newTag moves to 506d455d266e8e424e7bc5a804256cf449bd5f16; update the ?ref= too if they move together',
      },
    ]);
  });

  test('image-rbac-proxy staging → production', () => {
    const plan = promote(
      stageOf('staging', repo, ['components/image-rbac-proxy/staging/base/kustomization.yaml']),
      stageOf('production', repo, ['components/image-rbac-proxy/production/base/kustomization.yaml']),
    );
    expect(plan.changes).toHaveLength(1);
    expect(plan.warnings.map((w) => `${w.file}:${w.line}`)).toEqual([
      'components/image-rbac-proxy/production/base/kustomization.yaml:7',
    ]);
    expect(plan.warnings[0].message).toContain('still pins ?ref=f13f24b28fb62b00be80625d6ce8a2b350cfb485');
  });

  test('integration staging → production: two bases at one ?ref= are one warning naming both lines', () => {
    const plan = promote(
      stageOf('staging', repo, ['components/integration/staging/base/kustomization.yaml']),
      stageOf('production', repo, ['components/integration/production/base/kustomization.yaml']),
    );
    expect(plan.changes).toHaveLength(1);
    expect(plan.warnings).toEqual([
      expect.objectContaining({
        line: 6,
        message: expect.stringContaining(
          'config/default, https://github.com/konflux-ci/integration-service/config/snapshotgc (lines 6 and 7) still pin ?ref=c228381abd50c3f03a1b1e9f1d9ac95d0df2ede4',
        ),
      }),
    ]);
  });

  test('no warning when the base already pins the new tag, or when nothing changes', () => {
    const dev = stageOf('development', repo, ['components/kueue/development/tekton-kueue/kustomization.yaml']);
    expect(promote(dev, dev).warnings).toEqual([]);
  });
});

describe('remote bases that did not move with the newTag', () => {
  const kustomization = (tag: string, ref: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - https://github.com/acme/platform/config/default?ref=${ref}
  - https://github.com/acme/api/config?ref=v${tag}
images:
  - name: ghcr.io/acme/api
    newTag: ${tag}
  - name: ghcr.io/acme/worker
    newTag: 3.0.0
`;
  const stage = (name: string, text: string): ScannedStage => {
    const result = scanFile(`envs/${name}/kustomization.yaml`, text);
    return { name, paths: [], references: result.references, skipped: [], warnings: result.warnings };
  };

  test('only the base that pinned the old tag (v-prefixed alike) is left behind; an unrelated base gives no warning', () => {
    const plan = promote(stage('dev', kustomization('1.1.0', 'main')), stage('prod', kustomization('1.0.0', 'main')));
    expect(plan.changes).toEqual([expect.objectContaining({ old: '1.0.0', new: '1.1.0' })]);
    expect(plan.warnings).toEqual([
      expect.objectContaining({
        line: 5,
        message: expect.stringContaining('https://github.com/acme/api/config (line 5) still pins ?ref=v1.0.0'),
      }),
    ]);
  });

  test('a base whose ref never equalled the tag stays quiet', () => {
    const prod = kustomization('1.0.0', 'main').replace('?ref=v1.0.0', '?ref=release-7');
    const plan = promote(stage('dev', kustomization('1.1.0', 'main')), stage('prod', prod));
    expect(plan.changes).toHaveLength(1);
    expect(plan.warnings).toEqual([]);
  });
});

describe('floating tags', () => {
  const text = (tag: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:${tag}\n`;
  const one = (name: string, tag: string): ScannedStage => ({
    name,
    paths: [`envs/${name}`],
    references: scanFile(`envs/${name}/api.yaml`, text(tag)).references,
    skipped: [],
    warnings: [],
  });

  test('latest over a pinned tag is a warning at the line that changes', () => {
    const plan = promote(one('dev', 'latest'), one('staging', '682c882'));
    expect(plan.changes).toEqual([expect.objectContaining({ old: '682c882', new: 'latest' })]);
    expect(plan.warnings).toEqual([
      expect.objectContaining({
        file: 'envs/staging/api.yaml',
        line: 10,
        message: expect.stringContaining('promotes the floating tag latest over the pinned 682c882'),
      }),
    ]);
  });

  test('the PR body carries the warning', () => {
    const body = renderPullRequestBody({ plan: promote(one('dev', 'latest'), one('staging', '682c882')) });
    expect(body).toContain('`envs/staging/api.yaml:10`: promotes the floating tag latest over the pinned 682c882');
  });

  test('a pinned tag over latest, or latest over latest, is not', () => {
    expect(promote(one('dev', '1.2.3'), one('staging', 'latest')).warnings).toEqual([]);
    expect(promote(one('dev', 'stable'), one('staging', 'latest')).warnings).toEqual([]);
  });
});

describe('tagless references (image: busybox)', () => {
  const text = (image: string) => `kind: Pod\nspec:\n  containers:\n    - name: box\n      image: ${image}\n`;
  const one = (name: string, image: string): ScannedStage => ({
    name,
    paths: [`envs/${name}`],
    references: scanFile(`envs/${name}/pod.yaml`, text(image)).references,
    skipped: [],
    warnings: [],
  });

  test('are never rewritten, and say why', () => {
    const plan = promote(one('dev', 'busybox:1.36'), one('staging', 'busybox'));
    expect(plan.changes).toEqual([]);
    expect(plan.notPromoted).toEqual([
      expect.objectContaining({
        image: 'docker.io/library/busybox',
        version: '(no tag)',
        reason: expect.stringContaining('never pins an untagged reference'),
      }),
    ]);
  });

  test('offer no version: a pinned target is not unpinned', () => {
    const plan = promote(one('dev', 'busybox'), one('staging', 'busybox:1.36'));
    expect(plan.changes).toEqual([]);
  });

  test('show as (no tag) on the board', () => {
    const board = buildStatus([one('dev', 'busybox'), one('staging', 'busybox:1.36')]);
    expect(board.rows[0].cells.dev.versions).toEqual(['(no tag)']);
    expect(board.rows[0].cells.staging.versions).toEqual(['1.36']);
  });
});

describe("Flux image automation: the ImagePolicy's order decides downgrades", () => {
  const repo = 'hmcts-cnp-flux-config';
  const app = (name: string) => {
    const dir = `apps/${name}`;
    return (env: string, policy: string[]) =>
      stageOf(
        env,
        repo,
        [`${dir}/${env}.yaml`],
        policy.map((p) => `${dir}/${p}`),
      );
  };

  test('em-hrs-ingestor demo → ithc: $ts 20241202084703 < 20250805093948 is a downgrade', () => {
    const stage = app('em/em-hrs-ingestor');
    const policies = ['image-policy.yaml', 'demo-image-policy.yaml', 'ithc-image-policy.yaml'];
    const plan = promote(stage('demo', policies), stage('ithc', policies));
    expect(plan.changes).toEqual([
      expect.objectContaining({
        line: 9,
        old: 'prod-8919e61-20250805093948',
        new: 'prod-b908ee4-20241202084703',
        downgrade: true,
      }),
    ]);
    expect(plan.warnings).toEqual([
      expect.objectContaining({
        file: 'apps/em/em-hrs-ingestor/ithc.yaml',
        line: 9,
        message: expect.stringMatching(
          /^managed by Flux's ImagePolicy flux-system:ithc-em-hrs-ingestor \(apps\/em\/em-hrs-ingestor\/ithc-image-policy.yaml:1: filterTags .*\$ts, alphabetical asc\); by its order prod-b908ee4-20241202084703 is older than prod-8919e61-20250805093948 \(20241202084703 < 20250805093948\): a downgrade/,
        ),
      }),
    ]);
  });

  test('em-hrs-ingestor ithc → perftest: the same tags the other way are no downgrade, though the whole tags sort the other way', () => {
    const stage = app('em/em-hrs-ingestor');
    const policies = ['image-policy.yaml', 'ithc-image-policy.yaml', 'perftest-image-policy.yaml'];
    const plan = promote(stage('ithc', policies), stage('perftest', policies));
    expect(plan.changes).toEqual([expect.objectContaining({ new: 'prod-8919e61-20250805093948', downgrade: false })]);
    expect(plan.warnings[0].message).toMatch(/^managed by Flux's ImagePolicy flux-system:perftest-em-hrs-ingestor/);
  });

  test('xui-icp ithc → perftest: two streams compare by $ts, and the new tag is outside the line policy', () => {
    const stage = app('xui/xui-icp');
    const policies = ['image-policy.yaml', 'demo-image-policy.yaml', 'perftest-image-policy.yaml'];
    const plan = promote(stage('ithc', policies), stage('perftest', policies));
    expect(plan.changes).toEqual([
      expect.objectContaining({
        old: 'pr-75-b9cd779-20260916204817',
        new: 'prod-d66a908-20260907105105',
        downgrade: true,
      }),
    ]);
    expect(plan.warnings[0].message).toContain(
      "outside what it admits, so Flux's image automation would move the line back",
    );
  });

  test('xui-icp demo → ithc: pr-62 ordered by its own stream is newer, no downgrade', () => {
    const stage = app('xui/xui-icp');
    const policies = ['image-policy.yaml', 'demo-image-policy.yaml', 'perftest-image-policy.yaml'];
    const plan = promote(stage('demo', policies), stage('ithc', policies));
    expect(plan.changes).toEqual([expect.objectContaining({ new: 'pr-62-afd6aa7-20260907120824', downgrade: false })]);
  });

  test('a marker naming a policy the repository does not hold says so; the plain comparison stands', () => {
    const stage = app('em/em-hrs-ingestor');
    const plan = promote(stage('demo', []), stage('ithc', []));
    expect(plan.changes).toEqual([expect.objectContaining({ downgrade: false })]);
    expect(plan.warnings).toEqual([
      expect.objectContaining({
        file: 'apps/em/em-hrs-ingestor/ithc.yaml',
        line: 9,
        message:
          "this line's $imagepolicy marker names flux-system:ithc-em-hrs-ingestor, an ImagePolicy not in the repository: Flux's image automation manages the line and may move it again; its order was not checked",
      }),
    ]);
  });

  test('readImagePolicies reads the order, filterTags and extract', () => {
    const file = 'apps/xui/xui-icp/perftest-image-policy.yaml';
    expect(readImagePolicies(file, readFileSync(join(real, repo, 'repo', file), 'utf8'))).toEqual([
      {
        name: 'perftest-xui-icp',
        repository: 'xui-icp',
        policy: { numerical: 'asc', filterTags: { pattern: '^pr-[0-9]+-[a-f0-9]+-(?P<ts>[0-9]+)', extract: '$ts' } },
        file,
        line: 1,
      },
    ]);
  });
});

describe('Flux v1 automation filters (filter.fluxcd.io/chart-image)', () => {
  const repo = 'flux-v1-helm-operator';
  test('dev → stg: the new tag is outside the stage glob:stg-* filter', () => {
    const plan = promote(
      stageOf('dev', repo, ['releases/dev/podinfo.yaml']),
      stageOf('stg', repo, ['releases/stg/podinfo.yaml']),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        file: 'releases/stg/podinfo.yaml',
        line: 19,
        old: 'stg-9ij63o4c',
        new: 'dev-hdtwcel9',
      }),
    ]);
    expect(plan.warnings).toEqual([
      {
        file: 'releases/stg/podinfo.yaml',
        line: 19,
        column: 12,
        message:
          'Flux v1 automates this line (glob:stg-*, line 9) and dev-hdtwcel9 is outside that filter: Flux would move the line back; widen the filter or turn the automation off for this stage',
      },
    ]);
  });

  test('stg → prod: semver:~0.4 does not admit stg-9ij63o4c', () => {
    const plan = promote(
      stageOf('stg', repo, ['releases/stg/podinfo.yaml']),
      stageOf('prod', repo, ['releases/prod/podinfo.yaml']),
    );
    expect(plan.changes).toHaveLength(1);
    expect(plan.warnings.map((w) => w.message)).toEqual([expect.stringContaining('(semver:~0.4, line 9)')]);
  });

  test('the filters: glob, semver, regex', async () => {
    const { fluxV1Admits } = await import('../../src/core/plan-warnings.js');
    expect([fluxV1Admits('glob:stg-*', 'stg-1'), fluxV1Admits('glob:stg-*', 'dev-1')]).toEqual([true, false]);
    expect([fluxV1Admits('semver:~0.4', '0.4.12'), fluxV1Admits('semver:~0.4', '0.5.0')]).toEqual([true, false]);
    expect([fluxV1Admits('regex:^v[0-9]+$', 'v12'), fluxV1Admits('regexp:^v[0-9]+$', 'x')]).toEqual([true, false]);
  });
});
