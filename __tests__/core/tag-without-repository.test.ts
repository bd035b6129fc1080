// A key holding a tag but no repository (`api.image.tag`, the chart's default repository named nowhere in the stage):
// said with file:line and the fields: rule that reads it, and silent once such a rule does.
import { scanFile } from '../../src/core/scan.js';

const VALUES =
  'app:\n  image:\n    tag: "4.9.0-dev.4-app"\n  replicas: 2\nimage:\n  repository: ghcr.io/acme/web\n  tag: 1.2.0\n';

test('a tag without a repository is a warning naming the key and the fields: rule to add', () => {
  const result = scanFile('environments/dev/values.yaml', VALUES);
  expect(result.references.map((ref) => `${ref.image}:${ref.tag}`)).toEqual(['ghcr.io/acme/web:1.2.0']);
  expect(result.warnings).toEqual([
    {
      file: 'environments/dev/values.yaml',
      line: 3,
      column: 10,
      message:
        'app.image.tag holds a tag but no repository, so it is not promoted; name its image with a fields: rule in stagecoach.yaml, e.g. "- { files: environments/dev/values.yaml, tag: app.image.tag, image: <the chart\'s image> }"',
    },
  ]);
});

test('once a fields: rule reads the tag, no warning; a tag under a key that is no image is never one', () => {
  const rules = [
    { files: 'environments/*/values.yaml', tag: 'app.image.tag', image: 'docker.io/ualbertalib/dmp_roadmap' },
  ];
  const result = scanFile('environments/dev/values.yaml', VALUES, { fields: rules });
  expect(result.warnings).toEqual([]);
  expect(result.references.map((ref) => ref.image)).toEqual(['docker.io/ualbertalib/dmp_roadmap', 'ghcr.io/acme/web']);
  expect(scanFile('values.yaml', 'release:\n  tag: v1\nimage:\n  pullPolicy: Always\n').warnings).toEqual([]);
});
