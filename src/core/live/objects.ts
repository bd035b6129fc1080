// The few fields of Kubernetes objects the live rules read, as the API returns them (plain JSON). Structural and
// partial on purpose: a field the rules do not read is not named here, and every field may be missing.
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface OwnerReference {
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface Container {
  name: string;
  image?: string;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  restartPolicy?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** Deployment, StatefulSet, DaemonSet, ReplicaSet and Argo Rollout: the union of what their rules read. */
export interface Workload extends KubeObject {
  spec?: {
    replicas?: number;
    paused?: boolean;
    template?: { spec?: PodSpec };
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
    strategy?: { canary?: { steps?: unknown[] }; blueGreen?: unknown };
  };
  status?: {
    /** A number for the built-in kinds, a string for Argo Rollouts. */
    observedGeneration?: number | string;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: Condition[];
    phase?: string;
    message?: string;
    currentStepIndex?: number;
    pauseConditions?: { reason?: string; startTime?: string }[];
  };
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

/** Flux Kustomization and HelmRelease, Argo CD Application: the agent objects. */
export interface AgentObject extends KubeObject {
  spec?: {
    suspend?: boolean;
    path?: string;
    source?: { repoURL?: string; path?: string };
    sources?: { repoURL?: string; path?: string }[];
  };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    inventory?: { entries?: { id: string; v?: string }[] };
    // Argo CD Application
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string; lastTransitionTime?: string };
    operationState?: { phase?: string; message?: string; finishedAt?: string; startedAt?: string };
    reconciledAt?: string;
    resources?: { group?: string; kind?: string; namespace?: string; name?: string }[];
    summary?: { images?: string[] };
  };
  operation?: unknown;
}

export function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** `namespace/Kind/name`: how an object is named in messages and in the model. */
export function objectRef(object: KubeObject): string {
  const meta = object.metadata ?? {};
  return `${meta.namespace ? `${meta.namespace}/` : ''}${object.kind ?? '?'}/${meta.name ?? '?'}`;
}
