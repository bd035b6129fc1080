import { getOctokit } from '@actions/github';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';

let emulator: GitHubEmulator;
let octokit: ReturnType<typeof getOctokit>;

beforeEach(async () => {
  emulator = await startGitHubEmulator();
  octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
  await emulator.createRepo(
    'acme/config',
    { 'stages/dev/api.yaml': 'image: api:2\n', 'stages/prod/api.yaml': 'image: api:1\n', 'logo.bin': '\0PNG' },
    { date: '2024-05-01T10:00:00Z' },
  );
});

afterEach(async () => {
  await emulator.stop().catch(() => undefined);
});

interface CommitNode {
  oid: string;
  message?: string;
  committedDate?: string;
  tree?: { oid: string };
  parents?: { nodes: { oid: string }[] };
}
interface StateQuery {
  repository: {
    nameWithOwner: string;
    defaultBranchRef: { name: string; target: CommitNode & { tree: { oid: string } } };
    ref: { name: string; target: CommitNode } | null;
    short: { name: string } | null;
    none: { name: string } | null;
    pullRequests: { nodes: unknown[] };
    closed: { nodes: unknown[] };
    label: { id: string; name: string } | null;
    missingLabel: { id: string } | null;
  };
}
interface ObjectsQuery {
  repository: {
    dev: { text: string; byteSize: number; isBinary: boolean; oid: string };
    prod: { text: string };
    bin: { text: string | null; isBinary: boolean; byteSize: number };
    missing: null;
    stages: { entries: { name: string; path: string; type: string; mode: number; oid: string }[] };
    commit: CommitNode & { __typename: string };
  };
}

/** Raw POST, to see the HTTP status and body GitHub-style errors come in. */
async function post(
  query: string,
  variables?: Record<string, unknown>,
): Promise<{
  status: number;
  body: { data?: unknown; errors?: { message: string; type?: string; extensions?: Record<string, unknown> }[] };
}> {
  const response = await fetch(emulator.graphqlUrl, {
    method: 'POST',
    headers: { authorization: `bearer ${emulator.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

describe('GraphQL', () => {
  test('repository, refs, commits, pull requests and labels resolve from live state', async () => {
    const head = await emulator.commit(
      'acme/config',
      'stagecoach/prod',
      { 'stages/prod/api.yaml': 'image: api:2\n' },
      'Promote api to prod\n\nbody',
      { date: '2024-05-02T10:00:00Z' },
    );
    const main = (await emulator.branchSha('acme/config', 'main'))!;
    await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'config',
      head: 'stagecoach/prod',
      base: 'main',
      title: 'Promote api',
      body: 'plan',
    });
    await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'config', issue_number: 1, labels: ['stagecoach'] });

    const data = await octokit.graphql<StateQuery>(
      `query State($owner: String!, $name: String!, $head: String!) {
        repository(owner: $owner, name: $name) {
          id nameWithOwner
          defaultBranchRef { name target { oid ... on Commit { oid tree { oid } parents(first: 1) { nodes { oid } } committedDate message } } }
          ref(qualifiedName: "refs/heads/stagecoach/prod") { name target { oid ... on Commit { message parents(first: 1) { nodes { oid } } } } }
          short: ref(qualifiedName: "stagecoach/prod") { name }
          none: ref(qualifiedName: "refs/heads/nope") { name }
          pullRequests(headRefName: $head, baseRefName: "main", states: [OPEN], first: 10) {
            nodes { id number url title body state isDraft headRefName headRefOid baseRefName labels(first: 10) { nodes { name } } }
          }
          closed: pullRequests(states: [CLOSED], first: 10) { nodes { number } }
          label(name: "stagecoach") { id name }
          missingLabel: label(name: "nope") { id }
        }
      }`,
      { owner: 'acme', name: 'config', head: 'stagecoach/prod' },
    );
    const repository = data.repository;
    expect(repository.nameWithOwner).toBe('acme/config');
    expect(repository.defaultBranchRef).toMatchObject({
      name: 'main',
      target: { oid: main, parents: { nodes: [] }, committedDate: '2024-05-01T10:00:00Z', message: 'Initial commit' },
    });
    expect(repository.defaultBranchRef.target.tree.oid).toMatch(/^[0-9a-f]{40}$/);
    expect(repository.ref).toEqual({
      name: 'stagecoach/prod',
      target: { oid: head, message: 'Promote api to prod\n\nbody', parents: { nodes: [{ oid: main }] } },
    });
    expect(repository.short).toEqual({ name: 'stagecoach/prod' });
    expect(repository.none).toBeNull();
    expect(repository.pullRequests.nodes).toEqual([
      {
        id: emulator.pulls('acme/config')[0].nodeId,
        number: 1,
        url: `${emulator.url}/acme/config/pull/1`,
        title: 'Promote api',
        body: 'plan',
        state: 'OPEN',
        isDraft: false,
        headRefName: 'stagecoach/prod',
        headRefOid: head,
        baseRefName: 'main',
        labels: { nodes: [{ name: 'stagecoach' }] },
      },
    ]);
    expect(repository.closed.nodes).toEqual([]);
    expect(repository.label?.name).toBe('stagecoach');
    expect(repository.missingLabel).toBeNull();
  });

  test('object(expression:) and object(oid:) read blobs, trees and commits, many per query with aliases', async () => {
    const main = (await emulator.branchSha('acme/config', 'main'))!;
    const data = await octokit.graphql<ObjectsQuery>(`{
      repository(owner: "acme", name: "config") {
        dev: object(expression: "main:stages/dev/api.yaml") { ... on Blob { text byteSize isBinary oid } }
        prod: object(expression: "${main}:stages/prod/api.yaml") { ... on Blob { text } }
        bin: object(expression: "main:logo.bin") { ... on Blob { text isBinary byteSize } }
        missing: object(expression: "main:stages/qa/api.yaml") { oid }
        stages: object(expression: "main:stages") { ... on Tree { entries { name path type mode oid } } }
        commit: object(oid: "${main}") { __typename ... on Commit { oid committedDate message tree { oid } parents(first: 5) { nodes { oid } } } }
      }
    }`);
    const r = data.repository;
    expect(r.dev).toMatchObject({ text: 'image: api:2\n', byteSize: 13, isBinary: false });
    expect(r.dev.oid).toMatch(/^[0-9a-f]{40}$/);
    expect(r.prod).toEqual({ text: 'image: api:1\n' });
    expect(r.bin).toEqual({ text: null, isBinary: true, byteSize: 4 });
    expect(r.missing).toBeNull();
    expect(r.stages.entries.map((e) => [e.name, e.path, e.type, e.mode])).toEqual([
      ['dev', 'stages/dev', 'tree', 0o40000],
      ['prod', 'stages/prod', 'tree', 0o40000],
    ]);
    expect(r.commit).toMatchObject({
      __typename: 'Commit',
      oid: main,
      message: 'Initial commit',
      parents: { nodes: [] },
    });
    expect(emulator.violations).toEqual([]);
  });

  test('queries GitHub’s schema rejects get GitHub-style errors (200 + errors) and are recorded', async () => {
    const unknown = await post('{ repository(owner: "acme", name: "config") { nameWithOwner noSuchField } }');
    expect(unknown.status).toBe(200);
    expect(unknown.body.data).toBeUndefined();
    expect(unknown.body.errors).toEqual([
      expect.objectContaining({
        message: "Field 'noSuchField' doesn't exist on type 'Repository'",
        extensions: expect.objectContaining({ code: 'undefinedField' }),
      }),
    ]);
    const missingArg = await post('{ repository(owner: "acme") { id } }');
    expect(missingArg.body.errors?.[0]).toMatchObject({
      message: "Field 'repository' is missing required arguments: name",
    });
    const badEnum = await post(
      '{ repository(owner: "acme", name: "config") { pullRequests(states: [DRAFTY], first: 1) { nodes { id } } } }',
    );
    expect(badEnum.body.errors?.[0].message).toMatch(/DRAFTY/);
    await expect(octokit.graphql('{ repository(owner: "acme", name: "config") { nope } }')).rejects.toThrow(
      /Field 'nope' doesn't exist on type 'Repository'/,
    );
    expect(emulator.violations).toHaveLength(4);
    expect(emulator.violations.every((v) => v.startsWith("GraphQL query invalid against GitHub's schema"))).toBe(true);
    await expect(emulator.stop()).rejects.toThrow(/4 violation/);
  });

  test('fields outside the emulated subset say so instead of answering null; GitHub’s own errors are typed', async () => {
    const unimplemented = await post('{ repository(owner: "acme", name: "config") { stargazerCount } }');
    expect(unimplemented.body.errors?.[0]).toMatchObject({
      type: 'EMULATOR_NOT_IMPLEMENTED',
      message: 'emulator does not implement Repository.stargazerCount',
    });
    expect(emulator.violations).toEqual(['GraphQL: emulator does not implement Repository.stargazerCount']);
    emulator.violations.length = 0;

    const unbounded = await post('{ repository(owner: "acme", name: "config") { pullRequests { nodes { id } } } }');
    expect(unbounded.body.errors?.[0]).toMatchObject({ type: 'MISSING_PAGINATION_BOUNDARIES' });
    const noRepo = await post('{ repository(owner: "acme", name: "nope") { id } }');
    expect(noRepo.body).toMatchObject({
      data: { repository: null },
      errors: [{ type: 'NOT_FOUND', message: "Could not resolve to a Repository with the name 'acme/nope'." }],
    });
    expect(emulator.violations).toEqual([]);
  });

  test('enablePullRequestAutoMerge records the request on the pull request', async () => {
    await emulator.commit('acme/config', 'stagecoach/prod', { 'stages/prod/api.yaml': 'image: api:2\n' }, 'Promote');
    const { data: pr } = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'config',
      head: 'stagecoach/prod',
      base: 'main',
      title: 'Promote',
    });
    const result = await octokit.graphql<{
      enablePullRequestAutoMerge: { pullRequest: { number: number; autoMergeRequest: { mergeMethod: string } } };
    }>(
      `mutation Enable($id: ID!) {
        enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { pullRequest { number autoMergeRequest { mergeMethod } } }
      }`,
      { id: pr.node_id },
    );
    expect(result.enablePullRequestAutoMerge.pullRequest).toEqual({
      number: pr.number,
      autoMergeRequest: { mergeMethod: 'SQUASH' },
    });
    expect(emulator.pulls('acme/config')[0].autoMerge).toEqual({ mergeMethod: 'SQUASH' });
    const { data: fetched } = await octokit.rest.pulls.get({ owner: 'acme', repo: 'config', pull_number: pr.number });
    expect(fetched.auto_merge).toMatchObject({ merge_method: 'squash', enabled_by: { login: emulator.login } });
    expect(emulator.requests.at(-2)).toMatchObject({ path: '/graphql', graphqlOperation: 'Enable', status: 200 });

    const bad = await post(
      'mutation { enablePullRequestAutoMerge(input: { pullRequestId: "PR_nope" }) { clientMutationId } }',
    );
    expect(bad.body.errors?.[0]).toMatchObject({ type: 'NOT_FOUND' });
    await emulator.stop();
  });

  test("updateRefs is all or nothing, compares beforeOid, and fails with GitHub's generic, typeless error", async () => {
    const main = (await emulator.branchSha('acme/config', 'main')) as string;
    const side = await emulator.commit('acme/config', 'side', { 'stages/dev/api.yaml': 'image: api:3\n' }, 'side');
    const other = await emulator.commit('acme/config', 'other', { 'stages/prod/api.yaml': 'image: api:9\n' }, 'other');
    const { repository } = await octokit.graphql<{ repository: { id: string } }>(
      '{ repository(owner: "acme", name: "config") { id } }',
    );
    const mutation = `mutation Move($id: ID!, $updates: [RefUpdate!]!) { updateRefs(input: { repositoryId: $id, refUpdates: $updates }) { clientMutationId } }`;
    const move = (updates: Record<string, unknown>[]) => post(mutation, { id: repository.id, updates });
    const ZERO = '0'.repeat(40);

    // Create one ref (must not exist) and move another from its known value, atomically.
    expect(
      (
        await move([
          { name: 'refs/heads/new', afterOid: side, beforeOid: ZERO },
          { name: 'refs/heads/side', afterOid: main, beforeOid: side, force: true },
        ])
      ).body,
    ).toEqual({
      data: { updateRefs: { clientMutationId: null } },
    });
    expect(await emulator.branchSha('acme/config', 'new')).toBe(side);
    expect(await emulator.branchSha('acme/config', 'side')).toBe(main);

    // A stale beforeOid in one update leaves every ref where it was.
    const stale = await move([
      { name: 'refs/heads/new', afterOid: main, force: true },
      { name: 'refs/heads/side', afterOid: other, beforeOid: side, force: true },
    ]);
    expect(stale.status).toBe(200);
    expect(stale.body.data).toEqual({ updateRefs: null });
    expect(stale.body.errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^Something went wrong while executing your query/) }),
    ]);
    expect(stale.body.errors?.[0].type).toBeUndefined();
    expect(await emulator.branchSha('acme/config', 'new')).toBe(side);
    expect(await emulator.branchSha('acme/config', 'side')).toBe(main);

    // Not a fast-forward without force; a ref that must not exist but does; an object that does not exist.
    expect((await move([{ name: 'refs/heads/other', afterOid: main }])).body.errors).toHaveLength(1);
    expect(
      (await move([{ name: 'refs/heads/other', afterOid: main, beforeOid: ZERO, force: true }])).body.errors,
    ).toHaveLength(1);
    expect(
      (await move([{ name: 'refs/heads/other', afterOid: 'f'.repeat(40), force: true }])).body.errors,
    ).toHaveLength(1);
    expect(await emulator.branchSha('acme/config', 'other')).toBe(other);
    expect(emulator.violations).toEqual([]);
  });
});
