// The tree reader: a commit's file listing (REST trees) and texts (GraphQL blob batches) for runs without a checkout.
import type { Client } from './client.js';
import type { BlobText, GitHubTreeReader, RepoRef, TreeEntry } from './port.js';

export type RawBlob =
  { oid: string; text: string | null; isBinary: boolean | null; isTruncated: boolean } | null | undefined;

export const BLOB_FIELDS = 'oid text isBinary isTruncated';

/** A GraphQL blob as the files reader takes it; undefined for a missing path. */
export function blobText(blob: RawBlob): BlobText | undefined {
  if (!blob) return undefined;
  return {
    ...(blob.text !== null && !blob.isTruncated ? { text: blob.text } : {}),
    oid: blob.oid,
    binary: blob.isBinary === true,
    truncated: blob.isTruncated,
  };
}

export function createTreeReader(client: Client): GitHubTreeReader {
  return {
    async readTree(repo: RepoRef, treeish: string, recursive: boolean) {
      const data = await client.rest<{ tree: TreeEntry[]; truncated: boolean }>(
        'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
        { owner: repo.owner, repo: repo.repo, tree_sha: treeish, ...(recursive ? { recursive: '1' } : {}) },
        { action: `list the files of ${treeish}`, repo, permission: 'contents: read' },
      );
      return { entries: data.tree, truncated: data.truncated };
    },

    async readTexts(repo: RepoRef, commit: string, paths: string[]): Promise<Map<string, BlobText>> {
      const result = new Map<string, BlobText>();
      if (paths.length === 0) return result;
      // Paths travel as variables, never spliced into the query text.
      const declarations = paths.map((_, index) => `$e${index}: String!`).join(', ');
      const fields = paths
        .map(
          (_, index) => `f${index}: object(expression: $e${index}) { ... on Blob { oid text isBinary isTruncated } }`,
        )
        .join('\n    ');
      const data = await client.graphql<{ repository: Record<string, RawBlob> | null }>(
        `query StagecoachBlobs($owner: String!, $name: String!, ${declarations}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`,
        {
          owner: repo.owner,
          name: repo.repo,
          ...Object.fromEntries(paths.map((path, index) => [`e${index}`, `${commit}:${path}`])),
        },
        { action: `read ${paths.length} file(s) at ${commit.slice(0, 12)}`, repo, permission: 'contents: read' },
      );
      paths.forEach((path, index) => {
        const blob = blobText(data.repository?.[`f${index}`]);
        if (blob) result.set(path, blob);
      });
      return result;
    },

    async readBlob(repo: RepoRef, sha: string): Promise<string> {
      const data = await client.rest<{ content: string; encoding: string }>(
        'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
        { owner: repo.owner, repo: repo.repo, file_sha: sha },
        { action: `read blob ${sha.slice(0, 12)}`, repo, permission: 'contents: read' },
      );
      return data.encoding === 'base64' ? Buffer.from(data.content, 'base64').toString('utf8') : data.content;
    },
  };
}
