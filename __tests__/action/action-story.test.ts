// The action's log, job summary, outputs and PR body tell the run: through its entry (INPUT_* and GITHUB_* variables,
// output and summary files) against the GitHub emulator. Runs the TypeScript entry, so dist/ need not be rebuilt.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runActionAsync, type ActionRun } from '../support/action-runner.js';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';
import { deploymentYaml } from '../support/manifests.js';
import { pushImage } from '../support/registry-push.js';
import { startRegistry } from '../support/registry-server.js';

const REPO = 'acme/config';
const TOKEN = 'ghs_TOKENstoryCANARY0123456789abcdefXYZ';
let emulator: GitHubEmulator;

beforeEach(async () => {
  emulator = await startGitHubEmulator({ token: TOKEN });
});
afterEach(async () => {
  await emulator.stop();
});

const deployment = (version: string, name = 'api') => deploymentYaml(`ghcr.io/acme/${name}:${version}`, '', name);

function git(...args: string[]): string {
  return execFileSync('git', args, {
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
  }).trim();
}

async function configRepo(staging = '', extra: Record<string, string> = {}) {
  const bare = await emulator.createRepo(REPO, {
    'stagecoach.yaml': `stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n${staging}`,
    'envs/dev/api.yaml': deployment('1.5.0'),
    'envs/staging/api.yaml': deployment('1.4.0'),
    ...extra,
  });
  const checkout = mkdtempSync(path.join(tmpdir(), 'stagecoach-story-'));
  git('clone', '-q', bare, checkout);
  return { bare, checkout };
}

function promote(checkout: string, inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  return runActionAsync(
    { command: 'promote', from: 'dev', to: 'staging', 'github-token': TOKEN, ...inputs },
    {
      GITHUB_API_URL: emulator.url,
      GITHUB_GRAPHQL_URL: emulator.graphqlUrl,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: REPO,
      GITHUB_WORKSPACE: checkout,
      GITHUB_ACTOR: 'octocat',
      GITHUB_RUN_ID: '9001',
      GITHUB_RUN_NUMBER: '42',
      ...env,
    },
    { source: true },
  );
}

function expectExit(run: ActionRun, status: number): void {
  if (run.status !== status)
    throw new Error(`exit ${run.status}, expected ${status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

const groups = (run: ActionRun) =>
  run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::group::'))
    .map((line) => line.slice('::group::'.length));

test('the log groups each phase and ends with the operation: a created run and an unchanged rerun read differently', async () => {
  const { checkout } = await configRepo();
  const first = await promote(checkout);
  expectExit(first, 0);
  expect(groups(first)).toEqual(['config', 'scan: dev, staging', 'plan: dev → staging', 'publish']);
  expect(first.stdout.match(/::group::/g)?.length).toBe(first.stdout.match(/::endgroup::/g)?.length);
  const url = `${emulator.url}/${REPO}/pull/1`;
  expect(first.stdout).toContain(`operation: created. Opened pull request ${url}.`);
  expect(first.stdout).toContain('Plan dev → staging: 1 change in 1 file (1 image).');

  const rerun = await promote(checkout);
  expectExit(rerun, 0);
  expect(rerun.stdout).toContain(`operation: unchanged. Pull request ${url} already holds this plan: nothing changed.`);
  expect(rerun.stdout).not.toContain('Opened pull request');
  expect(rerun.summary).toMatch(/^Pull request \(unchanged\): http:\/\/127\.0\.0\.1:\d+\/acme\/config\/pull\/1$/m);
});

test('the inputs as resolved are logged at debug level, never the token', async () => {
  const { checkout } = await configRepo();
  const run = await promote(checkout, { labels: 'promotion, urgent' }, { RUNNER_DEBUG: '1' });
  expectExit(run, 0);
  expect(run.stdout).toContain('::debug::input to: "staging"');
  expect(run.stdout).toContain('::debug::input policy: {"labels":["promotion","urgent"]}');
  expect(run.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
});

test('the PR body: one table with file links at the PR head, who promoted via which run, the source commit', async () => {
  const { bare, checkout } = await configRepo();
  const run = await promote(checkout);
  expectExit(run, 0);
  const [pull] = emulator.pulls(REPO);
  const head = git('--git-dir', bare, 'rev-parse', 'stagecoach/dev-to-staging');
  const main = git('--git-dir', bare, 'rev-parse', 'main');
  expect(pull.body).toContain(
    `| \`ghcr.io/acme/api\` | \`Deployment/api\` / \`api\` | [\`envs/staging/api.yaml:10\`](https://github.example/${REPO}/blob/${head}/envs/staging/api.yaml#L10) | \`1.4.0\` → \`1.5.0\` |`,
  );
  expect(pull.body).toContain(`Promoted by @octocat via [run #42](https://github.example/${REPO}/actions/runs/9001).`);
  expect(pull.body).toContain(
    `as of \`dev\`'s commit [\`${main.slice(0, 12)}\`](https://github.example/${REPO}/commit/${main})`,
  );
});

test('a draft after a failed gate says so at the top of the PR and of the summary, the output expanded', async () => {
  const gate =
    '    gates:\n      commands:\n        - name: render\n          run: "echo rendering; echo >&2 \'Error: bad field\'; exit 3"\n';
  const { checkout } = await configRepo(gate);
  const run = await promote(checkout, { 'on-gate-failure': 'draft' });
  expectExit(run, 1);
  expect(groups(run)).toEqual([
    'config',
    'scan: dev, staging',
    'plan: dev → staging',
    'gates: staging',
    'gates: command "render"',
    'publish',
  ]);
  const [pull] = emulator.pulls(REPO);
  expect(pull.draft).toBe(true);
  const lines = (pull.body ?? '').split('\n');
  expect(lines[0]).toBe('> [!CAUTION]');
  expect(lines[1]).toMatch(
    /^> \*\*The command gate `render` failed\*\*: command "render" \\\(.*\\\) failed with exit code 3\.$/,
  );
  expect(lines[3]).toBe('> It holds back `ghcr.io/acme/api 1.5.0`.');
  expect(lines[5]).toMatch(/^> This pull request is a draft because of it/);
  expect(pull.body).toContain('#### Gates');
  expect(pull.body).toMatch(
    /<details open><summary>Output of <code>render<\/code>[^\n]*\n\n```\nrendering\nError: bad field\n```/,
  );
  expect(run.summary.split('\n')[0]).toBe(
    '## ❌ Promotion created as a draft because a gate failed: `dev` → `staging`',
  );
  expect(run.summary.indexOf('> [!CAUTION]')).toBeLessThan(run.summary.indexOf('**1 change in 1 file'));
  expect(run.summary.indexOf('**1 change in 1 file')).toBeLessThan(run.summary.indexOf('### Gates'));
});

test('skipped source templates are no warnings; each skipped target file is one notice', async () => {
  const template =
    'apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n  image: {{ .Values.image }}\n';
  const { checkout } = await configRepo('', {
    'envs/dev/chart/templates/a.yaml': template,
    'envs/staging/chart/templates/a.yaml': template,
    'envs/staging/chart/templates/b.yaml': template,
  });
  const run = await promote(checkout);
  expectExit(run, 0);
  expect(run.stdout).not.toMatch(/^::warning/m);
  const notices = run.stdout.split('\n').filter((line) => line.startsWith('::notice'));
  expect(notices).toHaveLength(2);
  expect(notices.join('\n')).toContain('file=envs/staging/chart/templates/a.yaml');
  expect(notices.join('\n')).toContain('file=envs/staging/chart/templates/b.yaml');
  expect(run.summary).not.toContain('envs/dev/chart');
  const [pull] = emulator.pulls(REPO);
  expect(pull.body).toContain('envs/staging/chart/templates/a.yaml');
  expect(pull.body).not.toContain('envs/dev/chart');
});

test('JSON outputs come with a file holding the whole JSON in RUNNER_TEMP', async () => {
  const { checkout } = await configRepo();
  const run = await promote(checkout);
  expectExit(run, 0);
  const file = run.outputs['plan-file'];
  expect(existsSync(file)).toBe(true);
  expect(path.dirname(file)).toBe(path.dirname(run.outputs['plan-file']));
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(run.outputs.plan));
  const status = await runActionAsync({ command: 'status' }, { GITHUB_WORKSPACE: checkout }, { source: true });
  expectExit(status, 0);
  expect(JSON.parse(readFileSync(status.outputs['status-file'], 'utf8'))).toEqual(JSON.parse(status.outputs.status));
});

test('release notes: the OCI labels of the old and new image give a compare link in the PR, read from the registry', async () => {
  const registry = await startRegistry();
  try {
    const image = `${registry.host}/acme/api`;
    const labels = (revision: string) => ({
      'org.opencontainers.image.source': 'https://github.com/acme/api',
      'org.opencontainers.image.revision': revision,
    });
    await pushImage({ url: registry.url, repository: 'acme/api' }, { tags: ['1.4.0'], labels: labels('1111aaa') });
    await pushImage({ url: registry.url, repository: 'acme/api' }, { tags: ['1.5.0'], labels: labels('2222bbb') });
    const bare = await emulator.createRepo(REPO, {
      'stagecoach.yaml':
        'stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n    gates:\n      registry: true\n',
      'envs/dev/api.yaml': deploymentYaml(`${image}:1.5.0`, '', 'api'),
      'envs/staging/api.yaml': deploymentYaml(`${image}:1.4.0`, '', 'api'),
    });
    const checkout = mkdtempSync(path.join(tmpdir(), 'stagecoach-story-'));
    git('clone', '-q', bare, checkout);
    const run = await promote(checkout, { 'plain-http': registry.host });
    expectExit(run, 0);
    const [pull] = emulator.pulls(REPO);
    expect(pull.body).toContain(`| \`${image}\` ([changes](https://github.com/acme/api/compare/1111aaa...2222bbb)) |`);
  } finally {
    await registry.stop();
  }
});

test('release notes: without a registry gate nothing is looked up and nothing is guessed', async () => {
  const { checkout } = await configRepo();
  const run = await promote(checkout);
  expectExit(run, 0);
  const [pull] = emulator.pulls(REPO);
  expect(pull.body).not.toContain('[changes]');
  expect(pull.body).not.toContain('/compare/');
});
