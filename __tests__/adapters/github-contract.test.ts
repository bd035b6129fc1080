// The GitHub port's contract (src/adapters/github/port.ts), run against each implementation: the real adapter over the
// GitHub emulator, and the in-memory fake the PR step's table tests use. A behaviour the fake gets wrong would make those
// tests prove nothing, so the fake is held to exactly what the adapter does.
import { createGitHub, type GitHub, type RepoRef } from '../../src/adapters/github/index.js';
import { FakeGitHub } from '../support/fake-github.js';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';

interface Implementation {
  name: string;
  /** A new repository whose default branch `main` holds `files`, and the port to reach it. */
  repoWith(files: Record<string, string>): Promise<{ github: GitHub; repo: RepoRef }>;
}

let emulator: GitHubEmulator;
let counter = 0;

const implementations: Implementation[] = [
  {
    name: 'the adapter over the emulator',
    async repoWith(files) {
      const repo = { owner: 'acme', repo: `contract-${++counter}` };
      await emulator.createRepo(`${repo.owner}/${repo.repo}`, files, { defaultBranch: 'main' });
      const github = createGitHub({
        token: emulator.token,
        baseUrl: emulator.url,
        graphqlUrl: emulator.graphqlUrl,
        retryAfterBaseMs: 1,
        writeSpacingMs: 0,
      });
      return { github, repo };
    },
  },
  {
    name: 'the in-memory fake',
    async repoWith(files) {
      return { github: new FakeGitHub(files), repo: { owner: 'acme', repo: 'config' } };
    },
  },
];

beforeAll(async () => {
  emulator = await startGitHubEmulator();
});

afterEach(() => {
  expect(emulator.violations.splice(0)).toEqual([]);
});

afterAll(async () => {
  await emulator.stop();
});

const BRANCH = 'stagecoach/dev-to-staging';
const FILES = { 'README.md': 'config\n', 'staging/api.yaml': 'image: ghcr.io/acme/api:1.4.0\n' };

describe.each(implementations)('the GitHub port: $name', (implementation) => {
  test('a branch is created once, then moves only from the head it is expected at (compare-and-swap)', async () => {
    const { github, repo } = await implementation.repoWith(FILES);
    const before = await github.snapshot(repo, undefined, BRANCH);
    expect(before.base.name).toBe('main');
    expect(before.branch).toBeUndefined();
    expect(before.pullRequest).toBeUndefined();
    const first = await github.commitFiles(repo, {
      baseTree: before.base.tree,
      parent: before.base.head,
      files: { 'staging/api.yaml': 'image: ghcr.io/acme/api:1.5.0\n' },
      message: 'Promote api 1.5.0',
    });
    expect(first).not.toBe(before.base.head);
    const expectAbsent = { repositoryId: before.repositoryId };
    expect(await github.setBranch(repo, BRANCH, first, expectAbsent)).toBe(true);
    expect(await github.setBranch(repo, BRANCH, first, expectAbsent)).toBe(false);

    const created = await github.snapshot(repo, undefined, BRANCH);
    expect(created.branch).toMatchObject({ head: first, parents: [before.base.head] });
    expect(created.branch?.message.trim()).toBe('Promote api 1.5.0');

    const second = await github.commitFiles(repo, {
      baseTree: before.base.tree,
      parent: before.base.head,
      files: { 'staging/api.yaml': 'image: ghcr.io/acme/api:1.6.0\n' },
      message: 'Promote api 1.6.0',
    });
    const stale = { head: before.base.head, repositoryId: before.repositoryId };
    expect(await github.setBranch(repo, BRANCH, second, stale)).toBe(false);
    expect((await github.snapshot(repo, undefined, BRANCH)).branch?.head).toBe(first);
    expect(await github.setBranch(repo, BRANCH, second, { head: first, repositoryId: before.repositoryId })).toBe(true);
    expect((await github.snapshot(repo, undefined, BRANCH)).branch?.head).toBe(second);
  });

  test('one open pull request per branch: opened once, updated, decorated, and gone from the snapshot once closed', async () => {
    const { github, repo } = await implementation.repoWith(FILES);
    const base = await github.snapshot(repo, undefined, BRANCH);
    const sha = await github.commitFiles(repo, {
      baseTree: base.base.tree,
      parent: base.base.head,
      files: { 'staging/api.yaml': 'image: ghcr.io/acme/api:1.5.0\n' },
      message: 'Promote api 1.5.0',
    });
    await github.setBranch(repo, BRANCH, sha, { repositoryId: base.repositoryId });
    const input = { head: BRANCH, base: 'main', title: 'Promote dev → staging', body: 'first', draft: false };
    const opened = await github.openPullRequest(repo, input);
    expect(opened).toMatchObject({ number: expect.any(Number), baseSha: base.base.head });
    expect(await github.openPullRequest(repo, input)).toBeUndefined();

    const pr = { number: opened!.number, nodeId: opened!.nodeId };
    expect((await github.snapshot(repo, undefined, BRANCH)).pullRequest).toMatchObject({
      number: pr.number,
      title: 'Promote dev → staging',
      body: 'first',
      draft: false,
    });
    await github.updatePullRequest(repo, pr, { title: 'Promote dev → staging (2)', body: 'second', draft: true });
    const warnings = await github.decoratePullRequest(repo, pr, {
      labels: ['promotion'],
      assignees: [],
      reviewers: [],
      teamReviewers: [],
      autoMerge: false,
    });
    expect(warnings).toEqual([]);
    expect((await github.snapshot(repo, undefined, BRANCH)).pullRequest).toMatchObject({
      title: 'Promote dev → staging (2)',
      body: 'second',
      draft: true,
      labels: ['promotion'],
    });

    await github.updatePullRequest(repo, pr, { close: { comment: 'staging caught up' } });
    expect((await github.snapshot(repo, undefined, BRANCH)).pullRequest).toBeUndefined();
  });

  test('measure counts the requests a piece of work made', async () => {
    const { github, repo } = await implementation.repoWith(FILES);
    const { value, requests } = await github.measure(() => github.snapshot(repo, undefined, BRANCH));
    expect(value.base.name).toBe('main');
    expect(requests).toBe(1);
  });
});
