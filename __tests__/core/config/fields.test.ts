// fields: versions in the user's own keys.
import { parseConfig } from '../../../src/core/config/index.js';
import { problems, twoStages } from './helpers.js';

describe('parseConfig: fields', () => {
  const withFields = (fields: string) => twoStages(`fields:\n${fields}`);

  test('exactly one of image and repository', () => {
    expect(problems(withFields('  - files: "envs/*/v.yaml"\n    tag: image_tag\n'))).toEqual([
      'stagecoach.yaml:7:5: fields[0]: missing "image:" (the image name, e.g. ghcr.io/acme/api) or "repository:" (the key path holding it)',
    ]);
    expect(
      problems(
        withFields('  - files: "envs/*/v.yaml"\n    tag: t\n    image: ghcr.io/a/b\n    repository: app.repo\n'),
      ),
    ).toEqual([
      'stagecoach.yaml:10:5: fields[0].repository: give either image: (the image name) or repository: (the key path holding it), not both',
    ]);
  });

  test('files and tag are required; key paths are dotted keys', () => {
    expect(problems(withFields('  - image: ghcr.io/acme/api\n    digest: "a..b"\n'))).toEqual([
      'stagecoach.yaml:7:5: fields[0]: missing "files:"; give a glob of repo-relative paths, e.g. envs/*/versions.yaml',
      'stagecoach.yaml:7:5: fields[0]: missing "tag:"; give the key path of the tag, e.g. image_tag (or ref: for a key holding the whole reference, e.g. spec.image)',
      'stagecoach.yaml:8:13: fields[0].digest: "a..b" is not a key path; write the keys joined by dots, e.g. app.image.tag',
    ]);
  });

  test('image must be a name without a version; placeholders are allowed', () => {
    expect(problems(withFields('  - files: "a/*.yaml"\n    tag: t\n    image: ghcr.io/acme/api:1.0\n'))).toEqual([
      'stagecoach.yaml:9:12: fields[0].image: "ghcr.io/acme/api:1.0" names a version; give the image without tag or digest (the tag: field holds the version)',
    ]);
    expect(problems(withFields('  - files: "a/*.yaml"\n    tag: t\n    image: "Not An Image"\n'))[0]).toMatch(
      /fields\[0\]\.image: "Not An Image" is not an image name/,
    );
    expect(
      parseConfig(withFields('  - files: "a/*.yaml"\n    tag: t\n    image: ghcr.io/acme/{name}-svc\n'), 'f').fields[0]
        .image,
    ).toBe('ghcr.io/acme/{name}-svc');
    expect(problems(withFields('  - files: "a/*.yaml"\n    tag: t\n    image: ghcr.io/acme/{app}\n'))).toEqual([
      'stagecoach.yaml:9:12: fields[0].image: unknown placeholder {app}; the image template knows {name} (the file name without extension)',
    ]);
  });

  test('ref: names a key holding the whole reference, instead of tag: with image: or repository:', () => {
    const rule = parseConfig(withFields('  - files: "platform/*.yaml"\n    ref: spec.image\n'), 'f').fields[0];
    expect(rule).toEqual({ files: 'platform/*.yaml', ref: 'spec.image' });
    expect(
      problems(withFields('  - files: "a/*.yaml"\n    ref: spec.image\n    tag: spec.tag\n    digest: spec.digest\n')),
    ).toEqual([
      'stagecoach.yaml:9:5: fields[0].tag: ref: names a key holding the whole reference (image, tag and digest); drop tag:, or use tag: without ref:',
      'stagecoach.yaml:10:5: fields[0].digest: ref: names a key holding the whole reference (image, tag and digest); drop digest:, or use tag: without ref:',
    ]);
    expect(problems(withFields('  - files: "a/*.yaml"\n    ref: "a..b"\n'))).toEqual([
      'stagecoach.yaml:8:10: fields[0].ref: "a..b" is not a key path; write the keys joined by dots, e.g. app.image.tag',
    ]);
  });
});
