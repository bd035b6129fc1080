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
      'stagecoach.yaml:7:5: fields[0]: missing "tag:"; give the key path of the tag, e.g. image_tag',
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
});
