import { getOctokit } from '@actions/github';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';

const run = promisify(execFile);

let emulator: GitHubEmulator;
let octokit: ReturnType<typeof getOctokit>;
const work: string[] = [];
const repo = { owner: 'acme', repo: 'config' };

beforeEach(async () => {
  emulator = await startGitHubEmulator();
  octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
});

afterEach(async () => {
  await emulator.stop();
  await Promise.all(work.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function clone(bare: string, branch: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'emulator-clone-'));
  work.push(dir);
  await run('git', ['clone', '--quiet', '--branch', branch, bare, dir]);
  return dir;
}

async function gitIn(dir: string, args: string[]): Promise<string> {
  return (await run('git', ['-C', dir, ...args])).stdout;
}

describe('git data API over a real bare repository', () => {
  test('blob → tree → commit → ref produces a commit git can clone, with dates and deletions honoured', async () => {
    const bare = await emulator.createRepo('acme/config', {
      'dev/api.yaml': 'image: ghcr.io/acme/api:1.0.0\n',
      'staging/api.yaml': 'image: ghcr.io/acme/api:0.9.0\n',
      'staging/old.yaml': 'kind: Old\n',
    });
    const { data: ref } = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
    const { data: base } = await octokit.rest.git.getCommit({ ...repo, commit_sha: ref.object.sha });
    const { data: blob } = await octokit.rest.git.createBlob({ ...repo, content: 'image: ghcr.io/acme/api:1.0.0\n' });
    const { data: tree } = await octokit.rest.git.createTree({
      ...repo,
      base_tree: base.tree.sha,
      tree: [
        { path: 'staging/api.yaml', mode: '100644', type: 'blob', sha: blob.sha },
        { path: 'staging/notes/README.md', mode: '100644', type: 'blob', content: 'promoted\n' },
        { path: 'staging/old.yaml', mode: '100644', type: 'blob', sha: null },
      ],
    });
    const date = '2024-03-01T12:34:56Z';
    const { data: commit } = await octokit.rest.git.createCommit({
      ...repo,
      message: 'Promote api to staging',
      tree: tree.sha,
      parents: [ref.object.sha],
      author: { name: 'Stagecoach', email: 'stagecoach@example.com', date },
    });
    expect(commit.author).toEqual({ name: 'Stagecoach', email: 'stagecoach@example.com', date });
    expect(commit.committer.date).toBe(date);
    const { data: updated } = await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: commit.sha });
    expect(updated.object.sha).toBe(commit.sha);

    const dir = await clone(bare, 'main');
    expect(await readFile(join(dir, 'staging/api.yaml'), 'utf8')).toBe('image: ghcr.io/acme/api:1.0.0\n');
    expect(await readFile(join(dir, 'staging/notes/README.md'), 'utf8')).toBe('promoted\n');
    expect((await gitIn(dir, ['ls-files'])).split('\n')).not.toContain('staging/old.yaml');
    expect((await gitIn(dir, ['log', '-1', '--format=%H|%an|%aI|%s'])).trim()).toBe(
      `${commit.sha}|Stagecoach|2024-03-01T12:34:56+00:00|Promote api to staging`,
    );
    expect((await gitIn(dir, ['rev-parse', 'HEAD^'])).trim()).toBe(ref.object.sha);
  });

  test('a ref update that is not a fast forward is refused unless forced', async () => {
    await emulator.createRepo('acme/config', { 'a.txt': 'a\n' });
    const start = (await emulator.branchSha('acme/config', 'main'))!;
    const other = await emulator.commit('acme/config', 'other', { 'b.txt': 'b\n' }, 'other');
    await emulator.commit('acme/config', 'main', { 'a.txt': 'a2\n' }, 'main moves');
    await expect(octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: other })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: 'Update is not a fast forward' } },
    });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: start, force: true });
    expect(await emulator.branchSha('acme/config', 'main')).toBe(start);
  });

  test('creating an existing ref is refused; refs with slashes work encoded (%2F) and raw', async () => {
    await emulator.createRepo('acme/config', { 'a.txt': 'a\n' });
    const main = (await emulator.branchSha('acme/config', 'main'))!;
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/stagecoach/staging', sha: main });
    await expect(
      octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/stagecoach/staging', sha: main }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: 'Reference already exists' } },
    });
    // Octokit encodes the slash inside {ref}
    const { data: viaOctokit } = await octokit.rest.git.getRef({ ...repo, ref: 'heads/stagecoach/staging' });
    expect(viaOctokit.ref).toBe('refs/heads/stagecoach/staging');
    expect(emulator.requests.at(-1)?.path).toBe('/repos/acme/config/git/ref/heads%2Fstagecoach%2Fstaging');
    const raw = await fetch(`${emulator.url}/repos/acme/config/git/ref/heads/stagecoach/staging`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { object: { sha: string } }).object.sha).toBe(main);

    const { data: matching } = await octokit.rest.git.listMatchingRefs({ ...repo, ref: 'heads/stagecoach' });
    expect(matching.map((r) => r.ref)).toEqual(['refs/heads/stagecoach/staging']);
    await octokit.rest.git.deleteRef({ ...repo, ref: 'heads/stagecoach/staging' });
    await expect(octokit.rest.git.getRef({ ...repo, ref: 'heads/stagecoach/staging' })).rejects.toMatchObject({
      status: 404,
    });
    await expect(octokit.rest.git.deleteRef({ ...repo, ref: 'heads/stagecoach/staging' })).rejects.toMatchObject({
      status: 422,
    });
    // a full ref name where GitHub wants `heads/…` is a classic mistake: GitHub answers as if the ref did not exist
    await expect(octokit.rest.git.getRef({ ...repo, ref: 'refs/heads/main' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.git.updateRef({ ...repo, ref: 'refs/heads/main', sha: main })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: 'Reference does not exist' } },
    });
  });

  test('trees, contents, blobs, history and compare read what git holds', async () => {
    await emulator.createRepo(
      'acme/config',
      { 'dev/api.yaml': 'v: 1\n', 'dev/web.yaml': 'v: 1\n', 'README.md': 'hi\n' },
      { date: '2024-01-01T00:00:00Z' },
    );
    const second = await emulator.commit('acme/config', 'main', { 'dev/api.yaml': 'v: 2\n' }, 'bump api', {
      date: '2024-01-02T00:00:00Z',
    });
    await emulator.commit('acme/config', 'main', { 'README.md': 'hello\n' }, 'docs', { date: '2024-01-03T00:00:00Z' });

    const { data: tree } = await octokit.rest.git.getTree({ ...repo, tree_sha: 'main', recursive: '1' });
    expect(tree.tree.map((e) => `${e.type} ${e.path}`)).toEqual([
      'blob README.md',
      'tree dev',
      'blob dev/api.yaml',
      'blob dev/web.yaml',
    ]);
    const { data: flat } = await octokit.rest.git.getTree({ ...repo, tree_sha: tree.sha });
    expect(flat.tree.map((e) => e.path)).toEqual(['README.md', 'dev']);

    const { data: file } = await octokit.rest.repos.getContent({ ...repo, path: 'dev/api.yaml', ref: 'main' });
    expect(
      Array.isArray(file) ? undefined : file.type === 'file' && Buffer.from(file.content, 'base64').toString(),
    ).toBe('v: 2\n');
    const { data: dir } = await octokit.rest.repos.getContent({ ...repo, path: 'dev' });
    expect(Array.isArray(dir) && dir.map((e) => `${e.type}:${e.path}`)).toEqual([
      'file:dev/api.yaml',
      'file:dev/web.yaml',
    ]);
    const raw = await octokit.rest.repos.getContent({ ...repo, path: 'dev/web.yaml', mediaType: { format: 'raw' } });
    expect(String(raw.data)).toBe('v: 1\n');
    await expect(octokit.rest.repos.getContent({ ...repo, path: 'dev/missing.yaml' })).rejects.toMatchObject({
      status: 404,
    });

    const blobSha = tree.tree.find((e) => e.path === 'dev/api.yaml')!.sha!;
    const { data: blob } = await octokit.rest.git.getBlob({ ...repo, file_sha: blobSha });
    expect(Buffer.from(blob.content, 'base64').toString()).toBe('v: 2\n');

    const { data: history } = await octokit.rest.repos.listCommits({
      ...repo,
      sha: 'main',
      path: 'dev/api.yaml',
      per_page: 10,
    });
    expect(history.map((c) => c.commit.message)).toEqual(['bump api', 'Initial commit']);
    expect(history[0].sha).toBe(second);
    expect(history[0].commit.committer?.date).toBe('2024-01-02T00:00:00Z');
    const paged = await octokit.paginate(octokit.rest.repos.listCommits, { ...repo, per_page: 1 });
    expect(paged).toHaveLength(3);

    const { data: compare } = await octokit.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${second}...main`,
    });
    expect(compare).toMatchObject({ status: 'ahead', ahead_by: 1, behind_by: 0, total_commits: 1 });
    expect(compare.files?.map((f) => `${f.status} ${f.filename} +${f.additions}-${f.deletions}`)).toEqual([
      'modified README.md +1-1',
    ]);
  });

  test('create-tree rejects what GitHub rejects: unknown blobs, bad paths, bad base trees', async () => {
    await emulator.createRepo('acme/config', { 'a.txt': 'a\n' });
    const missing = '1'.repeat(40);
    await expect(
      octokit.rest.git.createTree({ ...repo, tree: [{ path: 'x.txt', mode: '100644', type: 'blob', sha: missing }] }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: `tree.sha ${missing} is not a valid blob` } },
    });
    await expect(
      octokit.rest.git.createTree({
        ...repo,
        tree: [{ path: '../escape.txt', mode: '100644', type: 'blob', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.git.createTree({ ...repo, base_tree: missing, tree: [] })).rejects.toMatchObject({
      status: 422,
    });
  });

  test('contents follow a symlink only to a file inside the repository', async () => {
    await emulator.createRepo('acme/config', { 'dev/api.yaml': 'v: 1\n' });
    const main = (await emulator.branchSha('acme/config', 'main'))!;
    const { data: base } = await octokit.rest.git.getCommit({ ...repo, commit_sha: main });
    const { data: tree } = await octokit.rest.git.createTree({
      ...repo,
      base_tree: base.tree.sha,
      tree: [
        { path: 'staging/api.yaml', mode: '120000', type: 'blob', content: '../dev/api.yaml' },
        { path: 'staging/escape.yaml', mode: '120000', type: 'blob', content: '../../../etc/passwd' },
      ],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      ...repo,
      message: 'links',
      tree: tree.sha,
      parents: [main],
    });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: commit.sha });

    const { data: followed } = await octokit.rest.repos.getContent({ ...repo, path: 'staging/api.yaml' });
    expect(followed).toMatchObject({ type: 'file', path: 'dev/api.yaml' });
    const { data: escape } = await octokit.rest.repos.getContent({ ...repo, path: 'staging/escape.yaml' });
    expect(escape).toMatchObject({ type: 'symlink', target: '../../../etc/passwd' });
    expect(escape).not.toHaveProperty('content');
    await expect(octokit.rest.repos.getContent({ ...repo, path: 'staging/../dev/api.yaml' })).rejects.toMatchObject({
      status: 404,
    });
  });
});
