import { getOctokit } from '@actions/github';
import { readFileSync } from 'node:fs';
import { ROUTES } from '../support/github-emulator/rest-routes.js';
import { expectNoViolations, startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';

let emulator: GitHubEmulator;

beforeEach(async () => {
  emulator = await startGitHubEmulator();
  await emulator.createRepo('acme/config', { 'a.txt': 'a\n' });
});

// Tests stop it themselves (expecting violations); this only cleans up after a failed assertion.
afterEach(async () => {
  await emulator.stop().catch(() => undefined);
});

/** Stops the emulator expecting exactly these violations (each a regex), so the test proves they were recorded. */
async function stopExpecting(...patterns: RegExp[]): Promise<void> {
  expect(emulator.violations).toHaveLength(patterns.length);
  patterns.forEach((pattern, i) => expect(emulator.violations[i]).toMatch(pattern));
  await expect(emulator.stop()).rejects.toThrow(/the GitHub emulator recorded/);
}

function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? emulator.token}`;
  return fetch(`${emulator.url}${path}`, { ...init, headers });
}

describe('contract checks against GitHub’s OpenAPI description', () => {
  test('a response that breaks the schema reaches the client as a 500 and fails the test at stop()', async () => {
    // A deliberately broken handler: `url` must be a URI and `object.sha` a string.
    emulator.tamper('git/get-ref', (body) => ({ ...(body as object), url: '', object: { sha: 42 } }));
    const octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
    await expect(octokit.rest.git.getRef({ owner: 'acme', repo: 'config', ref: 'heads/main' })).rejects.toMatchObject({
      status: 500,
    });
    expect(() => expectNoViolations(emulator)).toThrow(/git\/get-ref.*violates GitHub's OpenAPI description/);
    expect(emulator.violations[0]).toMatch(/\/url must match format "uri"/);
    expect(emulator.violations[0]).toMatch(/\/object\/sha must be string/);
    await stopExpecting(/response 200 to GET/);
  });

  test('a request that breaks the schema gets GitHub’s 422 "Invalid request" and is recorded', async () => {
    const response = await call('/repos/acme/config/git/refs', {
      method: 'POST',
      body: JSON.stringify({ ref: 'refs/heads/x', sha: 123 }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { message: string }).message).toMatch(/^Invalid request\./);
    const missing = await call('/repos/acme/config/pulls', {
      method: 'POST',
      body: JSON.stringify({ title: 'no head or base' }),
    });
    expect(missing.status).toBe(422);
    await stopExpecting(
      /request POST .*git\/refs .*sha must be string/,
      /request POST .*pulls .*must have required property 'head'/,
    );
  });

  test('requests the emulator does not serve are reported, not silently answered', async () => {
    expect((await call('/repos/acme/config/branches/main')).status).toBe(404);
    const unsupported = await call('/repos/acme/config/commits?author=alice');
    expect(unsupported.status).toBe(422);
    expect(((await unsupported.json()) as { message: string }).message).toBe(
      'emulator does not implement repos/list-commits query parameter(s) author',
    );
    await stopExpecting(
      /emulator does not implement GET \/repos\/acme\/config\/branches\/main/,
      /query parameter\(s\) author/,
    );
  });

  test('authentication: token and Bearer schemes; GitHub’s 401 bodies otherwise', async () => {
    expect((await call('/repos/acme/config', { headers: {} })).status).toBe(200);
    const tokenScheme = await fetch(`${emulator.url}/repos/acme/config`, {
      headers: { authorization: `token ${emulator.token}` },
    });
    expect(tokenScheme.status).toBe(200);
    const wrong = await call('/repos/acme/config', { token: 'ghp_wrong' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
    const anonymous = await call('/repos/acme/config', { token: null });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { message: string }).message).toBe('Requires authentication');
    expect((await call('/repos/acme/unknown')).status).toBe(404);
    expect(emulator.violations).toEqual([]);
    await emulator.stop();
  });

  test('the committed OpenAPI subset holds exactly the operations the route table serves', () => {
    const subset = JSON.parse(
      readFileSync(new URL('../support/github-emulator/openapi-subset.json', import.meta.url), 'utf8'),
    ) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const described = Object.entries(subset.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId}`),
    );
    expect(ROUTES.map((route) => `${route.method} ${route.template} ${route.operationId}`).sort()).toEqual(
      described.sort(),
    );
  });
});
