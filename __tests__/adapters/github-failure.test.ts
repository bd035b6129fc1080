// Failure → advice, a pure table: what GitHub answered (status, GraphQL type, its words) and the message the user reads.
import { explainFailure, failureFacts, githubMessage } from '../../src/adapters/github/failure.js';

const context = {
  action: 'open the promotion pull request',
  repo: { owner: 'acme', repo: 'config' },
  permission: 'pull-requests: write',
};
const API = 'https://ghe.example/api/v3';

/** An error shaped as Octokit's RequestError: status and the response body. */
const rest = (status: number, data: unknown) => Object.assign(new Error('HttpError'), { status, response: { data } });
/** An error shaped as Octokit's GraphqlResponseError: `errors`, no status. */
const graphql = (...errors: { type?: string; message: string }[]) => Object.assign(new Error('GraphQL'), { errors });

describe('explainFailure', () => {
  it.each([
    [
      'a primary rate limit (403)',
      rest(403, { message: 'API rate limit exceeded for installation' }),
      /rate limit stopped Stagecoach from trying to open the promotion pull request in acme\/config .*run again later/,
    ],
    [
      'a secondary rate limit (429)',
      rest(429, { message: 'You have exceeded a secondary rate limit' }),
      /rate limit stopped Stagecoach/,
    ],
    [
      'a GraphQL rate limit',
      graphql({ type: 'RATE_LIMITED', message: 'API rate limit exceeded' }),
      /rate limit stopped Stagecoach/,
    ],
    [
      'a bad token',
      rest(401, { message: 'Bad credentials' }),
      /^GitHub rejected the token \(401 Bad credentials\) when trying to open the promotion pull request: it is missing, expired or revoked/,
    ],
    [
      'a missing permission',
      rest(403, { message: 'Resource not accessible by integration' }),
      /^GitHub refused to open the promotion pull request in acme\/config \(403: Resource not accessible by integration\): the token needs the "pull-requests: write" permission\. Add it to the workflow's `permissions:` block/,
    ],
    [
      'Actions not allowed to open PRs',
      rest(403, { message: 'GitHub Actions is not permitted to create or approve pull requests.' }),
      /enable "Allow GitHub Actions to create and approve pull requests"/,
    ],
    [
      'a GraphQL FORBIDDEN',
      graphql({ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }),
      /^GitHub refused to .* needs the "pull-requests: write" permission/,
    ],
    [
      'not found (REST)',
      rest(404, { message: 'Not Found' }),
      /^GitHub answered "not found" when trying to open the promotion pull request in acme\/config \(Not Found\): check the repository name/,
    ],
    [
      'not found (GraphQL)',
      graphql({ type: 'NOT_FOUND', message: "Could not resolve to a Repository with the name 'acme/config'." }),
      /^GitHub answered "not found" .*Could not resolve to a Repository/,
    ],
    [
      'another status',
      rest(500, { message: 'Server Error' }),
      /^GitHub could not open the promotion pull request in acme\/config \(500: Server Error\)$/,
    ],
    [
      'a 422 with error items (field, code, value)',
      rest(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Issue', field: 'assignees', code: 'invalid', value: 'mallory' }],
      }),
      /^GitHub could not .* \(422: Validation Failed: Issue\.assignees invalid \(value "mallory"\)\)$/,
    ],
    [
      'a 422 whose item has a message',
      rest(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: 'A pull request already exists for acme:stagecoach/dev-to-staging.',
          },
        ],
      }),
      /\(422: Validation Failed: A pull request already exists for acme:stagecoach\/dev-to-staging\.\)$/,
    ],
    [
      'a GraphQL error without a type',
      graphql({ message: 'Something went wrong while executing your query.' }),
      /^GitHub could not open the promotion pull request in acme\/config: Something went wrong/,
    ],
    [
      'no answer at all',
      new Error('connect ECONNREFUSED 127.0.0.1:1'),
      /^Could not reach GitHub \(https:\/\/ghe\.example\/api\/v3\) to open the promotion pull request in acme\/config: connect ECONNREFUSED/,
    ],
  ])('%s', (_name, error, expected) => {
    expect(explainFailure(failureFacts(error), context, API)).toMatch(expected);
  });
});

describe('failureFacts', () => {
  it('reads the status, the GraphQL type and whether GraphQL answered', () => {
    expect(failureFacts(rest(422, { message: 'Validation Failed' }))).toEqual({
      status: 422,
      graphql: false,
      said: 'Validation Failed',
    });
    expect(failureFacts(graphql({ type: 'UNPROCESSABLE', message: 'a' }, { message: 'b' }))).toEqual({
      graphqlType: 'UNPROCESSABLE',
      graphql: true,
      said: 'a; b',
    });
    expect(failureFacts('a string')).toEqual({ graphql: false, said: 'a string' });
  });

  it('lists every error item once, and not the one that repeats the message', () => {
    expect(
      githubMessage(
        rest(422, {
          message: 'Validation Failed',
          errors: ['Validation Failed', { field: 'title', code: 'too_long' }, { code: 'missing_field' }, {}],
        }),
      ),
    ).toBe('Validation Failed: title too_long; missing_field');
  });
});
