// Manifests for tests that need a workload holding one image (the image sits on line 10).

export function apiDeployment(image: string, comment = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ${image}${comment}
`;
}
