// Containers of workloads: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Argo Rollout, Knative
// Service, any CRD that embeds a pod template the same way, and partial manifests used as Kustomize patches.
import type { Collector } from './collector.js';
import { addImageScalar } from './image-text.js';
import type { YMap, YNode } from './tree.js';
import { asMap, asScalar, asSeq, getPath, stringAt } from './tree.js';

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];

/** Where pod specs live: Pod (`spec`), most controllers and Knative/Rollout (`spec.template.spec`), CronJob, PodTemplate. */
function podSpecs(root: YMap): YNode[] {
  const found: YNode[] = [];
  for (const path of [
    ['spec'],
    ['spec', 'template', 'spec'],
    ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
    ['template', 'spec'],
  ]) {
    const node = getPath(root, ...path);
    if (node !== undefined) found.push(node);
  }
  return found;
}

/** Returns how many references it found. */
export function scanWorkload(c: Collector, root: YMap, document: number, workload: string): number {
  let found = 0;
  for (const spec of podSpecs(root)) {
    const specMap = asMap(spec);
    if (!specMap) continue;
    for (const list of CONTAINER_LISTS) {
      const containers = asSeq(getPath(specMap, list));
      if (!containers) continue;
      for (const item of containers.items) {
        const container = asMap(item);
        if (!container) continue;
        const scalar = asScalar(getPath(container, 'image'));
        if (!scalar) continue;
        const name = stringAt(container, 'name');
        const added = addImageScalar(
          c,
          scalar,
          { format: 'workload', workload, container: name, document },
          {
            block: `the image of ${workload} container ${name ?? '?'} is a block scalar (| or >); write it on one line to let stagecoach edit it`,
            of: `container ${name ?? '?'} of ${workload}`,
          },
        );
        if (added) found++;
      }
    }
  }
  return found;
}
