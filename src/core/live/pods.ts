// Pods: why a rollout is not done (the kubelet's and scheduler's own words), and which version and digest each pod
// runs. The digest comes from `imageID` (what the runtime pulled), never from `status.image`, whose tag can name
// another tag of the same digest.
import { tryParseImage } from '../image-reference.js';
import { type ContainerStatus, type Pod, condition } from './objects.js';

export interface PodProblem {
  /** ImagePullBackOff, ErrImagePull, CrashLoopBackOff, OOMKilled, Unschedulable, InvalidImageName, Failed... */
  reason: string;
  message: string;
  container?: string;
  /** CrashLoopBackOff: the last exit code, and how often the container restarted. */
  exitCode?: number;
  restarts?: number;
  /** When the pod has been in trouble since (its Ready condition's transition, else its creation): ISO time. */
  since?: string;
}

export interface PodImage {
  container: string;
  /** The repository of the spec image (canonical), and its tag/digest as the spec names them. */
  repository: string;
  tag?: string;
  specDigest?: string;
  /** The digest the runtime runs (from imageID), when the container has started. */
  digest?: string;
}

// gitops-engine's rule (health_pod.go) plus the names the kubelet gives an unusable image reference.
const BAD_WAITING = /^Err|Error$|BackOff$|^InvalidImageName$/;
const DIGEST_IN_ID = /@(sha256:[a-f0-9]{64})$/;

export function isReady(pod: Pod): boolean {
  return !pod.metadata?.deletionTimestamp && condition(pod.status?.conditions, 'Ready')?.status === 'True';
}

function since(pod: Pod): string | undefined {
  const ready = condition(pod.status?.conditions, 'Ready');
  return (ready?.status !== 'True' && ready?.lastTransitionTime) || pod.metadata?.creationTimestamp;
}

function containerProblem(status: ContainerStatus): PodProblem | undefined {
  const waiting = status.state?.waiting;
  if (waiting?.reason && BAD_WAITING.test(waiting.reason)) {
    const problem: PodProblem = { reason: waiting.reason, message: waiting.message ?? '', container: status.name };
    const last = status.lastState?.terminated;
    if (waiting.reason === 'CrashLoopBackOff' && last) {
      problem.restarts = status.restartCount ?? 0;
      if (last.exitCode !== undefined) problem.exitCode = last.exitCode;
      if (last.reason === 'OOMKilled') problem.reason = 'OOMKilled';
      const exit = last.reason === 'OOMKilled' ? 'OOMKilled' : `exit code ${last.exitCode ?? '?'}`;
      problem.message = `${exit} after ${problem.restarts} restarts${last.message ? `: ${last.message}` : ''}${problem.message ? ` (${problem.message})` : ''}`;
    }
    return problem;
  }
  const terminated = status.state?.terminated;
  if (terminated && terminated.exitCode !== 0 && terminated.exitCode !== undefined)
    return {
      reason: terminated.reason === 'OOMKilled' ? 'OOMKilled' : 'Terminated',
      message: `exit code ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ''}`,
      container: status.name,
      exitCode: terminated.exitCode,
    };
  return undefined;
}

/** What keeps a pod from running ready, worst first; empty for a healthy or simply starting pod. */
export function podProblems(pod: Pod): PodProblem[] {
  const s = pod.status ?? {};
  const out: PodProblem[] = [];
  const scheduled = condition(s.conditions, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
    out.push({ reason: 'Unschedulable', message: scheduled.message ?? '' });
  if (s.phase === 'Failed') out.push({ reason: s.reason ?? 'Failed', message: s.message ?? 'the pod failed' });
  for (const status of [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])]) {
    const problem = containerProblem(status);
    if (problem) out.push(problem);
  }
  const at = since(pod);
  return at ? out.map((p) => ({ ...p, since: at })) : out;
}

/** The images a pod's containers (init ones too) run, with the runtime's digest where it has one. */
export function podImages(pod: Pod): PodImage[] {
  const statuses = new Map(
    [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.name, s]),
  );
  const out: PodImage[] = [];
  for (const container of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    const parsed = container.image ? tryParseImage(container.image) : undefined;
    if (!parsed) continue;
    const digest = DIGEST_IN_ID.exec(statuses.get(container.name)?.imageID ?? '')?.[1];
    out.push({
      container: container.name,
      repository: parsed.repository,
      ...(parsed.tag ? { tag: parsed.tag } : {}),
      ...(parsed.digest ? { specDigest: parsed.digest } : {}),
      ...(digest ? { digest } : {}),
    });
  }
  return out;
}
