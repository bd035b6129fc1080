// Flux ImagePolicy objects for a scanned stage: those in its files, and those beside a line whose `$imagepolicy`
// marker names a policy the stage does not hold (Flux layouts keep `<env>-image-policy.yaml` next to the patch).
import { readImagePolicies, policyOfMarker } from '../core/flux-image-policy.js';
import type { ScannedStage } from '../core/plan.js';
import { insideStagePath } from '../core/plan.js';
import { NotUtf8Error, OutsideRepoError, type RepoFiles } from '../adapters/repo-files.js';

function folderOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash === -1 ? '' : file.slice(0, slash);
}

/** Adds the policies the marked lines name from their folders; a folder inside a scanned stage folder was read already. */
export async function policiesBeside(files: RepoFiles, stage: ScannedStage, seen: Set<string>): Promise<void> {
  const policies = stage.policies ?? [];
  const folders = new Set<string>();
  for (const reference of stage.references) {
    if (!reference.marker || policyOfMarker(reference.marker, policies)) continue;
    const folder = folderOf(reference.file);
    if (!stage.paths.some((path) => folder === path || insideStagePath(folder, path))) folders.add(folder);
  }
  for (const folder of [...folders].sort()) {
    const list = await files.list(folder === '' ? '.' : folder);
    for (const file of list) {
      if (seen.has(file) || folderOf(file) !== folder || !/\.ya?ml$/.test(file)) continue;
      seen.add(file);
      let text: string;
      try {
        text = await files.read(file);
      } catch (error) {
        // Not UTF-8, or a link out of the repository: it holds no policy we may read. Anything else is a fault.
        if (error instanceof NotUtf8Error || error instanceof OutsideRepoError) continue;
        throw error;
      }
      policies.push(...readImagePolicies(file, text));
    }
  }
  if (policies.length > 0) stage.policies = policies;
}
