import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';

let emulator: GitHubEmulator;
const repo = { owner: 'acme', repo: 'config' };

beforeEach(async () => {
  emulator = await startGitHubEmulator();
  await emulator.createRepo('acme/config', { 'staging/api.yaml': 'image: api:1\n' });
});

afterEach(async () => {
  await emulator.stop();
});

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.url}${path}`, {
    ...init,
    headers: { authorization: `token ${emulator.token}`, 'content-type': 'application/json', ...init.headers },
  });
}

/** An Octokit with the retry and throttling plugins the action uses, waiting milliseconds instead of seconds. */
function resilientOctokit(events: string[]) {
  return getOctokit(
    emulator.token,
    {
      baseUrl: emulator.url,
      retry: { retryAfterBaseValue: 1 },
      throttle: {
        retryAfterBaseValue: 1,
        onRateLimit: (after: number) => {
          events.push(`primary ${after}`);
          return true;
        },
        onSecondaryRateLimit: (after: number) => {
          events.push(`secondary ${after}`);
          return true;
        },
      },
    },
    retry,
    throttling,
  );
}

describe('injected faults', () => {
  test('a 5xx applies to exactly the next N matching requests; Octokit retries through it', async () => {
    emulator.inject({ kind: 'status', status: 502, method: 'GET', path: /\/git\/ref\//, times: 2 });
    const { data } = await resilientOctokit([]).rest.git.getRef({ ...repo, ref: 'heads/main' });
    expect(data.ref).toBe('refs/heads/main');
    expect(emulator.requests.filter((r) => r.path.includes('/git/ref/')).map((r) => r.status)).toEqual([502, 502, 200]);
    expect((await get('/repos/acme/config/git/ref/heads/main')).status).toBe(200);
  });

  test('a matching rule leaves other methods and paths alone', async () => {
    emulator.inject({ kind: 'status', status: 500, method: 'POST', path: '/repos/acme/config/git/blobs' });
    expect((await get('/repos/acme/config')).status).toBe(200);
    expect(
      (await get('/repos/acme/config/git/blobs', { method: 'POST', body: JSON.stringify({ content: 'x' }) })).status,
    ).toBe(500);
    expect(
      (await get('/repos/acme/config/git/blobs', { method: 'POST', body: JSON.stringify({ content: 'x' }) })).status,
    ).toBe(201);
  });

  test('secondary rate limit: 403 with retry-after and GitHub message, which plugin-throttling recognises', async () => {
    emulator.inject({ kind: 'secondary-rate-limit', path: /\/pulls$/, retryAfter: 2 });
    const response = await get('/repos/acme/config/pulls');
    expect(response.status).toBe(403);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(((await response.json()) as { message: string }).message).toMatch(
      /^You have exceeded a secondary rate limit/,
    );

    const events: string[] = [];
    emulator.inject({ kind: 'secondary-rate-limit', path: /\/pulls$/, retryAfter: 1 });
    const { data } = await resilientOctokit(events).rest.pulls.list(repo);
    expect(data).toEqual([]);
    expect(events).toEqual(['secondary 1']);
  });

  test('primary rate limit: x-ratelimit-remaining 0 and a reset time, over REST and GraphQL', async () => {
    emulator.inject({ kind: 'primary-rate-limit', path: /^\/repos\/acme\/config$/, resetInSeconds: 30 });
    const response = await get('/repos/acme/config');
    expect(response.status).toBe(403);
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    expect(reset - Date.now() / 1000).toBeGreaterThan(25);
    expect(((await response.json()) as { message: string }).message).toMatch(/^API rate limit exceeded/);

    const events: string[] = [];
    const octokit = resilientOctokit(events);
    emulator.inject({ kind: 'primary-rate-limit', path: /^\/repos\/acme\/config$/ });
    expect((await octokit.rest.repos.get(repo)).data.full_name).toBe('acme/config');
    emulator.inject({ kind: 'primary-rate-limit', path: '/graphql', graphqlOperation: 'Probe' });
    const result = await octokit.graphql<{ repository: { nameWithOwner: string } }>(
      'query Probe { repository(owner: "acme", name: "config") { nameWithOwner } }',
    );
    expect(result.repository.nameWithOwner).toBe('acme/config');
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.startsWith('primary '))).toBe(true);
    expect(emulator.requests.filter((r) => r.graphqlOperation === 'Probe').map((r) => r.status)).toEqual([200, 200]);
  });

  test('move-base: a branch moves just before the request, so a compare-and-swap ref update fails as on GitHub', async () => {
    const octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
    const { data: ref } = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
    const { data: base } = await octokit.rest.git.getCommit({ ...repo, commit_sha: ref.object.sha });
    const { data: tree } = await octokit.rest.git.createTree({
      ...repo,
      base_tree: base.tree.sha,
      tree: [{ path: 'staging/api.yaml', mode: '100644', type: 'blob', content: 'image: api:2\n' }],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      ...repo,
      message: 'promote',
      tree: tree.sha,
      parents: [ref.object.sha],
    });

    emulator.inject({
      kind: 'move-base',
      repo: 'acme/config',
      branch: 'main',
      method: 'PATCH',
      path: /\/git\/refs\/heads/,
      files: { 'prod/web.yaml': 'image: web:9\n' },
    });
    await expect(octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: commit.sha })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: 'Update is not a fast forward' } },
    });
    const moved = (await emulator.branchSha('acme/config', 'main'))!;
    expect(moved).not.toBe(ref.object.sha);
    expect((await octokit.rest.git.getCommit({ ...repo, commit_sha: moved })).data.parents.map((p) => p.sha)).toEqual([
      ref.object.sha,
    ]);
    expect(await emulator.readFile('acme/config', 'main', 'prod/web.yaml')).toBe('image: web:9\n');
    expect(await emulator.readFile('acme/config', 'main', 'staging/api.yaml')).toBe('image: api:1\n');
    // the fault was used up: the retried update on the new base succeeds
    const { data: rebased } = await octokit.rest.git.createCommit({
      ...repo,
      message: 'promote',
      tree: tree.sha,
      parents: [moved],
    });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: rebased.sha });
  });

  test('a held request waits in flight while other requests are served, then goes through', async () => {
    const octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
    const held = emulator.hold({ method: 'GET', path: '/repos/acme/config/git/ref/heads/main' });
    let settled = false;
    const slow = octokit.rest.git
      .getRef({ ...repo, ref: 'heads/main' })
      .then((response) => ((settled = true), response));
    await held.arrived;
    const moved = await emulator.commit('acme/config', 'main', { 'late.txt': 'late\n' }, 'meanwhile');
    expect((await octokit.rest.repos.get(repo)).status).toBe(200);
    expect(settled).toBe(false);
    held.release();
    // Served after its release: it sees the state of that moment.
    expect((await slow).data.object.sha).toBe(moved);
    expect(emulator.requests.map((r) => r.path)).toEqual([
      '/repos/acme/config',
      '/repos/acme/config/git/ref/heads%2Fmain',
    ]);
  });

  test('the request log records method, path, status and GraphQL operation, and resets', async () => {
    const octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
    await octokit.rest.repos.get(repo);
    await octokit.graphql('{ repository(owner: "acme", name: "config") { id } }');
    await octokit.graphql('query Named($o: String!) { repository(owner: $o, name: "config") { id } }', { o: 'acme' });
    expect(emulator.requests).toEqual([
      { method: 'GET', path: '/repos/acme/config', status: 200 },
      { method: 'POST', path: '/graphql', status: 200, graphqlOperation: 'repository' },
      { method: 'POST', path: '/graphql', status: 200, graphqlOperation: 'Named' },
    ]);
    emulator.resetLog();
    expect(emulator.requests).toEqual([]);
  });
});
