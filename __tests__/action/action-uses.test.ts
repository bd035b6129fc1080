// The three uses of the action, end to end: dist/index.js run as GitHub runs it, against the GitHub emulator and a real
// OCI registry. (1) after CI: registry → first stage; (2) workflow_dispatch: stage → stage with gates; (3) verify.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';
import { pushTags } from '../support/registry-push.js';
import { runActionAsync } from '../support/action-runner.js';
import { deploymentYaml } from '../support/manifests.js';

const DAY = 24 * 3600;
let registry: RegistryServer;
let github: GitHubEmulator;
let digests: Map<string, string>;

beforeAll(async () => {
  registry = await startRegistry();
  digests = await pushTags({ url: registry.url, repository: 'acme/api' }, ['1.0.0', '1.1.0', '1.2.0']);
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  github = await startGitHubEmulator();
});
afterEach(async () => {
  await github.stop(); // fails the test on any OpenAPI / GraphQL contract violation
});

const deployment = (version: string) =>
  deploymentYaml(`${registry.host}/acme/api:${version}`, ' # {"$imagepolicy": "flux-system:api"}');

const config = (stagingGates: string) => `stages:
  - name: dev
    path: envs/dev
    pullRequest:
      autoMerge: squash
    gates:
      registry: { pin: true }
  - name: staging
    path: envs/staging
${stagingGates}`;

function clone(bare: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-checkout-'));
  execFileSync('git', ['clone', '-q', bare, dir]);
  return dir;
}

function show(bare: string, revision: string): string {
  return execFileSync('git', ['--git-dir', bare, 'show', revision], { encoding: 'utf8' });
}

function env(workspace: string): Record<string, string> {
  return {
    GITHUB_API_URL: github.url,
    GITHUB_GRAPHQL_URL: github.graphqlUrl,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: 'acme/config',
    GITHUB_WORKSPACE: workspace,
  };
}

const past = (days: number) => new Date(Date.now() - days * DAY * 1000).toISOString();

test('after CI: an image from the registry goes into the first stage as a pinned, auto-merging pull request', async () => {
  const bare = await github.createRepo('acme/config', {
    'stagecoach.yaml': config(''),
    'envs/dev/api.yaml': deployment('1.0.0'),
    'envs/staging/api.yaml': deployment('1.0.0'),
  });
  const result = await runActionAsync(
    {
      command: 'promote',
      images: `${registry.host}/acme/api:1.2.0`,
      to: 'dev',
      'github-token': github.token,
      'plain-http': registry.host,
    },
    env(clone(bare)),
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.outputs.operation).toBe('created');
  const [pull] = github.pulls('acme/config');
  expect(pull).toMatchObject({
    state: 'open',
    head: 'stagecoach/images-to-dev',
    base: 'main',
    autoMerge: { mergeMethod: 'SQUASH' },
  });
  expect(pull.labels).toEqual(expect.arrayContaining(['promotion', 'stage:dev']));
  const written = await github.readFile('acme/config', 'stagecoach/images-to-dev', 'envs/dev/api.yaml');
  expect(written).toBe(deployment(`1.2.0@${digests.get('1.2.0')}`));
  expect(show(bare, 'stagecoach/images-to-dev')).toMatch(/promote\(dev\): api 1\.0\.0 → 1\.2\.0@sha256:/);
  expect(result.summary).toContain('✅ passed');
});

test('workflow_dispatch: stage to stage through soak and command gates; a failing gate opens no pull request', async () => {
  const gates = `    gates:
      soak: 1d
      commands:
        - name: rendered
          run: grep -q "acme/api:1.1.0" envs/staging/api.yaml && test "$STAGECOACH_FROM" = dev
`;
  const bare = await github.createRepo(
    'acme/config',
    {
      'stagecoach.yaml': config(gates),
      'envs/dev/api.yaml': deployment('1.0.0'),
      'envs/staging/api.yaml': deployment('1.0.0'),
    },
    { date: past(5) },
  );
  await github.commit('acme/config', 'main', { 'envs/dev/api.yaml': deployment('1.1.0') }, 'dev 1.1.0', {
    date: past(2),
  });
  const passed = await runActionAsync(
    { command: 'promote', from: 'dev', to: 'staging', 'github-token': github.token },
    env(clone(bare)),
  );
  expect(passed.stderr).toBe('');
  expect(passed.status).toBe(0);
  expect(passed.outputs.operation).toBe('created');
  const [pull] = github.pulls('acme/config');
  expect(pull.body).toContain('### Gates');
  expect(pull.body).toMatch(/✅ passed \| soak/);
  expect(pull.body).toMatch(/✅ passed \| commands: rendered/);
  expect(pull.autoMerge).toBeUndefined();

  // A version that arrived in dev an hour ago has not soaked a day: no pull request, exit 1, the reason in the summary.
  await github.commit('acme/config', 'main', { 'envs/dev/api.yaml': deployment('1.2.0') }, 'dev 1.2.0', {
    date: past(1 / 24),
  });
  const early = await runActionAsync(
    { command: 'promote', from: 'dev', to: 'staging', 'github-token': github.token },
    env(clone(bare)),
  );
  expect(early.status).toBe(1);
  expect(early.stdout).toMatch(/::error::A gate failed for staging; no pull request was opened/);
  expect(early.summary).toMatch(/❌ failed \| soak/);
  expect(github.pulls('acme/config')[0].body).toContain('1.1.0'); // the open PR still holds the last gated plan
});

test('verify: the check before production passes a promotion that went through staging and annotates one that skipped it', async () => {
  const history = mkdtempSync(path.join(tmpdir(), 'stagecoach-verify-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: history, encoding: 'utf8' }).trim();
  const write = (file: string, text: string) => {
    execFileSync('mkdir', ['-p', path.dirname(path.join(history, file))]);
    writeFileSync(path.join(history, file), text);
  };
  git('init', '-q', '-b', 'main');
  write(
    'stagecoach.yaml',
    'stages:\n  - name: staging\n    path: envs/staging\n  - name: production\n    path: envs/production\n    gates:\n      registry: true\n',
  );
  write('envs/staging/api.yaml', deployment('1.1.0'));
  write('envs/production/api.yaml', deployment('1.0.0'));
  git('add', '-A');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'base');
  const base = git('rev-parse', 'HEAD');
  const pr = (version: string) => {
    git('switch', '-q', '-C', `pr-${version}`, base);
    write('envs/production/api.yaml', deployment(version));
    git('-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '-qam', `production ${version}`);
    const event = path.join(history, '..', `event-${version}.json`);
    writeFileSync(
      event,
      JSON.stringify({ pull_request: { base: { sha: base }, head: { sha: git('rev-parse', 'HEAD') } } }),
    );
    return runActionAsync(
      { command: 'verify', 'plain-http': registry.host },
      { GITHUB_WORKSPACE: history, GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'acme/config' },
    );
  };
  const good = await pr('1.1.0');
  expect(good.status).toBe(0);
  expect(good.outputs.passed).toBe('true');
  const skipped = await pr('1.2.0');
  expect(skipped.status).toBe(1);
  expect(skipped.outputs.passed).toBe('false');
  expect(skipped.stdout).toMatch(
    /::error file=envs\/production\/api\.yaml,line=10,col=\d+::.*acme\/api 1\.2\.0: staging runs 1\.1\.0, not 1\.2\.0/,
  );
  expect(skipped.summary).toContain('**What to do:**');

  // In a merge queue the same check runs on the merge_group event: the group's commit against its parent.
  const queued = async (branch: string) => {
    git('switch', '-q', '-C', `gh-readonly-queue/main/${branch}`, base);
    git(
      '-c',
      'user.name=T',
      '-c',
      'user.email=t@example.invalid',
      'merge',
      '-q',
      '--no-ff',
      '-m',
      `Merge ${branch}`,
      branch,
    );
    const event = path.join(history, '..', `event-queue-${branch}.json`);
    writeFileSync(
      event,
      JSON.stringify({
        action: 'checks_requested',
        merge_group: {
          base_sha: base,
          head_sha: git('rev-parse', 'HEAD'),
          base_ref: 'refs/heads/main',
          head_ref: `refs/heads/gh-readonly-queue/main/${branch}`,
        },
      }),
    );
    return runActionAsync(
      { command: 'verify', 'plain-http': registry.host },
      {
        GITHUB_WORKSPACE: history,
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: 'acme/config',
        GITHUB_EVENT_NAME: 'merge_group',
      },
    );
  };
  expect((await queued('pr-1.1.0')).outputs.passed).toBe('true');
  const queuedSkip = await queued('pr-1.2.0');
  expect(queuedSkip.status).toBe(1);
  expect(queuedSkip.stdout).toMatch(
    /::error file=envs\/production\/api\.yaml,line=10,col=\d+::.*acme\/api 1\.2\.0: staging runs 1\.1\.0, not 1\.2\.0/,
  );
});
