// The bundled action (dist/index.js) run the way GitHub runs it, against the GitHub emulator: real bare repositories behind
// GitHub's REST and GraphQL APIs, every exchange checked against GitHub's OpenAPI description and GraphQL schema.
// The action reads the config repo from a clone (or through the API) and writes only through the API.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePromotionBlock } from '../../src/core/report/pull-request-body.js';
import { runActionAsync, type ActionRun } from '../support/action-runner.js';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';
import { deploymentYaml } from '../support/manifests.js';

const REPO = 'acme/config';
const BRANCH = 'stagecoach/dev-to-staging';
/** Distinctive, so a leak anywhere is found by a plain substring search. */
const TOKEN = 'ghs_TOKENleakCANARY0123456789abcdefXYZ';

let emulator: GitHubEmulator;

beforeAll(() => expect(existsSync('dist/index.js')).toBe(true));
beforeEach(async () => {
  emulator = await startGitHubEmulator({ token: TOKEN });
});
afterEach(async () => {
  await emulator.stop(); // fails the test on any contract violation or unimplemented request
});

const deployment = (version: string, name = 'api') => deploymentYaml(`ghcr.io/acme/${name}:${version}`, '', name);

/** dev → staging; `staging` is extra YAML under the staging stage (pullRequest:, gates:), indented 4 spaces. */
const config = (staging = '') => `stages:
  - name: dev
    path: envs/dev
  - name: staging
    path: envs/staging
${staging}`;

function git(...args: string[]): string {
  return execFileSync('git', args, {
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
  }).trim();
}

/** A file at a revision of the bare repository, read with git (not through the emulator's API). */
function show(bare: string, revision: string, file: string): string {
  return execFileSync('git', ['--git-dir', bare, 'show', `${revision}:${file}`], { encoding: 'utf8' });
}

function clone(bare: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-checkout-'));
  git('clone', '-q', bare, dir);
  return dir;
}

/** The config repo on the emulator (dev runs `dev`, staging runs `staging`) and a clone of it. */
async function configRepo(
  options: {
    dev?: string;
    staging?: string;
    stagingConfig?: string;
    fullName?: string;
    extra?: Record<string, string>;
  } = {},
) {
  const bare = await emulator.createRepo(options.fullName ?? REPO, {
    'stagecoach.yaml': config(options.stagingConfig),
    'envs/dev/api.yaml': deployment(options.dev ?? '1.5.0'),
    'envs/staging/api.yaml': deployment(options.staging ?? '1.4.0'),
    ...options.extra,
  });
  return { bare, checkout: clone(bare) };
}

function env(workspace: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_API_URL: emulator.url,
    GITHUB_GRAPHQL_URL: emulator.graphqlUrl,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: REPO,
    GITHUB_WORKSPACE: workspace,
    ...extra,
  };
}

/** Where the token shows in a run, other than the `::add-mask::` command that registers it with the runner. */
function tokenLeaks(run: ActionRun): string[] {
  const stdout = run.stdout
    .split('\n')
    .filter((line) => line !== `::add-mask::${TOKEN}`)
    .join('\n');
  const places = { stdout, stderr: run.stderr, summary: run.summary, outputs: JSON.stringify(run.outputs) };
  return Object.entries(places)
    .filter(([, text]) => text.includes(TOKEN))
    .map(([place]) => place);
}

/** Runs `promote dev → staging` (inputs override) and checks the token leaked nowhere. */
async function promote(
  workspace: string,
  inputs: Record<string, string> = {},
  extraEnv: Record<string, string> = {},
): Promise<ActionRun> {
  const run = await runActionAsync(
    { command: 'promote', from: 'dev', to: 'staging', 'github-token': emulator.token, ...inputs },
    env(workspace, extraEnv),
  );
  expect(tokenLeaks(run)).toEqual([]);
  return run;
}

/** Failure details when a run did not exit as expected. */
function expectExit(run: ActionRun, status: number): void {
  if (run.status !== status)
    throw new Error(`exit ${run.status}, expected ${status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

function commitOf(bare: string, revision: string): { parents: string[]; subject: string; message: string } {
  const parents = git('--git-dir', bare, 'rev-list', '--parents', '-n', '1', revision).split(' ').slice(1);
  const message = git('--git-dir', bare, 'log', '-1', '--format=%B', revision);
  return { parents, subject: message.split('\n')[0], message };
}

test('create: opens the labelled PR with the table and the hidden block, one commit on the base head', async () => {
  const { bare, checkout } = await configRepo();
  const base = git('--git-dir', bare, 'rev-parse', 'main');
  const run = await promote(checkout);
  expectExit(run, 0);
  expect(run.stderr).toBe('');
  const commit = git('--git-dir', bare, 'rev-parse', BRANCH);
  expect(run.outputs).toMatchObject({
    operation: 'created',
    'pull-request-number': '1',
    'pull-request-url': `${emulator.url}/${REPO}/pull/1`,
    branch: BRANCH,
    'commit-sha': commit,
    changes: '1',
  });
  expect(JSON.parse(run.outputs.plan)).toMatchObject({ from: 'dev', to: 'staging' });

  const [pull] = emulator.pulls(REPO);
  expect(pull).toMatchObject({
    number: 1,
    state: 'open',
    draft: false,
    head: BRANCH,
    base: 'main',
    title: 'promote(staging): api 1.4.0 → 1.5.0',
  });
  expect(pull.labels.sort()).toEqual(['promotion', 'stage:staging']);
  expect(pull.body).toContain(
    `| \`ghcr.io/acme/api\` | \`Deployment/api\` / \`api\` | [\`envs/staging/api.yaml:10\`](https://github.example/${REPO}/blob/${git('--git-dir', bare, 'rev-parse', BRANCH)}/envs/staging/api.yaml#L10) | \`1.4.0\` → \`1.5.0\` |`,
  );
  expect(pull.body).toContain(
    `[\`${git('--git-dir', bare, 'rev-parse', '--short=12', 'main')}\`](https://github.example/${REPO}/commit/${base})`,
  );
  expect(parsePromotionBlock(pull.body)).toMatchObject({ from: 'dev', to: 'staging', commit });

  expect(show(bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
  expect(show(bare, BRANCH, 'envs/dev/api.yaml')).toBe(deployment('1.5.0'));
  const written = commitOf(bare, BRANCH);
  expect(written.parents).toEqual([base]);
  expect(written.subject).toBe('promote(staging): api 1.4.0 → 1.5.0');
  expect(written.message).toMatch(/^Stagecoach-From: dev$/m);
  expect(written.message).toMatch(/^Stagecoach-To: staging$/m);
  expect(git('--git-dir', bare, 'rev-parse', 'main')).toBe(base);
  expect(run.summary).toMatch(/^## Promotion created: `dev` → `staging`$/m);
  expect(run.summary).toMatch(/^Pull request \(created\): http:\/\/127\.0\.0\.1:\d+\/acme\/config\/pull\/1$/m);
  expect(run.summary).toContain(
    '| `ghcr.io/acme/api` | `Deployment/api` / `api` | `envs/staging/api.yaml:10` | `1.4.0` → `1.5.0` |',
  );
});

test('rerun with the same plan: unchanged, no new commit, no writes', async () => {
  const { bare, checkout } = await configRepo();
  expectExit(await promote(checkout), 0);
  const head = git('--git-dir', bare, 'rev-parse', BRANCH);
  emulator.resetLog();
  const run = await promote(checkout);
  expectExit(run, 0);
  expect(run.outputs).toMatchObject({
    operation: 'unchanged',
    'pull-request-number': '1',
    'commit-sha': head,
    branch: BRANCH,
  });
  expect(git('--git-dir', bare, 'rev-parse', BRANCH)).toBe(head);
  // Reads only: no REST write, and the one GraphQL request is the snapshot query.
  expect(emulator.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql')).toEqual([]);
  expect(emulator.requests.filter((r) => r.path === '/graphql').map((r) => r.graphqlOperation)).toEqual([
    'StagecoachSnapshot',
  ]);
  expect(emulator.pulls(REPO)).toHaveLength(1);
  expect(run.summary).toContain('Promotion unchanged');
});

test('update with a newer source: same PR, the branch rebuilt on the current base', async () => {
  const { bare, checkout } = await configRepo();
  expectExit(await promote(checkout), 0);
  const base = await emulator.commit(REPO, 'main', { 'envs/dev/api.yaml': deployment('1.6.0') }, 'dev runs 1.6.0');
  git('-C', checkout, 'pull', '-q', '--ff-only');
  const run = await promote(checkout);
  expectExit(run, 0);
  const head = git('--git-dir', bare, 'rev-parse', BRANCH);
  expect(run.outputs).toMatchObject({ operation: 'updated', 'pull-request-number': '1', 'commit-sha': head });
  expect(commitOf(bare, BRANCH).parents).toEqual([base]);
  expect(commitOf(bare, BRANCH).subject).toBe('promote(staging): api 1.4.0 → 1.6.0');
  expect(show(bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.6.0'));
  const pulls = emulator.pulls(REPO);
  expect(pulls).toHaveLength(1);
  expect(pulls[0]).toMatchObject({ number: 1, state: 'open', title: 'promote(staging): api 1.4.0 → 1.6.0' });
  expect(parsePromotionBlock(pulls[0].body)?.commit).toBe(head);
});

test('close when caught up: the target already runs the source version', async () => {
  const { bare, checkout } = await configRepo();
  expectExit(await promote(checkout), 0);
  await emulator.commit(REPO, 'main', { 'envs/staging/api.yaml': deployment('1.5.0') }, 'staging promoted by hand');
  git('-C', checkout, 'pull', '-q', '--ff-only');
  const run = await promote(checkout);
  expectExit(run, 0);
  expect(run.outputs).toMatchObject({ operation: 'closed', 'pull-request-number': '1', changes: '0' });
  const [pull] = emulator.pulls(REPO);
  expect(pull.state).toBe('closed');
  expect(pull.comments).toEqual([expect.stringMatching(/nothing left to promote/)]);
  expect(show(bare, 'main', 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
});

test('cross-repo: another repository, no checkout, read through the API and the PR opened there', async () => {
  await emulator.createRepo('acme/app', { 'README.md': 'the application\n' });
  const bare = (await configRepo()).bare;
  const workspace = mkdtempSync(path.join(tmpdir(), 'stagecoach-workspace-'));
  mkdirSync(path.join(workspace, 'empty'));
  emulator.resetLog();
  const run = await promote(
    workspace,
    { repository: REPO, 'working-directory': 'empty' },
    { GITHUB_REPOSITORY: 'acme/app' },
  );
  expectExit(run, 0);
  expect(run.outputs).toMatchObject({
    operation: 'created',
    'pull-request-number': '1',
    'pull-request-url': `${emulator.url}/${REPO}/pull/1`,
  });
  expect(emulator.pulls('acme/app')).toEqual([]);
  expect(emulator.pulls(REPO)).toHaveLength(1);
  expect(show(bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
  // Every REST request went to the config repository, and the files were read through the API: the tree, the config
  // file with the base head, the stages' files with the PR step's first snapshot. 8 requests in all (issue 9: was 10).
  const rest = emulator.requests.filter((r) => r.path !== '/graphql');
  expect(rest.every((r) => r.path.startsWith(`/repos/${REPO}/`))).toBe(true);
  expect(
    emulator.requests.map((r) => r.graphqlOperation ?? `${r.method} ${r.path.replace(`/repos/${REPO}`, '')}`),
  ).toEqual([
    'StagecoachSnapshot',
    expect.stringMatching(/^GET \/git\/trees\/[0-9a-f]{40}$/),
    'StagecoachSnapshot',
    'POST /git/trees',
    'POST /git/commits',
    'POST /git/refs',
    'POST /pulls',
    'POST /issues/1/labels',
  ]);
});

test('auto-merge from the stage policy; inputs override it and set reviewers, team reviewers and assignees', async () => {
  const policy = '    pullRequest:\n      autoMerge: squash\n';
  const first = await configRepo({ stagingConfig: policy });
  expectExit(await promote(first.checkout), 0);
  expect(emulator.pulls(REPO)[0].autoMerge).toEqual({ mergeMethod: 'SQUASH' });
  expect(emulator.pulls(REPO)[0].reviewers).toEqual([]);

  const second = await configRepo({ stagingConfig: policy, fullName: 'acme/config-two' });
  const run = await promote(
    second.checkout,
    { 'auto-merge': 'rebase', reviewers: 'alice, bob', 'team-reviewers': 'sre', assignees: 'carol' },
    { GITHUB_REPOSITORY: 'acme/config-two' },
  );
  expectExit(run, 0);
  expect(run.outputs.operation).toBe('created');
  const [pull] = emulator.pulls('acme/config-two');
  expect(pull).toMatchObject({
    autoMerge: { mergeMethod: 'REBASE' },
    reviewers: ['alice', 'bob'],
    teamReviewers: ['sre'],
    assignees: ['carol'],
  });
  expect(pull.labels.sort()).toEqual(['promotion', 'stage:staging']);
  expect(show(second.bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
});

describe('faults', () => {
  test('a 5xx on one request is retried and the promotion succeeds', async () => {
    const { bare, checkout } = await configRepo();
    emulator.inject({ kind: 'status', status: 502, method: 'POST', path: /\/git\/trees$/ });
    emulator.resetLog();
    const run = await promote(checkout);
    expectExit(run, 0);
    expect(run.outputs.operation).toBe('created');
    expect(
      emulator.requests.filter((r) => r.method === 'POST' && /\/git\/trees$/.test(r.path)).map((r) => r.status),
    ).toEqual([502, 201]);
    expect(show(bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
    expect(emulator.pulls(REPO)).toHaveLength(1);
  });

  test('a secondary rate limit with retry-after is waited out', async () => {
    const { bare, checkout } = await configRepo();
    emulator.inject({ kind: 'secondary-rate-limit', retryAfter: 1, method: 'POST', path: /\/pulls$/ });
    emulator.resetLog();
    const run = await promote(checkout);
    expectExit(run, 0);
    expect(run.outputs.operation).toBe('created');
    expect(run.stdout).toMatch(/::warning::GitHub secondary rate limit on POST .*\/pulls; retrying in 1 s/);
    expect(
      emulator.requests.filter((r) => r.method === 'POST' && /\/pulls$/.test(r.path)).map((r) => r.status),
    ).toEqual([403, 201]);
    expect(emulator.pulls(REPO)).toHaveLength(1);
    expect(show(bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
  });

  test('a primary rate limit (REST 403 and GraphQL RATE_LIMITED) is waited out until the reset', async () => {
    const { bare, checkout } = await configRepo();
    emulator.inject({ kind: 'primary-rate-limit', resetInSeconds: 1, method: 'POST', path: /\/git\/commits$/ });
    emulator.inject({ kind: 'primary-rate-limit', resetInSeconds: 0, graphqlOperation: 'StagecoachSnapshot' });
    emulator.resetLog();
    const run = await promote(checkout);
    expectExit(run, 0);
    expect(run.outputs.operation).toBe('created');
    expect(run.stdout).toMatch(/::warning::GitHub primary rate limit on POST .*\/git\/commits/);
    expect(
      emulator.requests.filter((r) => r.method === 'POST' && /\/git\/commits$/.test(r.path)).map((r) => r.status),
    ).toEqual([403, 201]);
    expect(emulator.requests.filter((r) => r.graphqlOperation === 'StagecoachSnapshot').length).toBeGreaterThanOrEqual(
      2,
    );
    expect(show(bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
  });

  test('a base that moves between the read and the PR: the promotion is rebuilt on the new base', async () => {
    const { bare, checkout } = await configRepo();
    emulator.inject({
      kind: 'move-base',
      repo: REPO,
      branch: 'main',
      method: 'POST',
      path: /\/pulls$/,
      files: { 'docs/late.md': 'pushed meanwhile\n' },
    });
    const run = await promote(checkout);
    expectExit(run, 0);
    const base = git('--git-dir', bare, 'rev-parse', 'main');
    const head = git('--git-dir', bare, 'rev-parse', BRANCH);
    expect(run.outputs).toMatchObject({ operation: 'created', 'pull-request-number': '1', 'commit-sha': head });
    expect(commitOf(bare, BRANCH).parents).toEqual([base]);
    expect(show(bare, BRANCH, 'docs/late.md')).toBe('pushed meanwhile\n');
    expect(show(bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
    const [pull] = emulator.pulls(REPO);
    expect(parsePromotionBlock(pull.body)?.commit).toBe(head);
  });

  test('a 403 for a missing permission names contents: write, and no PR is opened', async () => {
    const { bare, checkout } = await configRepo();
    emulator.inject({
      kind: 'status',
      status: 403,
      message: 'Resource not accessible by integration',
      method: 'POST',
      path: /\/git\/trees$/,
    });
    const run = await promote(checkout);
    expectExit(run, 1);
    expect(run.stdout).toMatch(/::error::.*403: Resource not accessible by integration.*"contents: write"/);
    expect(run.stdout).toMatch(/permissions:/);
    expect(emulator.pulls(REPO)).toEqual([]);
    expect(git('--git-dir', bare, 'branch', '--list', BRANCH)).toBe('');
  });
});

test('two promotions racing into the same stage: one open PR holding the later plan, no lost update', async () => {
  const { bare, checkout } = await configRepo();
  const other = clone(bare);
  const branch = 'stagecoach/images-to-staging';
  const runs = await Promise.all([
    promote(checkout, { from: '', images: 'ghcr.io/acme/api:1.5.0' }),
    promote(other, { from: '', images: 'ghcr.io/acme/api:1.6.0' }),
  ]);
  for (const run of runs) expectExit(run, 0);
  expect(runs.map((run) => run.outputs.operation)).toContain('created');

  const open = emulator.pulls(REPO).filter((pull) => pull.state === 'open');
  expect(open).toHaveLength(1);
  expect(emulator.pulls(REPO)).toHaveLength(1);
  // Every promotion commit either run wrote (reachable or not): the branch must hold the one built last.
  const objects = git(
    '--git-dir',
    bare,
    'cat-file',
    '--batch-all-objects',
    '--batch-check=%(objectname) %(objecttype)',
  ).split('\n');
  const built = objects
    .filter((line) => line.endsWith(' commit'))
    .map((line) => line.split(' ')[0])
    .map((sha) => {
      const message = git('--git-dir', bare, 'log', '-1', '--format=%B', sha);
      return {
        sha,
        builtAt: /^Stagecoach-Built-At: (\S+)$/m.exec(message)?.[1],
        plan: /^Stagecoach-Plan: (\S+)$/m.exec(message)?.[1] ?? '',
      };
    })
    .filter((commit): commit is { sha: string; builtAt: string; plan: string } => commit.builtAt !== undefined)
    // The order of plans: build time, then (two runs started in the same millisecond) the plan hash.
    .sort((a, b) =>
      a.builtAt < b.builtAt ? -1 : a.builtAt > b.builtAt ? 1 : a.plan < b.plan ? -1 : a.plan > b.plan ? 1 : 0,
    );
  expect(built.length).toBeGreaterThanOrEqual(1);
  const head = git('--git-dir', bare, 'rev-parse', branch);
  expect(head).toBe(built[built.length - 1].sha);
  const version = /acme\/api:(\S+)/.exec(show(bare, branch, 'envs/staging/api.yaml'))?.[1];
  expect(['1.5.0', '1.6.0']).toContain(version);
  expect(open[0].title).toBe(`promote(staging): api 1.4.0 → ${version}`);
  const block = parsePromotionBlock(open[0].body);
  expect(block?.commit).toBe(head);
  expect(block?.builtAt).toBe(built[built.length - 1].builtAt);
  expect(commitOf(bare, branch).parents).toEqual([git('--git-dir', bare, 'rev-parse', 'main')]);
});

describe('a failing gate', () => {
  const gate = '    gates:\n      commands:\n        - name: check\n          run: "exit 3"\n';

  test('fails the step and opens no pull request', async () => {
    const { bare, checkout } = await configRepo({ stagingConfig: gate });
    const run = await promote(checkout);
    expectExit(run, 1);
    expect(run.stdout).toMatch(/::error::A gate failed for staging; no pull request was opened/);
    expect(run.summary).toMatch(/❌ failed \| commands: check/);
    expect(run.outputs.operation).toBe('none');
    expect(run.outputs['pull-request-number']).toBeUndefined();
    expect(emulator.pulls(REPO)).toEqual([]);
    expect(git('--git-dir', bare, 'branch', '--list', BRANCH)).toBe('');
  });

  test('with on-gate-failure: draft, opens a draft PR that shows the failing gate, and still fails the step', async () => {
    const { bare, checkout } = await configRepo({
      stagingConfig: `${gate}    pullRequest:\n      autoMerge: squash\n`,
    });
    const run = await promote(checkout, { 'on-gate-failure': 'draft' });
    expectExit(run, 1);
    expect(run.outputs).toMatchObject({ operation: 'created', 'pull-request-number': '1' });
    expect(run.stdout).toMatch(
      new RegExp(`::error::A gate failed for staging; the draft pull request ${emulator.url}/${REPO}/pull/1 shows why`),
    );
    const [pull] = emulator.pulls(REPO);
    expect(pull).toMatchObject({ state: 'open', draft: true });
    expect(pull.autoMerge).toBeUndefined();
    expect(pull.body).toContain('### Gates');
    expect(pull.body).toMatch(/❌ failed \| commands: check/);
    expect(show(bare, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
  });
});

test('the token appears nowhere, even with debug logging and a GitHub error that quotes it', async () => {
  const { checkout } = await configRepo();
  emulator.inject({
    kind: 'status',
    status: 422,
    message: `Validation Failed for token ${TOKEN}`,
    method: 'POST',
    path: /\/git\/trees$/,
  });
  const run = await promote(checkout, {}, { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' });
  expectExit(run, 1);
  expect(run.stdout).toMatch(/::error::.*Validation Failed for token \*\*\*/);
  expect(tokenLeaks(run)).toEqual([]);
  expect(run.stdout).toContain(`::add-mask::${TOKEN}`);
});
