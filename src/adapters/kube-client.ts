// client-node, loaded only when a command reads a cluster: the bundle carries it as a chunk of its own (about 17 MB of
// generated API models), so plan, promote, status and verify never parse it (+230 ms and +60 MB per run otherwise).
import type { KubeConfig } from '@kubernetes/client-node';

let loaded: { KubeConfig: typeof KubeConfig } | undefined;

/** Loads client-node once; every reader and kubeconfig load waits for it first. */
export async function loadKubeClient(): Promise<void> {
  loaded ??= await import('@kubernetes/client-node');
}

/** client-node's KubeConfig, once loadKubeClient() has run (a bug otherwise: a cluster read without it). */
export function kubeConfigClass(): typeof KubeConfig {
  if (!loaded) throw new Error('internal: client-node is read before loadKubeClient()');
  return loaded.KubeConfig;
}
