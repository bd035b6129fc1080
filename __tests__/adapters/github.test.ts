// The GitHub client against a real HTTP server on 127.0.0.1: error messages, retries, rate limits, GHES URLs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGitHub, GitHubError } from '../../src/adapters/github/index.js';

const TOKEN = 'ghs_secretTOKEN0123456789abcdefghijklmnop';
const repo = { owner: 'acme', repo: 'config' };

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  accept?: string;
  body: string;
}

let server: Server;
let seen: Seen[];
let handler: (request: Seen, response: ServerResponse) => void;
let url: string;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        accept: request.headers.accept,
        body,
      };
      seen.push(entry);
      handler(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
});

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const client = (warnings: string[] = [], baseUrl = url) =>
  createGitHub({
    token: TOKEN,
    baseUrl,
    retryAfterBaseMs: 1,
    writeSpacingMs: 0,
    onWarning: (message) => warnings.push(message),
  });

async function failure(work: Promise<unknown>): Promise<GitHubError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(GitHubError);
    return error as GitHubError;
  }
  throw new Error('expected a failure');
}

const commitInput = { baseTree: 't', parent: 'p', files: { 'a.yaml': 'x' }, message: 'm' };

describe('GitHub client', () => {
  it('sends the token only in the Authorization header', async () => {
    handler = (_request, response) => json(response, 201, { sha: 'abc' });
    await client().commitFiles(repo, commitInput);
    expect(seen.map((s) => s.authorization)).toEqual([`token ${TOKEN}`, `token ${TOKEN}`]);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /repos/acme/config/git/trees',
      'POST /repos/acme/config/git/commits',
    ]);
    expect(JSON.parse(seen[0].body)).toEqual({
      base_tree: 't',
      tree: [{ path: 'a.yaml', mode: '100644', type: 'blob', content: 'x' }],
    });
  });

  it('names a bad token on 401, never the token itself', async () => {
    handler = (_request, response) => json(response, 401, { message: `Bad credentials ${TOKEN}` });
    const error = await failure(client().commitFiles(repo, commitInput));
    expect(error.message).toMatch(/rejected the token \(401 Bad credentials \*\*\*\).*missing, expired or revoked/);
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(error.status).toBe(401);
  });

  it('names the missing permission on 403', async () => {
    handler = (_request, response) => json(response, 403, { message: 'Resource not accessible by integration' });
    const writeError = await failure(client().commitFiles(repo, commitInput));
    expect(writeError.message).toMatch(
      /refused to write the promotion tree in acme\/config \(403: Resource not accessible by integration\): the token needs the "contents: write" permission/,
    );
    const prError = await failure(
      client().openPullRequest(repo, { head: 'h', base: 'main', title: 't', body: 'b', draft: false }),
    );
    expect(prError.message).toMatch(/"pull-requests: write" permission/);
    handler = (_request, response) =>
      json(response, 403, { message: 'GitHub Actions is not permitted to create or approve pull requests.' });
    const settingError = await failure(
      client().openPullRequest(repo, { head: 'h', base: 'main', title: 't', body: 'b', draft: false }),
    );
    expect(settingError.message).toMatch(/Allow GitHub Actions to create and approve pull requests/);
  });

  it('explains a 404 as a missing repository or an invisible one', async () => {
    handler = (_request, response) => json(response, 404, { message: 'Not Found' });
    const error = await failure(client().setBranch(repo, 'b', 'sha', { repositoryId: 'R_1' }));
    expect(error.message).toMatch(
      /"not found" when trying to create the branch b in acme\/config .*GitHub answers 404 rather than 403/,
    );
    handler = (_request, response) =>
      json(response, 200, {
        data: { repository: null },
        errors: [
          {
            type: 'NOT_FOUND',
            path: ['repository'],
            message: "Could not resolve to a Repository with the name 'acme/config'.",
          },
        ],
      });
    const graphqlError = await failure(client().snapshot(repo, undefined, 'b'));
    expect(graphqlError.message).toMatch(/"not found" .* in acme\/config .*Could not resolve to a Repository/);
    expect(graphqlError.errorType).toBe('NOT_FOUND');
  });

  it('retries 5xx and counts the request once', async () => {
    let calls = 0;
    handler = (_request, response) =>
      ++calls < 3 ? json(response, 502, { message: 'Bad Gateway' }) : json(response, 201, { sha: 'abc' });
    const github = client();
    const { value, requests } = await github.measure(() => github.setBranch(repo, 'b', 'sha', { repositoryId: 'R_1' }));
    expect(value).toBe(true);
    expect(requests).toBe(1);
    expect(seen).toHaveLength(3);
  });

  it('gives up on a 5xx after the bounded retries with a clear message', async () => {
    handler = (_request, response) => json(response, 503, { message: 'Service Unavailable' });
    const error = await failure(client().setBranch(repo, 'b', 'sha', { repositoryId: 'R_1' }));
    expect(error.message).toMatch(/could not create the branch b in acme\/config \(503: Service Unavailable\)/);
    expect(seen).toHaveLength(4);
  });

  it('waits out a secondary rate limit as retry-after says, and warns without the token', async () => {
    let calls = 0;
    handler = (_request, response) =>
      ++calls === 1
        ? json(
            response,
            403,
            { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
            { 'retry-after': '2' },
          )
        : json(response, 201, { sha: 'abc' });
    const warnings: string[] = [];
    expect(await client(warnings).setBranch(repo, 'b', 'sha', { repositoryId: 'R_1' })).toBe(true);
    expect(seen).toHaveLength(2);
    expect(warnings).toEqual([expect.stringMatching(/secondary rate limit .*retrying in 2 s/)]);
  });

  it('stops after the bounded number of rate-limit retries', async () => {
    handler = (_request, response) =>
      json(
        response,
        403,
        { message: 'API rate limit exceeded for installation.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
      );
    const error = await failure(client().setBranch(repo, 'b', 'sha', { repositoryId: 'R_1' }));
    expect(error.message).toMatch(/rate limit stopped Stagecoach/);
    expect(seen).toHaveLength(4);
  });

  describe('moving a branch by compare-and-swap (GraphQL updateRefs)', () => {
    const expected = { head: 'a'.repeat(40), repositoryId: 'R_1' };
    const ours = 'c'.repeat(40);
    const GENERIC =
      'Something went wrong while executing your query. Please include `ABCD:1234` when reporting this issue.';
    /** Answers the mutation with `move(attempt)` and the branch-head query with `head()`. */
    const serve = (move: (attempt: number, response: ServerResponse) => void, head: () => string) => {
      let attempt = 0;
      handler = (request, response) => {
        const { query = '' } = JSON.parse(request.body || '{}') as { query?: string };
        if (query.includes('StagecoachMoveBranch')) move(attempt++, response);
        else if (query.includes('StagecoachBranchHead'))
          json(response, 200, { data: { repository: { ref: { target: { oid: head() } } } } });
        else json(response, 200, { sha: 'x' });
      };
    };
    const generic = (response: ServerResponse) =>
      json(response, 200, { data: { updateRefs: null }, errors: [{ path: ['updateRefs'], message: GENERIC }] });
    const operations = () =>
      seen.map((s) =>
        s.body.includes('StagecoachMoveBranch')
          ? 'move'
          : s.body.includes('StagecoachBranchHead')
            ? 'head'
            : `${s.method} ${s.url}`,
      );

    it('sends the expected head as beforeOid', async () => {
      serve(
        (_attempt, response) => json(response, 200, { data: { updateRefs: { clientMutationId: null } } }),
        () => ours,
      );
      expect(await client().setBranch(repo, 'stagecoach/dev-to-staging', ours, expected)).toBe(true);
      // The media type of the schema preview updateRefs was on older Enterprise Server releases.
      expect(seen[0].accept).toMatch(/application\/vnd\.github\.update-refs-preview\+json/);
      expect((JSON.parse(seen[0].body) as { variables: Record<string, string> }).variables).toEqual({
        repositoryId: 'R_1',
        name: 'refs/heads/stagecoach/dev-to-staging',
        before: 'a'.repeat(40),
        after: ours,
      });
    });

    it('a stale head (the generic error, the branch elsewhere) is a lost race, not retried', async () => {
      serve(
        (_attempt, response) => generic(response),
        () => 'b'.repeat(40),
      );
      const github = client();
      expect(await github.measure(() => github.setBranch(repo, 'stagecoach/dev-to-staging', ours, expected))).toEqual({
        value: false,
        requests: 2,
      });
      expect(operations()).toEqual(['move', 'head']);
    });

    it('a 5xx or generic error with the branch unmoved is retried; with the branch already moved it succeeded', async () => {
      serve(
        (attempt, response) => (attempt === 0 ? json(response, 502, { message: 'Bad Gateway' }) : generic(response)),
        () => (seen.filter((s) => s.body.includes('StagecoachMoveBranch')).length < 2 ? expected.head : ours),
      );
      expect(await client().setBranch(repo, 'stagecoach/dev-to-staging', ours, expected)).toBe(true);
      expect(operations()).toEqual(['move', 'head', 'move', 'head']);
    });

    it('an unmoved branch after every retry is a refusal, with what to check, said once', async () => {
      serve(
        (_attempt, response) => generic(response),
        () => expected.head,
      );
      const error = await failure(client().setBranch(repo, 'stagecoach/dev-to-staging', ours, expected));
      expect(error.message).toMatch(
        /could not update the branch stagecoach\/dev-to-staging .*branch protection rule or ruleset/,
      );
      expect(error.message.split('Something went wrong')).toHaveLength(2);
      expect(operations()).toEqual(['move', 'head', 'move', 'head', 'move', 'head', 'move', 'head']);
    });

    it('a branch that stays put through 5xx after 5xx is reported as GitHub failing, not as protection', async () => {
      serve(
        (_attempt, response) => json(response, 502, { message: 'Bad Gateway' }),
        () => expected.head,
      );
      const error = await failure(client().setBranch(repo, 'stagecoach/dev-to-staging', ours, expected));
      expect(error.message).toMatch(
        /\(502: Bad Gateway\)\. The branch did not move: GitHub kept failing; run the promotion again$/,
      );
    });

    it('a permission error is thrown at once', async () => {
      serve(
        (_attempt, response) =>
          json(response, 200, {
            data: { updateRefs: null },
            errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }],
          }),
        () => expected.head,
      );
      const error = await failure(client().setBranch(repo, 'stagecoach/dev-to-staging', ours, expected));
      expect(error.message).toMatch(/"contents: write" permission/);
      expect(operations()).toEqual(['move']);
    });

    it("falls back as well where the server lacks the preview's input types", async () => {
      serve(
        (_attempt, response) =>
          json(response, 200, {
            errors: [
              {
                message: "GitRefname isn't a defined input type (on $name)",
                extensions: { code: 'variableRequiresValidType' },
              },
            ],
          }),
        () => expected.head,
      );
      const warnings: string[] = [];
      expect(await client(warnings).setBranch(repo, 'stagecoach/dev-to-staging', ours, expected)).toBe(true);
      expect(operations()).toEqual([
        'move',
        'head',
        'PATCH /repos/acme/config/git/refs/heads%2Fstagecoach%2Fdev-to-staging',
      ]);
      expect(warnings).toHaveLength(1);
    });

    it('falls back to a re-read and a forced update where the server has no updateRefs, and warns once', async () => {
      serve(
        (_attempt, response) =>
          json(response, 200, {
            errors: [
              {
                message: "Field 'updateRefs' doesn't exist on type 'Mutation'",
                extensions: { code: 'undefinedField', typeName: 'Mutation', fieldName: 'updateRefs' },
              },
            ],
          }),
        () => expected.head,
      );
      const warnings: string[] = [];
      const github = client(warnings);
      expect(await github.setBranch(repo, 'stagecoach/dev-to-staging', ours, expected)).toBe(true);
      expect(await github.setBranch(repo, 'stagecoach/dev-to-staging', ours, expected)).toBe(true);
      expect(operations()).toEqual([
        'move',
        'head',
        'PATCH /repos/acme/config/git/refs/heads%2Fstagecoach%2Fdev-to-staging',
        'move',
        'head',
        'PATCH /repos/acme/config/git/refs/heads%2Fstagecoach%2Fdev-to-staging',
      ]);
      expect(JSON.parse(seen[2].body)).toEqual({ sha: ours, force: true });
      expect(warnings).toEqual([expect.stringMatching(/no GraphQL updateRefs mutation .*concurrency/)]);
    });
  });

  it('uses the GHES API root for REST and derives /api/graphql from it', async () => {
    handler = (request, response) =>
      request.url === '/api/graphql'
        ? json(response, 200, {
            data: {
              repository: {
                id: 'R_1',
                base: { name: 'main', target: { oid: 'b'.repeat(40), tree: { oid: 't'.repeat(40) } } },
                branch: null,
                pullRequests: { nodes: [] },
              },
            },
          })
        : json(response, 201, { sha: 'abc' });
    const github = client([], `${url}/api/v3`);
    await github.setBranch(repo, 'b', 'sha', { repositoryId: 'R_1' });
    const snapshot = await github.snapshot(repo, undefined, 'stagecoach/dev-to-staging');
    expect(snapshot).toEqual({
      repositoryId: 'R_1',
      base: { name: 'main', head: 'b'.repeat(40), tree: 't'.repeat(40) },
    });
    expect(seen.map((s) => s.url)).toEqual(['/api/v3/repos/acme/config/git/refs', '/api/graphql']);
    const query = JSON.parse(seen[1].body) as { query: string; variables: Record<string, string> };
    expect(query.variables).toEqual({
      owner: 'acme',
      name: 'config',
      branch: 'refs/heads/stagecoach/dev-to-staging',
      headRefName: 'stagecoach/dev-to-staging',
    });
  });

  it('refuses to start without a token', () => {
    expect(() => createGitHub({ token: '' })).toThrow(/No GitHub token/);
  });
});
