// Shapes that look like images to a loose reader and are not: no reference and no warning for any of them, in
// either reader.
import { scanFile } from '../../../src/core/scan.js';

const cases: [string, string, string][] = [
  [
    "Gatekeeper's exemptImages (a key ending in Images holds patterns, not a list of references)",
    'policy/constraints.yaml',
    `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata: {name: repos}
spec:
  parameters:
    repos: ["gcr.io/acme/"]
    exemptImages: ["gcr.io/acme/debug:1.1", "gcr.io/acme/tools:*"]
`,
  ],
  [
    'a {repository, tag} map naming a git or bucket URL',
    'platform/things.yaml',
    `apiVersion: example.com/v1
kind: Thing
metadata: {name: thing}
spec:
  source:
    repository: https://github.com/acme/thing
    tag: v1.0.0
  backup:
    repository: s3://bucket/path
    tag: nightly
  mirror:
    repository: not a registry path
    tag: "2"
`,
  ],
  [
    'a template in the tag of an Argo CD helm.valuesObject',
    'apps/shop.yaml',
    `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop}
spec:
  source:
    repoURL: https://charts.acme.io
    chart: shop
    targetRevision: 1.0.0
    helm:
      valuesObject:
        image:
          repository: ghcr.io/acme/shop
          tag: '{{.Values.tag}}'
`,
  ],
  [
    'SOPS-encrypted values',
    'envs/prod/secrets.values.yaml',
    `image:
    repository: ENC[AES256_GCM,data:Zm9vYmFy,iv:abc=,tag:def==,type:str]
    tag: ENC[AES256_GCM,data:MS4yLjM=,iv:abc=,tag:def==,type:str]
worker:
    image:
        repository: ghcr.io/acme/worker
        tag: ENC[AES256_GCM,data:MS4yLjM=,iv:abc=,tag:def==,type:str]
sops:
    mac: ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]
    version: 3.8.1
`,
  ],
];

test.each(cases)('%s', (_, file, text) => {
  for (const mode of ['auto', 'full'] as const) {
    const result = scanFile(file, text, { mode });
    expect({ references: result.references, warnings: result.warnings }).toEqual({ references: [], warnings: [] });
  }
});

test('a real image beside them is still found', () => {
  const text = `${cases[1][2]}  image: quay.io/acme/thing:1.2.0\n  extraImages: [quay.io/acme/x:1.0.0]\n`;
  expect(scanFile('platform/things.yaml', text).references.map((r) => `${r.container} ${r.image}:${r.tag}`)).toEqual([
    'spec.image quay.io/acme/thing:1.2.0',
  ]);
});
