// Flux ImagePolicies read from text and what they say about a marked line: semver ranges and pre-releases as Flux
// admits them, tags parsed as Masterminds/semver parses them, and markers resolved by namespace.
import type { ImageReference } from '../../src/core/image-reference.js';
import {
  judgeByPolicy,
  policyOfMarker,
  readImagePolicies,
  type FluxImagePolicy,
} from '../../src/core/flux-image-policy.js';
import { fluxSemver, isTagAllowed, selectTag } from '../../src/core/tag-policy.js';

function policyText(name: string, spec: string, namespace = 'flux-system'): string {
  return `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  imageRepositoryRef:
    name: api
  policy:
${spec}
`;
}

function semverPolicy(range: string): FluxImagePolicy[] {
  return readImagePolicies('flux/policy.yaml', policyText('api', `    semver:\n      range: '${range}'`));
}

function line(tag: string): ImageReference {
  return {
    file: 'apps/prod/api.yaml',
    line: 9,
    column: 16,
    format: 'workload',
    image: 'ghcr.io/acme/api',
    name: 'ghcr.io/acme/api',
    document: 0,
    slots: [],
    tag,
    marker: 'flux-system:api',
  };
}

const MOVE_BACK = "outside what it admits, so Flux's image automation would move the line back";

describe('readImagePolicies', () => {
  test('names the line of each document of a multi-document file', () => {
    const text = [policyText('a', '    numerical: {order: asc}'), policyText('b', '    alphabetical: {}')].join(
      '---\n',
    );
    expect(readImagePolicies('p.yaml', text).map((p) => [p.name, p.line])).toEqual([
      ['a', 1],
      ['b', 12],
    ]);
  });
});

describe('semver ImagePolicies under judgeByPolicy', () => {
  test('a tag outside the range is one Flux would move back', () => {
    const judged = judgeByPolicy(line('1.5.0'), '2.1.0', semverPolicy('>=1.0.0 <2.0.0'));
    expect(judged).toEqual({ downgrade: false, message: expect.stringContaining(MOVE_BACK) });
  });

  test('a pre-release is outside a range that does not ask for pre-releases', () => {
    const judged = judgeByPolicy(line('1.5.0'), '1.6.0-rc.1', semverPolicy('>=1.0.0'));
    expect(judged?.message).toContain(MOVE_BACK);
  });

  test('a tag inside the range is no warning beyond the management note', () => {
    const judged = judgeByPolicy(line('1.5.0'), '1.9.0', semverPolicy('>=1.0.0 <2.0.0'));
    expect(judged).toEqual({ downgrade: false, message: expect.not.stringContaining('outside') });
    expect(judged?.message).toMatch(
      /^managed by Flux's ImagePolicy flux-system:api \(flux\/policy.yaml:1: no filterTags, semver >=1.0.0 <2.0.0\)$/,
    );
  });

  test('two-part versions order as Flux orders them (1.25 → 1.26 forward, 1.26 → 1.25 back)', () => {
    const policies = semverPolicy('>=1.0.0');
    const forward = judgeByPolicy(line('1.25'), '1.26', policies);
    expect(forward).toEqual({ downgrade: false, message: expect.not.stringContaining('outside') });
    expect(judgeByPolicy(line('v1.26'), '1.25', policies)?.downgrade).toBe(true);
  });
});

describe('Masterminds-style versions', () => {
  test('fluxSemver fills a missing minor and patch and keeps pre-release and build', () => {
    expect(fluxSemver('1.26')?.version).toBe('1.26.0');
    expect(fluxSemver('v2')?.version).toBe('2.0.0');
    expect(fluxSemver('v1.2-rc.1+build.5')?.format()).toBe('1.2.0-rc.1');
    expect(fluxSemver('1.2.3.4')).toBeNull();
    expect(fluxSemver('release-1.2')).toBeNull();
  });

  test('a semver policy admits and selects two-part tags', () => {
    const policy = { semver: { range: '>=1.0.0', prerelease: false } };
    expect(isTagAllowed('1.26', policy)).toBe(true);
    expect(isTagAllowed('1.27-rc.1', policy)).toBe(false);
    expect(selectTag(['1.25', '1.26', '1.3', '1.27-rc.1'], policy)).toEqual({ tag: '1.26' });
  });
});

describe('policyOfMarker', () => {
  const policies = [
    ...readImagePolicies('a.yaml', policyText('api', '    numerical: {}', 'team-a')),
    ...readImagePolicies('b.yaml', policyText('api', '    numerical: {}', 'team-b')),
    ...readImagePolicies('c.yaml', policyText('web', '    numerical: {}').replace(/ {2}namespace: .*\n/, '')),
  ];

  test('picks the policy of the marker’s namespace among policies of one name', () => {
    expect(policyOfMarker('team-b:api', policies)?.file).toBe('b.yaml');
    expect(policyOfMarker('team-a:api:tag', policies)?.file).toBe('a.yaml');
  });

  test('falls back to a policy without a namespace, and to none when the namespace differs', () => {
    expect(policyOfMarker('flux-system:web', policies)?.file).toBe('c.yaml');
    expect(policyOfMarker('team-c:api', policies)).toBeUndefined();
  });

  test('a marker without a namespace names the first policy of that name', () => {
    expect(policyOfMarker('api', policies)?.file).toBe('a.yaml');
  });

  test('an index built for a list follows a policy appended to it', () => {
    const list = [...policies];
    expect(policyOfMarker('team-d:api', list)).toBeUndefined();
    list.push(...readImagePolicies('d.yaml', policyText('api', '    numerical: {}', 'team-d')));
    expect(policyOfMarker('team-d:api', list)?.file).toBe('d.yaml');
  });
});
