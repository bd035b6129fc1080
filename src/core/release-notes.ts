// Release-note links from the OCI labels of the old and new image: the same source repository at two revisions gives
// a compare view. Nothing is guessed: without both labels on both images there is no link.

export const SOURCE_LABEL = 'org.opencontainers.image.source';
export const REVISION_LABEL = 'org.opencontainers.image.revision';

/** A git revision as build tools record it: a commit hash or a tag name (no spaces, no `..`). */
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

/** `https://host/owner/repo` of a source label (`.git` and a trailing `/` dropped); undefined unless it is that shape. */
function sourceRepository(source: string | undefined): string | undefined {
  const match = /^https:\/\/([A-Za-z0-9.-]+(?::\d+)?)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
    source?.trim() ?? '',
  );
  return match ? `https://${match[1].toLowerCase()}/${match[2]}/${match[3]}` : undefined;
}

/** `<source>/compare/<old>...<new>` when both images name the same source repository and a revision each. */
export function compareLink(
  oldLabels: Record<string, string> | undefined,
  newLabels: Record<string, string> | undefined,
): string | undefined {
  const from = sourceRepository(oldLabels?.[SOURCE_LABEL]);
  const to = sourceRepository(newLabels?.[SOURCE_LABEL]);
  const oldRevision = oldLabels?.[REVISION_LABEL]?.trim();
  const newRevision = newLabels?.[REVISION_LABEL]?.trim();
  if (!from || from.toLowerCase() !== to?.toLowerCase() || !oldRevision || !newRevision) return undefined;
  if (!REVISION.test(oldRevision) || !REVISION.test(newRevision) || /\.\./.test(oldRevision + newRevision))
    return undefined;
  if (oldRevision === newRevision) return undefined;
  return `${to}/compare/${encodeURIComponent(oldRevision)}...${encodeURIComponent(newRevision)}`;
}

/** The registry reference of a version as written (`tag`, `tag@digest`, `@digest`): the digest when there is one. */
export function registryReference(version: string): string {
  const at = version.indexOf('@');
  return at >= 0 ? version.slice(at + 1) : version;
}
