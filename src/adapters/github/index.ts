// The one GitHub client, assembled from its roles: client construction (client.ts), failure advice (failure.ts), the
// snapshot (snapshot.ts), branches (branches.ts), pull requests (pull-requests.ts) and the tree reader (tree-reader.ts).
import { createBranches } from './branches.js';
import { createClient, type GitHubOptions } from './client.js';
import { createPullRequests } from './pull-requests.js';
import { GitHubError, type GitHub, type GitHubTreeReader } from './port.js';
import { createSnapshots } from './snapshot.js';
import { createTreeReader } from './tree-reader.js';

export type { GitHubOptions } from './client.js';
export * from './port.js';

/** The GitHub client for one token. `baseUrl` comes from GITHUB_API_URL, read by the caller. */
export function createGitHub(options: GitHubOptions): GitHub & GitHubTreeReader {
  if (!options.token)
    throw new GitHubError(
      'No GitHub token: pass the token input (for example `token: ${{ github.token }}`) or set GITHUB_TOKEN',
    );
  const client = createClient(options);
  return {
    measure: (work) => client.measure(work),
    ...createSnapshots(client),
    ...createBranches(client),
    ...createPullRequests(client),
    ...createTreeReader(client),
  };
}
