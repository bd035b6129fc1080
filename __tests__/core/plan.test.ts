import fc from 'fast-check';
import { downgrades, planPromotion, referenceKey, stageVersions } from '../../src/core/plan.js';
import { scanFile } from '../../src/core/scan.js';
import { stage, workloadRef } from '../support/references.js';

const dev = (refs: ReturnType<typeof workloadRef>[]) => stage('dev', ['envs/dev'], refs);
const staging = (refs: ReturnType<typeof workloadRef>[]) => stage('staging', ['envs/staging'], refs);

function plan(source: ReturnType<typeof workloadRef>[], target: ReturnType<typeof workloadRef>[], only?: string[]) {
  return planPromotion({
    from: 'dev',
    source: 'stage',
    versions: stageVersions(dev(source)),
    target: staging(target),
    only,
  });
}

describe('plan', () => {
  test('the target takes the source version of every image both hold', () => {
    const result = plan(
      [
        workloadRef('envs/dev/api.yaml', 'ghcr.io/acme/api:1.5.0', 'Deployment/api', 'api'),
        workloadRef('envs/dev/web.yaml', 'ghcr.io/acme/web:2.0.0', 'Deployment/web', 'web'),
      ],
      [
        workloadRef('envs/staging/api.yaml', 'ghcr.io/acme/api:1.4.0', 'Deployment/api', 'api'),
        workloadRef('envs/staging/web.yaml', 'ghcr.io/acme/web:2.0.0', 'Deployment/web', 'web'),
      ],
    );
    expect(result.changes).toEqual([
      expect.objectContaining({
        file: 'envs/staging/api.yaml',
        image: 'ghcr.io/acme/api',
        old: '1.4.0',
        new: '1.5.0',
        downgrade: false,
        workload: 'Deployment/api',
      }),
    ]);
    expect(result.images).toEqual([
      { image: 'ghcr.io/acme/api', old: ['1.4.0'], new: '1.5.0', downgrade: false, files: 1 },
    ]);
    expect(result.from).toBe('dev');
    expect(result.to).toBe('staging');
  });

  test('images only in the source are listed as not promoted; images only in the target are left alone', () => {
    const result = plan(
      [workloadRef('envs/dev/new.yaml', 'ghcr.io/acme/new:0.1.0', 'Deployment/new', 'new')],
      [workloadRef('envs/staging/old.yaml', 'ghcr.io/acme/old:3.0.0', 'Deployment/old', 'old')],
    );
    expect(result.changes).toEqual([]);
    expect(result.notPromoted).toEqual([
      expect.objectContaining({
        image: 'ghcr.io/acme/new',
        version: '0.1.0',
        reason: expect.stringMatching(/not in staging/),
      }),
    ]);
  });

  test('an image the target holds in a field the scan could not read is named as a possible cause, with where', () => {
    const text =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: >\n            ghcr.io/acme/api:1.4.0\n';
    const scanned = scanFile('envs/staging/api.yaml', text);
    expect(scanned.references).toEqual([]);
    const result = planPromotion({
      from: 'dev',
      source: 'stage',
      versions: stageVersions(
        dev([workloadRef('envs/dev/api.yaml', 'ghcr.io/acme/api:1.5.0', 'Deployment/api', 'api')]),
      ),
      target: { name: 'staging', paths: ['envs/staging'], references: [], skipped: [], warnings: scanned.warnings },
    });
    expect(result.notPromoted).toEqual([
      expect.objectContaining({
        image: 'ghcr.io/acme/api',
        reason: expect.stringMatching(
          /^not in staging: .*; staging has image fields Stagecoach could not read \(envs\/staging\/api\.yaml:9\): if it is one of them/,
        ),
      }),
    ]);
    expect(result.warnings).toEqual([
      expect.objectContaining({
        file: 'envs/staging/api.yaml',
        line: 9,
        message: expect.stringMatching(/block scalar/),
      }),
    ]);
  });

  test('docker.io short names match their canonical form across stages', () => {
    const result = plan(
      [workloadRef('envs/dev/a.yaml', 'nginx:1.27', 'Deployment/a', 'web')],
      [workloadRef('envs/staging/a.yaml', 'docker.io/library/nginx:1.26', 'Deployment/a', 'web')],
    );
    expect(result.changes).toEqual([
      expect.objectContaining({
        image: 'docker.io/library/nginx',
        name: 'docker.io/library/nginx',
        old: '1.26',
        new: '1.27',
      }),
    ]);
  });

  test('several versions of one image in the source are matched per workload and container', () => {
    const result = plan(
      [
        workloadRef('envs/dev/a.yaml', 'ghcr.io/acme/api:2.0.0', 'Deployment/api', 'api'),
        workloadRef('envs/dev/b.yaml', 'ghcr.io/acme/api:1.9.0', 'Deployment/api-legacy', 'api'),
      ],
      [
        workloadRef('envs/staging/a.yaml', 'ghcr.io/acme/api:1.8.0', 'Deployment/api', 'api'),
        workloadRef('envs/staging/b.yaml', 'ghcr.io/acme/api:1.8.0', 'Deployment/api-legacy', 'api'),
        workloadRef('envs/staging/c.yaml', 'ghcr.io/acme/api:1.8.0', 'Deployment/api-canary', 'api'),
      ],
    );
    expect(result.changes.map((c) => [c.file, c.new])).toEqual([
      ['envs/staging/a.yaml', '2.0.0'],
      ['envs/staging/b.yaml', '1.9.0'],
    ]);
    expect(result.notPromoted).toEqual([
      expect.objectContaining({
        file: 'envs/staging/c.yaml',
        // The candidates with file:line, and a remedy that works (--image picks the version).
        reason: expect.stringMatching(
          /several versions .*1\.9\.0 \(envs\/dev\/b\.yaml:10\), 2\.0\.0 \(envs\/dev\/a\.yaml:10\).*--image ghcr\.io\/acme\/api:2\.0\.0/,
        ),
      }),
    ]);
  });

  test('values files match by their place inside the stage', () => {
    const source = workloadRef(
      'envs/dev/values/api.yaml',
      'ghcr.io/acme/api:2.0.0',
      'envs/dev/values/api.yaml',
      'image',
    );
    const target = workloadRef(
      'envs/staging/values/api.yaml',
      'ghcr.io/acme/api:1.0.0',
      'envs/staging/values/api.yaml',
      'image',
    );
    expect(referenceKey(source, ['envs/dev'])).toBe(referenceKey(target, ['envs/staging']));
    expect(referenceKey(source, ['envs/dev'])).toBe('values/api.yaml#image');
  });

  test('a version that goes backwards is marked as a downgrade', () => {
    const result = plan(
      [workloadRef('envs/dev/a.yaml', 'ghcr.io/acme/api:v1.2.0', 'Deployment/api', 'api')],
      [workloadRef('envs/staging/a.yaml', 'ghcr.io/acme/api:v1.10.0', 'Deployment/api', 'api')],
    );
    expect(result.changes[0]).toMatchObject({ old: 'v1.10.0', new: 'v1.2.0', downgrade: true });
    expect(downgrades(result)).toHaveLength(1);
    expect(result.images[0].downgrade).toBe(true);
  });

  test('digests are carried with the tag, and versions that cannot be compared are not downgrades', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const result = plan(
      [workloadRef('envs/dev/a.yaml', `ghcr.io/acme/api:main-abc@${digest}`, 'Deployment/api', 'api')],
      [workloadRef('envs/staging/a.yaml', 'ghcr.io/acme/api:main-def', 'Deployment/api', 'api')],
    );
    expect(result.changes[0]).toMatchObject({ old: 'main-def', new: `main-abc@${digest}`, downgrade: false });
  });

  test('--only selects by image, short name or workload glob', () => {
    const source = [
      workloadRef('envs/dev/a.yaml', 'ghcr.io/acme/api:2', 'Deployment/api', 'api'),
      workloadRef('envs/dev/b.yaml', 'ghcr.io/acme/web:2', 'Deployment/web', 'web'),
    ];
    const target = [
      workloadRef('envs/staging/a.yaml', 'ghcr.io/acme/api:1', 'Deployment/api', 'api'),
      workloadRef('envs/staging/b.yaml', 'ghcr.io/acme/web:1', 'Deployment/web', 'web'),
    ];
    expect(plan(source, target, ['web']).changes.map((c) => c.image)).toEqual(['ghcr.io/acme/web']);
    expect(plan(source, target, ['ghcr.io/acme/a*']).changes.map((c) => c.image)).toEqual(['ghcr.io/acme/api']);
    expect(plan(source, target, ['Deployment/*']).changes).toHaveLength(2);
    const none = plan(source, target, ['nothing']);
    expect(none.changes).toHaveLength(0);
    expect(none.warnings).toEqual([
      { file: '', line: 0, message: '--only nothing matches no image or workload in staging' },
    ]);
  });

  test('the plan is sorted and serialisable whatever the order of the scan', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(
        fc.shuffledSubarray(names, { minLength: 1 }),
        fc.shuffledSubarray(names, { minLength: 1 }),
        (sourceNames, targetNames) => {
          const source = sourceNames.map((n) =>
            workloadRef(`envs/dev/${n}.yaml`, `ghcr.io/acme/${n}:2.0.0`, `Deployment/${n}`, n),
          );
          const target = targetNames.map((n, i) =>
            workloadRef(`envs/staging/${n}.yaml`, `ghcr.io/acme/${n}:1.0.0`, `Deployment/${n}`, n, 5 + i),
          );
          const forward = plan(source, target);
          const backward = plan([...source].reverse(), [...target].reverse());
          expect(JSON.parse(JSON.stringify(forward))).toEqual(forward);
          expect(backward).toEqual(forward);
          const files = forward.changes.map((c) => c.file);
          expect(files).toEqual([...files].sort());
          expect(forward.changes.map((c) => c.image).sort()).toEqual(
            targetNames
              .filter((n) => sourceNames.includes(n))
              .map((n) => `ghcr.io/acme/${n}`)
              .sort(),
          );
        },
      ),
    );
  });

  test('a target pinned to tag@digest is up to date with the same tag offered unpinned', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const result = plan(
      [workloadRef('envs/dev/a.yaml', 'ghcr.io/acme/api:2.0.0', 'Deployment/api', 'api')],
      [workloadRef('envs/staging/a.yaml', `ghcr.io/acme/api:2.0.0@${digest}`, 'Deployment/api', 'api')],
    );
    expect(result.changes).toEqual([]);
  });
});
