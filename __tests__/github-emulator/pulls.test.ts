import { getOctokit } from '@actions/github';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';

let emulator: GitHubEmulator;
let octokit: ReturnType<typeof getOctokit>;
const repo = { owner: 'acme', repo: 'config' };

beforeEach(async () => {
  emulator = await startGitHubEmulator();
  octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
  await emulator.createRepo('acme/config', { 'staging/api.yaml': 'image: api:1\n', 'prod/api.yaml': 'image: api:1\n' });
  await emulator.commit(
    'acme/config',
    'stagecoach/staging',
    { 'staging/api.yaml': 'image: api:2\n' },
    'Promote api to staging',
  );
});

afterEach(async () => {
  await emulator.stop();
});

describe('pull requests', () => {
  test('create, then a second open PR for the same head and base is refused as on GitHub', async () => {
    const { data: pr } = await octokit.rest.pulls.create({
      ...repo,
      head: 'stagecoach/staging',
      base: 'main',
      title: 'Promote api',
      body: 'plan',
    });
    expect(pr).toMatchObject({
      number: 1,
      state: 'open',
      draft: false,
      head: { ref: 'stagecoach/staging' },
      base: { ref: 'main' },
      commits: 1,
      changed_files: 1,
    });
    expect(pr.html_url).toBe(`${emulator.url}/acme/config/pull/1`);
    expect(pr.head.sha).toBe(await emulator.branchSha('acme/config', 'stagecoach/staging'));

    await expect(
      octokit.rest.pulls.create({ ...repo, head: 'acme:stagecoach/staging', base: 'main', title: 'again' }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          message: 'Validation Failed',
          errors: [{ message: 'A pull request already exists for acme:stagecoach/staging.' }],
        },
      },
    });
    await expect(
      octokit.rest.pulls.create({ ...repo, head: 'missing', base: 'main', title: 'x' }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.pulls.create({ ...repo, head: 'main', base: 'main', title: 'x' })).rejects.toMatchObject({
      response: { data: { errors: [{ message: 'No commits between main and main' }] } },
    });
  });

  test('labels (created when missing), reviewers, assignees, comments and edits land on the PR', async () => {
    const { data: pr } = await octokit.rest.pulls.create({
      ...repo,
      head: 'stagecoach/staging',
      base: 'main',
      title: 'Promote api',
      draft: true,
    });
    await expect(octokit.rest.issues.getLabel({ ...repo, name: 'stagecoach' })).rejects.toMatchObject({ status: 404 });
    const { data: labels } = await octokit.rest.issues.addLabels({
      ...repo,
      issue_number: pr.number,
      labels: ['stagecoach', 'env/staging'],
    });
    expect(labels.map((l) => l.name)).toEqual(['stagecoach', 'env/staging']);
    expect((await octokit.rest.issues.getLabel({ ...repo, name: 'env/staging' })).data.name).toBe('env/staging');
    await expect(
      octokit.rest.issues.createLabel({ ...repo, name: 'stagecoach', color: 'ff0000' }),
    ).rejects.toMatchObject({ status: 422 });

    await octokit.rest.pulls.requestReviewers({
      ...repo,
      pull_number: pr.number,
      reviewers: ['alice'],
      team_reviewers: ['platform'],
    });
    await expect(
      octokit.rest.pulls.requestReviewers({ ...repo, pull_number: pr.number, reviewers: [emulator.login] }),
    ).rejects.toMatchObject({ status: 422 });
    await octokit.rest.issues.update({ ...repo, issue_number: pr.number, assignees: ['bob'], labels: ['stagecoach'] });
    await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: 'first' });
    await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: 'second' });
    const { data: comments } = await octokit.rest.issues.listComments({ ...repo, issue_number: pr.number });
    expect(comments.map((c) => c.body)).toEqual(['first', 'second']);
    await octokit.rest.pulls.update({ ...repo, pull_number: pr.number, title: 'Promote api (2)', body: 'new plan' });

    expect(emulator.pulls('acme/config')).toEqual([
      expect.objectContaining({
        number: pr.number,
        title: 'Promote api (2)',
        body: 'new plan',
        draft: true,
        head: 'stagecoach/staging',
        base: 'main',
        labels: ['stagecoach'],
        reviewers: ['alice'],
        teamReviewers: ['platform'],
        assignees: ['bob'],
        comments: ['first', 'second'],
      }),
    ]);
    const { data: fetched } = await octokit.rest.pulls.get({ ...repo, pull_number: pr.number });
    expect(fetched.requested_teams?.map((t) => t.slug)).toEqual(['platform']);
    expect(fetched.labels.map((l) => l.name)).toEqual(['stagecoach']);
    await octokit.rest.issues.removeLabel({ ...repo, issue_number: pr.number, name: 'stagecoach' });
    expect(emulator.pulls('acme/config')[0].labels).toEqual([]);
  });

  test('list filters by owner:branch head (a bare branch name is ignored, as GitHub does), state and base', async () => {
    await emulator.commit(
      'acme/config',
      'stagecoach/prod',
      { 'prod/api.yaml': 'image: api:2\n' },
      'Promote api to prod',
    );
    await octokit.rest.pulls.create({ ...repo, head: 'stagecoach/staging', base: 'main', title: 'staging' });
    const { data: prod } = await octokit.rest.pulls.create({
      ...repo,
      head: 'stagecoach/prod',
      base: 'main',
      title: 'prod',
    });

    const titles = async (params: Record<string, string>) =>
      (await octokit.rest.pulls.list({ ...repo, ...params })).data.map((p) => p.title);
    expect(await titles({ head: 'acme:stagecoach/prod' })).toEqual(['prod']);
    expect(await titles({ head: 'stagecoach/prod' })).toEqual(['prod', 'staging']);
    expect(await titles({ base: 'other' })).toEqual([]);

    await octokit.rest.pulls.update({ ...repo, pull_number: prod.number, state: 'closed' });
    expect(await titles({ head: 'acme:stagecoach/prod' })).toEqual([]);
    expect(await titles({ head: 'acme:stagecoach/prod', state: 'closed' })).toEqual(['prod']);
    // a new commit on the head branch shows in the PR; the files endpoint diffs against the merge base
    const newHead = await emulator.commit(
      'acme/config',
      'stagecoach/staging',
      { 'staging/web.yaml': 'image: web:1\n' },
      'and web',
    );
    const [staging] = (await octokit.rest.pulls.list({ ...repo, head: 'acme:stagecoach/staging' })).data;
    expect(staging.head.sha).toBe(newHead);
    const { data: files } = await octokit.rest.pulls.listFiles({ ...repo, pull_number: staging.number });
    expect(files.map((f) => `${f.status} ${f.filename}`)).toEqual([
      'modified staging/api.yaml',
      'added staging/web.yaml',
    ]);
  });

  test('deleting the head branch closes the PR; reopening a duplicate is refused', async () => {
    const { data: first } = await octokit.rest.pulls.create({
      ...repo,
      head: 'stagecoach/staging',
      base: 'main',
      title: 'first',
    });
    await octokit.rest.pulls.update({ ...repo, pull_number: first.number, state: 'closed' });
    await octokit.rest.pulls.create({ ...repo, head: 'stagecoach/staging', base: 'main', title: 'second' });
    await expect(
      octokit.rest.pulls.update({ ...repo, pull_number: first.number, state: 'open' }),
    ).rejects.toMatchObject({ status: 422 });
    await octokit.rest.git.deleteRef({ ...repo, ref: 'heads/stagecoach/staging' });
    expect(emulator.pulls('acme/config').map((p) => p.state)).toEqual(['closed', 'closed']);
  });
});
