import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { createGit } from '../../src/adapters/git.js';
import { createRegistry } from '../../src/adapters/registry.js';
import { verifyPullRequest } from '../../src/engine/verify.js';
import { renderVerifySummary, renderVerifyText } from '../../src/core/report/verify-report.js';
import { renderMarks } from '../../src/core/report/terminal-text.js';
import { createHistory, type History } from '../support/git-history.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';
import { pushTags } from '../support/registry-push.js';
import { deploymentYaml } from '../support/manifests.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
const T0 = 1_760_000_000;

let registry: RegistryServer;
let digests: Map<string, string>;
beforeAll(async () => {
  registry = await startRegistry();
  digests = await pushTags({ url: registry.url, repository: 'acme/api' }, ['1.0.0', '1.1.0', '1.2.0']);
});
afterAll(() => registry?.stop());

const deployment = (version: string) => deploymentYaml(`${registry.host}/acme/api:${version}`, ' # the API');

const CONFIG = `stages:
  - name: dev
    path: envs/dev
  - name: staging
    path: envs/staging
  - name: production
    path: envs/production
    gates:
      registry: true
      soak: 1h
`;

/** main: every stage at 1.0.0 (T0), dev 1.1.0 and 1.2.0 (T0+1d), staging 1.1.0 (T0+2d). */
function pipelineHistory(): { history: History; base: string } {
  const history = createHistory();
  history.commit(
    {
      'stagecoach.yaml': CONFIG,
      'envs/dev/api.yaml': deployment('1.0.0'),
      'envs/staging/api.yaml': deployment('1.0.0'),
      'envs/production/api.yaml': deployment('1.0.0'),
    },
    'start',
    T0,
  );
  history.commit({ 'envs/dev/api.yaml': deployment('1.1.0') }, 'dev 1.1.0', T0 + DAY);
  history.commit({ 'envs/staging/api.yaml': deployment('1.1.0') }, 'staging 1.1.0', T0 + 2 * DAY);
  const base = history.commit({ 'envs/dev/api.yaml': deployment('1.2.0') }, 'dev 1.2.0', T0 + 2 * DAY + HOUR);
  return { history, base };
}

function pullRequest(history: History, base: string, branch: string, files: Record<string, string>): string {
  history.git('switch', '-q', '-c', branch, base);
  const head = history.commit(files, branch, T0 + 3 * DAY);
  history.git('switch', '-q', 'main');
  return head;
}

async function verify(history: History, base: string, head: string, now = T0 + 3 * DAY) {
  return verifyPullRequest(
    { git: createGit(history.dir), registry: createRegistry({ plainHttp: [registry.host] }), now },
    { base, head },
  );
}

describe('verify', () => {
  test('passes a pull request that sets what already runs upstream, exists and has soaked', async () => {
    const { history, base } = pipelineHistory();
    const head = pullRequest(history, base, 'promote', { 'envs/production/api.yaml': deployment('1.1.0') });
    const result = await verify(history, base, head);
    expect(result.stages).toEqual(['production']);
    expect(result.changes).toEqual([
      expect.objectContaining({
        stage: 'production',
        upstream: 'staging',
        file: 'envs/production/api.yaml',
        line: 10,
        old: '1.0.0',
        new: '1.1.0',
        problems: [],
      }),
    ]);
    expect(result.gates.map((gate) => [gate.gate, gate.passed])).toEqual([
      ['registry', true],
      ['soak', true],
    ]);
    expect(result.passed).toBe(true);
    expect(renderMarks(renderVerifyText(result))).toContain('Passed.');
  });

  test('fails a pull request that skips a stage, at the exact file and line', async () => {
    const { history, base } = pipelineHistory();
    const head = pullRequest(history, base, 'skip', { 'envs/production/api.yaml': deployment('1.2.0') });
    const result = await verify(history, base, head);
    expect(result.passed).toBe(false);
    expect(result.changes).toEqual([
      expect.objectContaining({
        file: 'envs/production/api.yaml',
        line: 10,
        new: '1.2.0',
        problems: [
          expect.stringMatching(/staging runs 1\.1\.0, not 1\.2\.0: promote it to staging first/),
          expect.stringMatching(/^soak: not found in staging's history/),
        ],
      }),
    ]);
    expect(renderVerifySummary(result)).toContain('**What to do:**');
  });

  test('fails a tag that does not exist in the registry (a typo)', async () => {
    const { history, base } = pipelineHistory();
    const head = pullRequest(history, base, 'typo', { 'envs/production/api.yaml': deployment('1.1.O') });
    const result = await verify(history, base, head);
    expect(result.passed).toBe(false);
    const [change] = result.changes;
    expect(change.problems).toContainEqual(
      'registry: not found in the registry (push it first, or check the tag for a typo)',
    );
    expect(result.gates.find((gate) => gate.gate === 'registry')?.passed).toBe(false);
  });

  test('fails a version that has not soaked long enough upstream, saying how long is left', async () => {
    const { history, base } = pipelineHistory();
    const head = pullRequest(history, base, 'early', { 'envs/production/api.yaml': deployment('1.1.0') });
    const result = await verify(history, base, head, T0 + 2 * DAY + 20 * 60);
    expect(result.passed).toBe(false);
    expect(result.changes[0].problems).toEqual(['soak: in staging for 20m, needs 1h (40m to go)']);
  });

  test('reads the config of the base branch: a pull request cannot switch its own checks off', async () => {
    const { history, base } = pipelineHistory();
    const head = pullRequest(history, base, 'sneaky', {
      'stagecoach.yaml': 'stages:\n  - name: production\n    path: envs/production\n',
      'envs/production/api.yaml': deployment('1.2.0'),
    });
    const result = await verify(history, base, head);
    expect(result.passed).toBe(false);
    expect(result.changes[0].upstream).toBe('staging');
  });

  test('a hand-written pull request touching several stages checks each against its upstream', async () => {
    const { history, base } = pipelineHistory();
    const head = pullRequest(history, base, 'both', {
      'envs/staging/api.yaml': deployment('1.2.0'),
      'envs/production/api.yaml': deployment('1.1.0'),
    });
    const result = await verify(history, base, head);
    expect(result.stages).toEqual(['staging', 'production']);
    expect(result.changes.map((c) => [c.stage, c.new, c.problems.length])).toEqual([
      ['production', '1.1.0', 0],
      ['staging', '1.2.0', 0],
    ]);
    expect(result.passed).toBe(true);
  });

  test('a digest is vouched for only by the same digest upstream, or by the registry resolving the upstream tag to it', async () => {
    const { history, base } = pipelineHistory();
    const real = digests.get('1.1.0') as string;
    const forged = `sha256:${'e'.repeat(64)}`;
    const swap = pullRequest(history, base, 'swap', { 'envs/production/api.yaml': deployment(`1.1.0@${forged}`) });
    const swapped = await verify(history, base, swap);
    expect(swapped.passed).toBe(false);
    expect(swapped.changes[0].problems[0]).toMatch(
      /staging runs 1\.1\.0, but the registry does not resolve that tag to sha256:e{64}/,
    );
    const pinned = pullRequest(history, base, 'pinned', { 'envs/production/api.yaml': deployment(`1.1.0@${real}`) });
    const result = await verify(history, base, pinned);
    expect(result.changes[0].problems).toEqual([]);
    expect(result.passed).toBe(true);
  });

  test('fails closed on changed files it cannot read: a symlink, a file outside files:, broken YAML', async () => {
    const { history, base } = pipelineHistory();
    history.git('switch', '-q', '-c', 'hidden', base);
    history.commit(
      {
        'other/api.yaml': deployment('6.6.6'),
        'envs/production/api.json': '{"image": "x"}',
        'envs/production/broken.yaml': 'image: ghcr.io/acme/api:6.6.6\nimage: x:1\n',
      },
      'hide',
      T0 + 3 * DAY,
    );
    history.git('rm', '-q', 'envs/production/api.yaml');
    symlinkSync('../../other/api.yaml', path.join(history.dir, 'envs/production/api.yaml'));
    const head = history.commit({}, 'link', T0 + 3 * DAY);
    history.git('switch', '-q', 'main');
    const result = await verify(history, base, head);
    expect(result.passed).toBe(false);
    expect(result.skipped).toEqual([
      { file: 'envs/production/api.json', line: 1, reason: expect.stringMatching(/not selected by files:/) },
      { file: 'envs/production/api.yaml', line: 1, reason: expect.stringMatching(/a symlink/) },
      { file: 'envs/production/broken.yaml', line: 1, reason: expect.stringMatching(/not readable as YAML/) },
    ]);
    expect(renderMarks(renderVerifyText(result))).toContain('FAIL  envs/production/api.yaml: a symlink');
  });

  test('commits that landed on the base after the pull request branched are not taken for its own', async () => {
    const { history, base } = pipelineHistory();
    const head = pullRequest(history, base, 'readme', { 'envs/production/NOTES.md': 'notes\n' });
    history.commit({ 'envs/production/api.yaml': deployment('1.1.0') }, 'another promotion lands', T0 + 3 * DAY + 60);
    const result = await verify(history, 'main', head, T0 + 4 * DAY);
    expect(result.changes).toEqual([]);
    expect(result.skipped).toEqual([expect.objectContaining({ file: 'envs/production/NOTES.md' })]);
  });

  test('soak counts from the commit on the base branch itself, not from a date a contributor wrote into a side commit', async () => {
    const { history, base } = pipelineHistory();
    // A side branch with a forged, old date for staging 1.2.0, merged into main now.
    history.git('switch', '-q', '-c', 'side', base);
    history.commit({ 'envs/staging/api.yaml': deployment('1.2.0') }, 'old-looking', T0 - 300 * DAY);
    history.git('switch', '-q', 'main');
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'merge', 'side'], {
      cwd: history.dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@x',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@x',
        GIT_AUTHOR_DATE: `@${T0 + 3 * DAY} +0000`,
        GIT_COMMITTER_DATE: `@${T0 + 3 * DAY} +0000`,
      },
    });
    const merged = history.git('rev-parse', 'HEAD');
    const head = pullRequest(history, merged, 'after-merge', { 'envs/production/api.yaml': deployment('1.2.0') });
    const result = await verify(history, merged, head, T0 + 3 * DAY + 10 * 60);
    expect(result.changes[0].problems).toEqual(['soak: in staging for 10m, needs 1h (50m to go)']);
  });
});

describe('verify with charts: true', () => {
  const release = (image: string, chart: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: api
spec:
  chart:
    spec:
      chart: api
      version: ${chart}
      sourceRef: {kind: HelmRepository, name: acme}
  values:
    image:
      repository: ${registry.host}/acme/api
      tag: ${image}
`;

  test('leaves chart versions out of the registry check: they live in a chart repository', async () => {
    const history = createHistory();
    history.commit(
      {
        'stagecoach.yaml': `charts: true\n${CONFIG}`,
        'envs/dev/api.yaml': release('1.0.0', '1.0.0'),
        'envs/staging/api.yaml': release('1.0.0', '1.0.0'),
        'envs/production/api.yaml': release('1.0.0', '1.0.0'),
      },
      'start',
      T0,
    );
    history.commit({ 'envs/dev/api.yaml': release('1.1.0', '1.1.0') }, 'dev', T0 + DAY);
    const base = history.commit({ 'envs/staging/api.yaml': release('1.1.0', '1.1.0') }, 'staging', T0 + 2 * DAY);
    const head = pullRequest(history, base, 'promote', { 'envs/production/api.yaml': release('1.1.0', '1.1.0') });
    const result = await verify(history, base, head);
    expect(result.changes.map((change) => [change.image, change.new, change.problems])).toEqual([
      ['HelmRepository/acme/api', '1.1.0', []],
      [`${registry.host}/acme/api`, '1.1.0', []],
    ]);
    const gate = result.gates.find((g) => g.gate === 'registry');
    expect(gate?.passed).toBe(true);
    expect(JSON.stringify(gate)).not.toContain('HelmRepository');
    expect(result.passed).toBe(true);
  });
});
