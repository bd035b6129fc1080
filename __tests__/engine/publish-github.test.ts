// The PR step against the GitHub emulator (real git repos behind GitHub's REST and GraphQL APIs, contract-checked).
import { getOctokit } from '@actions/github';
import { createGitHub, type GitHub, type GitHubTreeReader } from '../../src/adapters/github/index.js';
import { createGitHubFiles } from '../../src/adapters/github-files.js';
import { parsePromotionBlock, planHash } from '../../src/core/report/pull-request-body.js';
import { loadPipeline } from '../../src/engine/load-config.js';
import { openCheckout, promoteWithPullRequest } from '../../src/engine/promote.js';
import { publishPromotion, type PublishRequest } from '../../src/engine/publish.js';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';
import { BRANCH, clock, makePlan, policy, type ChangeSpec } from './publish-fixtures.js';

let emulator: GitHubEmulator;
let github: GitHub & GitHubTreeReader;
/** A second client for the builds' reads, so they do not count as the PR step's requests. */
let reader: ReturnType<typeof createGitHub>;
let repoCounter = 0;

beforeAll(async () => {
  emulator = await startGitHubEmulator();
  const options = {
    token: emulator.token,
    baseUrl: emulator.url,
    graphqlUrl: emulator.graphqlUrl,
    retryAfterBaseMs: 1,
    writeSpacingMs: 0,
  };
  github = createGitHub(options);
  reader = createGitHub(options);
});

afterEach(() => {
  // Every exchange must conform to GitHub's OpenAPI description and GraphQL schema.
  // (Taken out of the shared log so each test reports only its own.)
  expect(emulator.violations.splice(0)).toEqual([]);
});

afterAll(async () => {
  await emulator.stop();
});

function serviceFiles(count: number, version: string): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, index) => [
      `staging/svc-${String(index).padStart(4, '0')}.yaml`,
      `image: ghcr.io/acme/api:${version}\n`,
    ]),
  );
}

async function newRepo(
  files: Record<string, string> = serviceFiles(1, '1.4.0'),
  fullName = `acme/config-${++repoCounter}`,
  defaultBranch = 'main',
) {
  await emulator.createRepo(fullName, { 'README.md': 'config\n', ...files }, { defaultBranch });
  return fullName;
}

/** A promotion that reads the target stage at the base commit over the API and moves every staging file to `version`. */
function promotion(
  fullName: string,
  version: string,
  extra: Partial<PublishRequest> = {},
  known?: Record<string, string>,
): PublishRequest & { builds: string[] } {
  const [owner, repo] = fullName.split('/');
  const builds: string[] = [];
  return {
    owner,
    repo,
    from: 'dev',
    to: 'staging',
    policy,
    builds,
    async build(baseSha) {
      builds.push(baseSha);
      // Large stages: the test knows the files, so the build does not read 1,000 blobs through the emulator.
      const files = known ? undefined : createGitHubFiles(reader, { owner, repo }, baseSha);
      const specs: ChangeSpec[] = [];
      const output: Record<string, string> = {};
      for (const file of files ? await files.list('staging') : Object.keys(known as Record<string, string>).sort()) {
        const old = /:(\S+)/.exec(
          files ? await files.read(file) : (known as Record<string, string>)[file],
        )?.[1] as string;
        if (old === version) continue;
        specs.push({ file, image: 'ghcr.io/acme/api', old, new: version, line: 1, workload: 'Deployment/api' });
        output[file] = `image: ghcr.io/acme/api:${version}\n`;
      }
      return { plan: makePlan('dev', 'staging', specs), files: output };
    },
    async describe(base, head) {
      // What the commit did to staging, read over the API as the engine does.
      const [before, after] = [
        createGitHubFiles(reader, { owner, repo }, base),
        createGitHubFiles(reader, { owner, repo }, head),
      ];
      const specs: ChangeSpec[] = [];
      for (const file of await before.list('staging')) {
        const [old, now] = await Promise.all(
          [before.read(file), after.read(file)].map(async (text) => /:(\S+)/.exec(await text)?.[1] as string),
        );
        if (old !== now)
          specs.push({ file, image: 'ghcr.io/acme/api', old, new: now, line: 1, workload: 'Deployment/api' });
      }
      return makePlan('dev', 'staging', specs);
    },
    ...extra,
  };
}

async function branchParent(fullName: string): Promise<string | undefined> {
  const [owner, repo] = fullName.split('/');
  const snapshot = await reader.snapshot({ owner, repo }, undefined, BRANCH);
  return snapshot.branch?.parents[0];
}

describe('publishPromotion on the GitHub emulator', () => {
  it('creates one commit on the base head, the branch and the labelled PR', async () => {
    const repo = await newRepo();
    const base = await emulator.branchSha(repo, 'main');
    emulator.resetLog();
    const result = await publishPromotion(github, promotion(repo, '1.5.0'));
    expect(result).toMatchObject({ operation: 'created', number: 1, branch: BRANCH });
    expect(result.requests).toBeLessThanOrEqual(8);
    expect(emulator.requests.length).toBe(result.requests + 2); // + the build's tree read and its GraphQL batch
    expect(emulator.requests.some((r) => r.method === 'POST' && /git\/refs$/.test(r.path))).toBe(true);
    expect(await emulator.readFile(repo, BRANCH, 'staging/svc-0000.yaml')).toBe('image: ghcr.io/acme/api:1.5.0\n');
    expect(await emulator.readFile(repo, BRANCH, 'README.md')).toBe('config\n');
    expect(await branchParent(repo)).toBe(base);
    const [pull] = emulator.pulls(repo);
    expect(pull).toMatchObject({
      state: 'open',
      head: BRANCH,
      base: 'main',
      title: 'promote(staging): api 1.4.0 → 1.5.0',
      draft: false,
    });
    expect(pull.labels.sort()).toEqual(['promotion', 'stage:staging']);
    expect(parsePromotionBlock(pull.body)).toMatchObject({
      from: 'dev',
      to: 'staging',
      commit: await emulator.branchSha(repo, BRANCH),
    });
  });

  it('reruns with nothing new in at most 4 requests (1: one read) and writes nothing', async () => {
    const repo = await newRepo();
    await publishPromotion(github, promotion(repo, '1.5.0'));
    const head = await emulator.branchSha(repo, BRANCH);
    emulator.resetLog();
    const result = await publishPromotion(github, promotion(repo, '1.5.0'));
    expect(result).toMatchObject({ operation: 'unchanged', number: 1, commitSha: head });
    expect(result.requests).toBeLessThanOrEqual(4);
    expect(result.requests).toBe(1);
    expect(emulator.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/graphql'))).toEqual([]);
    expect(await emulator.branchSha(repo, BRANCH)).toBe(head);
  });

  it('rebuilds the branch on the current base for a newer plan and updates the same PR', async () => {
    const repo = await newRepo();
    await publishPromotion(github, promotion(repo, '1.5.0'));
    const base = await emulator.commit(repo, 'main', { 'docs/notes.md': 'moved on\n' }, 'unrelated change');
    const result = await publishPromotion(github, promotion(repo, '1.6.0'));
    expect(result).toMatchObject({ operation: 'updated', number: 1 });
    expect(await branchParent(repo)).toBe(base);
    expect(await emulator.readFile(repo, BRANCH, 'docs/notes.md')).toBe('moved on\n');
    expect(await emulator.readFile(repo, BRANCH, 'staging/svc-0000.yaml')).toBe('image: ghcr.io/acme/api:1.6.0\n');
    const pulls = emulator.pulls(repo);
    expect(pulls).toHaveLength(1);
    expect(pulls[0].title).toBe('promote(staging): api 1.4.0 → 1.6.0');
    expect(parsePromotionBlock(pulls[0].body)?.commit).toBe(await emulator.branchSha(repo, BRANCH));
  });

  it('closes the PR with a comment once the target caught up, then reports none', async () => {
    const repo = await newRepo();
    await publishPromotion(github, promotion(repo, '1.5.0'));
    await emulator.commit(repo, 'main', serviceFiles(1, '1.5.0'), 'promoted by hand');
    expect(await publishPromotion(github, promotion(repo, '1.5.0'))).toMatchObject({ operation: 'closed', number: 1 });
    const [pull] = emulator.pulls(repo);
    expect(pull.state).toBe('closed');
    expect(pull.comments).toEqual([expect.stringMatching(/nothing left to promote/)]);
    expect(await publishPromotion(github, promotion(repo, '1.5.0'))).toMatchObject({ operation: 'none', requests: 1 });
  });

  it('works on another owner/name with another default branch', async () => {
    const one = await newRepo();
    const other = await newRepo(serviceFiles(1, '3.0.0'), 'platform-team/deployments', 'trunk');
    const result = await publishPromotion(github, promotion(other, '3.1.0'));
    expect(result).toMatchObject({ operation: 'created', number: 1 });
    expect(emulator.pulls(other)[0]).toMatchObject({ base: 'trunk', head: BRANCH });
    expect(emulator.pulls(one)).toEqual([]);
    expect(await emulator.readFile(other, BRANCH, 'staging/svc-0000.yaml')).toBe('image: ghcr.io/acme/api:3.1.0\n');
  });

  it('applies labels, assignees, reviewers, team reviewers and auto-merge', async () => {
    const repo = await newRepo();
    const decorated = {
      ...policy,
      labels: ['promotion', 'stage:staging', 'team/api'],
      assignees: ['alice'],
      reviewers: ['bob'],
      teamReviewers: ['sre'],
      autoMerge: 'squash' as const,
    };
    emulator.resetLog();
    const result = await publishPromotion(github, promotion(repo, '1.5.0', { policy: decorated }));
    expect(result.operation).toBe('created');
    expect(result.warnings).toBeUndefined();
    // snapshot, tree, commit, branch, PR, then labels, assignees, reviewers, auto-merge: one call each (issue 9).
    expect(result.requests).toBe(9);
    const [pull] = emulator.pulls(repo);
    expect(pull.labels.sort()).toEqual(['promotion', 'stage:staging', 'team/api']);
    expect(pull.assignees).toEqual(['alice']);
    expect(pull.reviewers).toEqual(['bob']);
    expect(pull.teamReviewers).toEqual(['sre']);
    expect(pull.autoMerge).toEqual({ mergeMethod: 'SQUASH' });
  });

  it('an assignee GitHub cannot assign costs neither the labels nor the reviews, and the warning names the login', async () => {
    const repo = `acme/config-${++repoCounter}`;
    await emulator.createRepo(
      repo,
      { 'README.md': 'config\n', ...serviceFiles(1, '1.4.0') },
      { collaborators: ['bob'] },
    );
    const result = await publishPromotion(
      github,
      promotion(repo, '1.5.0', { policy: { ...policy, assignees: ['mallory'], reviewers: ['bob'] } }),
    );
    expect(result.operation).toBe('created');
    const [pull] = emulator.pulls(repo);
    expect(pull.labels.sort()).toEqual(['promotion', 'stage:staging']);
    expect(pull.reviewers).toEqual(['bob']);
    expect(pull.assignees).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/#1: GitHub did not assign mallory: only users with write access/),
    ]);
  });

  it('auto-merge GitHub refuses in clean status is enabled on a later run, once the PR waits for a check', async () => {
    const repo = `acme/config-${++repoCounter}`;
    // No protection: the PR could be merged at once, so GitHub refuses auto-merge ("clean status").
    await emulator.createRepo(
      repo,
      { 'README.md': 'config\n', ...serviceFiles(1, '1.4.0') },
      { protection: { requiredReviews: 0 } },
    );
    const squash = { ...policy, autoMerge: 'squash' as const };
    const created = await publishPromotion(github, promotion(repo, '1.5.0', { policy: squash }));
    expect(created.operation).toBe('created');
    expect(created.warnings).toEqual([
      expect.stringMatching(/could not enable auto-merge \(squash\): .*is in clean status.*enables it on a later run/),
    ]);
    expect(emulator.pulls(repo)[0].autoMerge).toBeUndefined();
    // Still clean: the snapshot says so, and no mutation GitHub would refuse is sent.
    const still = await publishPromotion(github, promotion(repo, '1.5.0', { policy: squash }));
    expect(still).toMatchObject({ operation: 'unchanged', requests: 1 });
    expect(still.warnings).toEqual([expect.stringMatching(/auto-merge is not enabled yet: .*\(clean status/)]);
    // A required check now waits on the head: the next run enables auto-merge.
    emulator.protect(repo, { requiredChecks: ['ci'] });
    const rerun = await publishPromotion(github, promotion(repo, '1.5.0', { policy: squash }));
    expect(rerun).toMatchObject({ operation: 'unchanged', requests: 2 });
    expect(rerun.warnings).toBeUndefined();
    expect(emulator.pulls(repo)[0].autoMerge).toEqual({ mergeMethod: 'SQUASH' });
    expect((await publishPromotion(github, promotion(repo, '1.5.0', { policy: squash }))).requests).toBe(1);
  });

  it('labels taken off the PR are put back by the next run, keeping labels people added', async () => {
    const repo = await newRepo();
    const wanted = { ...policy, reviewers: ['bob'] };
    await publishPromotion(github, promotion(repo, '1.5.0', { policy: wanted }));
    const [owner, name] = repo.split('/');
    const octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
    await octokit.rest.issues.removeLabel({ owner, repo: name, issue_number: 1, name: 'promotion' });
    await octokit.rest.issues.addLabels({ owner, repo: name, issue_number: 1, labels: ['keep-me'] });
    const unchanged = await publishPromotion(github, promotion(repo, '1.5.0', { policy: wanted }));
    expect(unchanged).toMatchObject({ operation: 'unchanged', requests: 2 });
    expect(emulator.pulls(repo)[0].labels.sort()).toEqual(['keep-me', 'promotion', 'stage:staging']);
    expect(emulator.pulls(repo)[0].reviewers).toEqual(['bob']);
    // An update puts them back too.
    await octokit.rest.issues.removeLabel({ owner, repo: name, issue_number: 1, name: 'stage:staging' });
    expect((await publishPromotion(github, promotion(repo, '1.6.0', { policy: wanted }))).operation).toBe('updated');
    expect(emulator.pulls(repo)[0].labels.sort()).toEqual(['keep-me', 'promotion', 'stage:staging']);
  });

  it('opens a draft (and no auto-merge) when forced', async () => {
    const repo = await newRepo();
    const result = await publishPromotion(
      github,
      promotion(repo, '1.5.0', { draft: true, policy: { ...policy, autoMerge: 'merge' } }),
    );
    expect(result.operation).toBe('created');
    const [pull] = emulator.pulls(repo);
    expect(pull.draft).toBe(true);
    expect(pull.autoMerge).toBeUndefined();
  });

  it('retries a 5xx on the tree write', async () => {
    const repo = await newRepo();
    emulator.inject({ kind: 'status', status: 502, method: 'POST', path: /git\/trees$/, times: 2 });
    emulator.resetLog();
    const result = await publishPromotion(github, promotion(repo, '1.5.0'));
    expect(result.operation).toBe('created');
    expect(
      emulator.requests.filter((r) => /git\/trees$/.test(r.path) && r.method === 'POST').map((r) => r.status),
    ).toEqual([502, 502, 201]);
  });

  it('waits out a secondary rate limit (retry-after) on opening the PR', async () => {
    const repo = await newRepo();
    emulator.inject({ kind: 'secondary-rate-limit', retryAfter: 1, method: 'POST', path: /\/pulls$/ });
    emulator.resetLog();
    const result = await publishPromotion(github, promotion(repo, '1.5.0'));
    expect(result.operation).toBe('created');
    expect(
      emulator.requests.filter((r) => /\/pulls$/.test(r.path) && r.method === 'POST').map((r) => r.status),
    ).toEqual([403, 201]);
    expect(emulator.pulls(repo)).toHaveLength(1);
  });

  it('waits out a primary rate limit on the snapshot query', async () => {
    const repo = await newRepo();
    emulator.inject({ kind: 'primary-rate-limit', graphqlOperation: 'StagecoachSnapshot', resetInSeconds: 0 });
    const result = await publishPromotion(github, promotion(repo, '1.5.0'));
    expect(result.operation).toBe('created');
  });

  it('rebuilds on the new base when the base moves before the PR is opened', async () => {
    const repo = await newRepo();
    emulator.inject({
      kind: 'move-base',
      repo,
      branch: 'main',
      method: 'POST',
      path: /\/pulls$/,
      files: { 'docs/late.md': 'late\n' },
    });
    const request = promotion(repo, '1.5.0');
    const result = await publishPromotion(github, request);
    expect(result.operation).toBe('created');
    expect(request.builds).toHaveLength(2);
    const base = await emulator.branchSha(repo, 'main');
    expect(request.builds[1]).toBe(base);
    expect(await branchParent(repo)).toBe(base);
    expect(await emulator.readFile(repo, BRANCH, 'docs/late.md')).toBe('late\n');
    const [pull] = emulator.pulls(repo);
    expect(parsePromotionBlock(pull.body)?.commit).toBe(await emulator.branchSha(repo, BRANCH));
  });

  it('rebuilds when the base moves just before the branch is forced', async () => {
    const repo = await newRepo();
    await publishPromotion(github, promotion(repo, '1.5.0'));
    await emulator.commit(repo, 'main', { 'docs/a.md': 'a\n' }, 'move');
    emulator.inject({
      kind: 'move-base',
      repo,
      branch: 'main',
      method: 'POST',
      path: /git\/commits$/,
      files: { 'docs/b.md': 'b\n' },
    });
    const request = promotion(repo, '1.6.0');
    const result = await publishPromotion(github, request);
    expect(result.operation).toBe('updated');
    expect(request.builds).toHaveLength(2);
    expect(await branchParent(repo)).toBe(await emulator.branchSha(repo, 'main'));
    expect(await emulator.readFile(repo, BRANCH, 'docs/b.md')).toBe('b\n');
  });

  it('fails clearly when the base keeps moving', async () => {
    const repo = await newRepo();
    emulator.inject({ kind: 'move-base', repo, branch: 'main', method: 'POST', path: /git\/commits$/, times: 10 });
    await expect(publishPromotion(github, promotion(repo, '1.5.0'))).rejects.toThrow(
      /kept moving .*gave up after rebuilding the promotion 3 times/,
    );
    emulator.inject({ kind: 'move-base', repo, branch: 'main', method: 'POST', path: /git\/commits$/, times: 0 });
  });

  it('two promotions racing end with one PR holding the later plan', async () => {
    const repo = await newRepo();
    const runs = await Promise.all([
      publishPromotion(github, promotion(repo, '1.5.0'), { now: clock('2030-01-01T00:00:01.000Z') }),
      publishPromotion(github, promotion(repo, '1.6.0'), { now: clock('2030-01-01T00:00:02.000Z') }),
    ]);
    const open = emulator.pulls(repo).filter((pull) => pull.state === 'open');
    expect(open).toHaveLength(1);
    const head = await emulator.branchSha(repo, BRANCH);
    expect(await emulator.readFile(repo, BRANCH, 'staging/svc-0000.yaml')).toBe('image: ghcr.io/acme/api:1.6.0\n');
    const block = parsePromotionBlock(open[0].body);
    expect(block?.commit).toBe(head);
    expect(block?.builtAt).toBe('2030-01-01T00:00:02.000Z');
    expect(open[0].title).toBe('promote(staging): api 1.4.0 → 1.6.0');
    expect(runs.map((run) => run.operation).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/created|updated/)]),
    );
  });

  it('moves the branch by compare-and-swap (updateRefs): a write delayed past a later run fails and yields to it', async () => {
    const repo = await newRepo();
    await publishPromotion(github, promotion(repo, '1.5.0'), { now: clock('2030-01-01T00:00:00.000Z') });
    const held = emulator.hold({ graphqlOperation: 'StagecoachMoveBranch' });
    const early = publishPromotion(github, promotion(repo, '1.6.0'), { now: clock('2030-01-01T00:00:01.000Z') });
    await held.arrived;
    // The later run, on its own client (the throttling plugin queues one client's writes), goes all the way meanwhile.
    const late = await publishPromotion(reader, promotion(repo, '1.7.0'), { now: clock('2030-01-01T00:00:02.000Z') });
    expect(late.operation).toBe('updated');
    const lateHead = await emulator.branchSha(repo, BRANCH);
    emulator.resetLog();
    held.release();
    expect(await early).toMatchObject({
      operation: 'unchanged',
      commitSha: lateHead,
      supersededBy: parsePromotionBlock(emulator.pulls(repo)[0].body)?.planHash,
    });
    // GitHub's typeless error for a stale beforeOid, then the re-read that tells a lost race from a failure.
    expect(emulator.requests.map((r) => `${r.graphqlOperation ?? r.path} ${r.status}`)).toEqual([
      'StagecoachMoveBranch 200',
      'StagecoachBranchHead 200',
      'StagecoachSnapshot 200',
    ]);
    expect(await emulator.branchSha(repo, BRANCH)).toBe(lateHead);
    expect(await emulator.readFile(repo, BRANCH, 'staging/svc-0000.yaml')).toBe('image: ghcr.io/acme/api:1.7.0\n');
  });

  it("puts back the later plan's description when an older run's body write lands after that run finished", async () => {
    const repo = await newRepo();
    await publishPromotion(github, promotion(repo, '1.5.0'), { now: clock('2030-01-01T00:00:00.000Z') });
    const held = emulator.hold({ method: 'PATCH', path: /\/pulls\/1$/ });
    const early = publishPromotion(github, promotion(repo, '1.6.0'), { now: clock('2030-01-01T00:00:01.000Z') });
    await held.arrived;
    const lateRequest = promotion(repo, '1.7.0', { gates: 'passed' });
    const late = await publishPromotion(reader, lateRequest, { now: clock('2030-01-01T00:00:02.000Z') });
    expect(late.operation).toBe('updated');
    const lateHead = await emulator.branchSha(repo, BRANCH);
    const lateBody = emulator.pulls(repo)[0].body as string;
    held.release();
    const lateHash = planHash((await lateRequest.build((await emulator.branchSha(repo, 'main')) as string)).plan);
    expect(await early).toMatchObject({ operation: 'unchanged', commitSha: lateHead, supersededBy: lateHash });
    const [pull] = emulator.pulls(repo);
    expect(pull.title).toBe('promote(staging): api 1.4.0 → 1.7.0');
    expect(parsePromotionBlock(pull.body)).toEqual({ ...parsePromotionBlock(lateBody), rebuilt: true });
    expect(pull.body).toContain('rebuilt from the branch');
    expect(pull.body).toContain('The gates passed');
    expect(await emulator.readFile(repo, BRANCH, 'staging/svc-0000.yaml')).toBe('image: ghcr.io/acme/api:1.7.0\n');
    // A rerun of the later plan writes its full description back (`reader` would count the build's reads too).
    const rerun = await publishPromotion(github, promotion(repo, '1.7.0', { gates: 'passed' }), {
      now: clock('2030-01-01T00:00:03.000Z'),
    });
    expect(rerun).toMatchObject({ operation: 'updated', commitSha: lateHead, requests: 3 });
    expect(parsePromotionBlock(emulator.pulls(repo)[0].body)?.rebuilt).toBeUndefined();
  });

  it('a branch move whose answer is lost (502 after GitHub applied it) is recognised by re-reading the branch', async () => {
    const repo = await newRepo();
    await publishPromotion(github, promotion(repo, '1.5.0'));
    emulator.inject({ kind: 'status', status: 502, after: true, graphqlOperation: 'StagecoachMoveBranch' });
    emulator.resetLog();
    const result = await publishPromotion(github, promotion(repo, '1.6.0'));
    expect(result).toMatchObject({ operation: 'updated', commitSha: await emulator.branchSha(repo, BRANCH) });
    expect(
      emulator.requests
        .filter(
          (r) =>
            r.graphqlOperation?.startsWith('StagecoachMoveBranch') || r.graphqlOperation === 'StagecoachBranchHead',
        )
        .map((r) => `${r.graphqlOperation} ${r.status}`),
    ).toEqual(['StagecoachMoveBranch 502', 'StagecoachBranchHead 200']);
    expect(await emulator.readFile(repo, BRANCH, 'staging/svc-0000.yaml')).toBe('image: ghcr.io/acme/api:1.6.0\n');
    expect(parsePromotionBlock(emulator.pulls(repo)[0].body)?.commit).toBe(await emulator.branchSha(repo, BRANCH));
  });

  it('keeps an executable file executable in the API commit', async () => {
    const repo = await newRepo(serviceFiles(2, '1.4.0'));
    const request = promotion(repo, '1.5.0');
    const build = request.build.bind(request);
    request.build = async (baseSha) => ({ ...(await build(baseSha)), executable: ['staging/svc-0001.yaml'] });
    expect((await publishPromotion(github, request)).operation).toBe('created');
    const [owner, name] = repo.split('/');
    const { entries } = await reader.readTree({ owner, repo: name }, BRANCH, true);
    const modes = Object.fromEntries(
      entries.filter((entry) => entry.path.startsWith('staging/')).map((entry) => [entry.path, entry.mode]),
    );
    expect(modes).toEqual({ 'staging/svc-0000.yaml': '100644', 'staging/svc-0001.yaml': '100755' });
  });

  it('fits the title into the 256 characters GitHub allows, however many old versions one long image name has', async () => {
    const image = `ghcr.io/acme/${'platform-'.repeat(12)}api`;
    const files = Object.fromEntries(
      Array.from({ length: 60 }, (_, index) => [
        `staging/svc-${String(index).padStart(2, '0')}.yaml`,
        `image: ${image}:1.${index}.0\n`,
      ]),
    );
    const repo = await newRepo(files);
    const request = promotion(repo, '2.0.0');
    request.build = async () => ({
      plan: makePlan(
        'dev',
        'staging',
        Object.entries(files).map(([file, text]) => ({
          file,
          image,
          old: /:(\S+)$/m.exec(text)?.[1] as string,
          new: '2.0.0',
        })),
      ),
      files: Object.fromEntries(Object.keys(files).map((file) => [file, `image: ${image}:2.0.0\n`])),
    });
    expect((await publishPromotion(github, request)).operation).toBe('created');
    const [pull] = emulator.pulls(repo);
    expect([...pull.title].length).toBeLessThanOrEqual(256);
    expect(pull.title).toMatch(/^promote\(staging\): platform-.*api 1\.0\.0 … 1\.9\.0 \(60 versions\) → 2\.0\.0$/);
  });

  it('makes the same number of requests (at most 8) for 1, 10 and 1,000 changed files', async () => {
    const full = { ...policy, reviewers: ['bob'], autoMerge: 'merge' as const };
    const counts: number[] = [];
    for (const size of [1, 10, 1000]) {
      const files = serviceFiles(size, '1.4.0');
      const repo = await newRepo(files);
      const result = await publishPromotion(github, promotion(repo, '1.5.0', { policy: full }, files));
      expect(result.operation).toBe('created');
      counts.push(result.requests);
      expect(await emulator.readFile(repo, BRANCH, `staging/svc-${String(size - 1).padStart(4, '0')}.yaml`)).toBe(
        'image: ghcr.io/acme/api:1.5.0\n',
      );
      const block = parsePromotionBlock(emulator.pulls(repo)[0].body);
      expect(block?.planHash).toBe(
        planHash(
          (await promotion(repo, '1.5.0', {}, files).build((await emulator.branchSha(repo, 'main')) as string)).plan,
        ),
      );
    }
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeLessThanOrEqual(8);
  }, 180_000);
});

describe('a promotion without a checkout (the config repo read through the API)', () => {
  const CONFIG = 'stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n';
  const deployment = (version: string) => `image: ghcr.io/acme/api:${version}\n`;

  async function configRepo() {
    const fullName = `acme/config-${++repoCounter}`;
    await emulator.createRepo(fullName, {
      'stagecoach.yaml': CONFIG,
      'envs/dev/api.yaml': deployment('1.5.0'),
      'envs/staging/api.yaml': deployment('1.4.0'),
    });
    const [owner, repo] = fullName.split('/');
    return { fullName, repo: { owner, repo } };
  }

  const promote = async (repo: { owner: string; repo: string }, checkout: Awaited<ReturnType<typeof openCheckout>>) =>
    promoteWithPullRequest(
      { github, repo, checkout, workDir: '.', now: 0, baseEnv: {} },
      {
        pipeline: await loadPipeline(checkout.files, {}),
        plan: { from: 'dev', to: 'staging' },
        allowDowngrade: false,
        policy,
        onGateFailure: 'fail',
      },
    );

  it('reads the config with the base head and the stages with the PR state: 8 requests for a new PR', async () => {
    const { fullName, repo } = await configRepo();
    emulator.resetLog();
    const { gated, published } = await promote(repo, await openCheckout({ github, repo }));
    expect(published).toMatchObject({ operation: 'created' });
    expect(gated.plan.changes.map((change) => `${change.old} → ${change.new}`)).toEqual(['1.4.0 → 1.5.0']);
    expect(emulator.requests).toHaveLength(8);
    expect(emulator.requests.some((r) => r.graphqlOperation === 'StagecoachBlobs')).toBe(false);
    expect(await emulator.readFile(fullName, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
  });

  it('texts read with a snapshot of a base that moved since are not taken for the gated commit', async () => {
    const { fullName, repo } = await configRepo();
    const checkout = await openCheckout({ github, repo });
    // The base moves (staging too) just before the PR step's first snapshot is served.
    emulator.inject({
      kind: 'move-base',
      repo: fullName,
      branch: 'main',
      graphqlOperation: 'StagecoachSnapshot',
      files: { 'envs/staging/api.yaml': deployment('1.4.5') },
    });
    const { gated, published } = await promote(repo, checkout);
    // Gated on the commit the checkout holds (read again in a batch there), then rebuilt on the moved base.
    expect(gated.plan.changes.map((change) => change.old)).toEqual(['1.4.0']);
    expect(published).toMatchObject({ operation: 'created' });
    expect(emulator.pulls(fullName)[0].title).toBe('promote(staging): api 1.4.5 → 1.5.0');
    expect(await emulator.readFile(fullName, BRANCH, 'envs/staging/api.yaml')).toBe(deployment('1.5.0'));
  });
});
