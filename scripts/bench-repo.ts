// The generated config repos of npm run bench: workloads in every built-in format, some behind between stages.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const STAGES = ['dev', 'staging', 'production'];

/** One workload in one of the built-in formats; `version` differs between stages for some workloads. */
function workloadFiles(i: number, stage: string): Record<string, string> {
  const name = `svc-${i}`;
  const behind = stage !== 'dev' && i % 3 === 0;
  const version = `1.${i % 50}.${behind ? 0 : 1}`;
  const image = `ghcr.io/acme/${name}`;
  switch (i % 6) {
    case 0:
    case 1:
      return {
        [`apps/${name}/deployment.yaml`]: `# ${name}: the service and its migration
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      initContainers:
        - name: migrate
          image: ${image}-migrate:${version}
      containers:
        - name: ${name}
          image: ${image}:${version} # {"$imagepolicy": "flux-system:${name}"}
          ports:
            - containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            limits: {cpu: 500m, memory: 256Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  ports:
    - port: 80
      targetPort: 8080
`,
      };
    case 2:
      return {
        [`apps/${name}/kustomization.yaml`]: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${stage}
resources:
  - ../../base/${name}
images:
  - name: ${name}
    newName: ${image}
    newTag: "${version}"
`,
      };
    case 3:
      return {
        [`apps/${name}/helmrelease.yaml`]: `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
spec:
  interval: 10m
  chart:
    spec:
      chart: ${name}
      version: 1.0.0
      sourceRef: {kind: HelmRepository, name: acme}
  values:
    replicaCount: 2
    image:
      repository: ${image}
      tag: ${version}
      pullPolicy: IfNotPresent
`,
      };
    case 4:
      return {
        [`values/${name}.yaml`]: `# values for ${name}
${name.replace(/-/g, '')}:
  image:
    registry: ghcr.io
    repository: acme/${name}
    tag: '${version}'
  resources:
    limits:
      memory: 256Mi
`,
      };
    default:
      return {
        [`apps/${name}/cronjob.yaml`]: `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: ${name}
              image: "${image}:${version}"
`,
      };
  }
}

/** The config repo of `workloads` workloads × 3 stages under `root` (kept between runs). */
export function generate(root: string, workloads: number): string {
  const repo = path.join(root, `repo-${workloads}`);
  if (existsSync(path.join(repo, 'stagecoach.yaml'))) return repo;
  rmSync(repo, { recursive: true, force: true });
  for (const stage of STAGES) {
    for (let i = 0; i < workloads; i += 1) {
      for (const [file, text] of Object.entries(workloadFiles(i, stage))) {
        const target = path.join(repo, 'envs', stage, file);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, text);
      }
    }
  }
  writeFileSync(
    path.join(repo, 'stagecoach.yaml'),
    `stages:\n${STAGES.map((s) => `  - name: ${s}\n    path: envs/${s}\n`).join('')}`,
  );
  return repo;
}
