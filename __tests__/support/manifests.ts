// Manifests for tests that need a workload holding one image (the image sits on line 10).

export function deploymentYaml(image: string, comment = '', name = 'api'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: ${name}
          image: ${image}${comment}
`;
}
