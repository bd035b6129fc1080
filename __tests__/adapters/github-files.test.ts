// RepoFiles over the API at a commit, on the GitHub emulator: one tree read, texts in GraphQL batches of 100.
import { createGitHub } from '../../src/adapters/github/index.js';
import { BATCH_SIZE, createGitHubFiles } from '../../src/adapters/github-files.js';
import { MissingFolderError } from '../../src/adapters/repo-files.js';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';

let emulator: GitHubEmulator;
let github: ReturnType<typeof createGitHub>;

beforeAll(async () => {
  emulator = await startGitHubEmulator();
  github = createGitHub({
    token: emulator.token,
    baseUrl: emulator.url,
    graphqlUrl: emulator.graphqlUrl,
    retryAfterBaseMs: 1,
    writeSpacingMs: 0,
  });
});

// Each test reports its own contract violations (taken out of the shared log).
afterEach(() => expect(emulator.violations.splice(0)).toEqual([]));
afterAll(async () => emulator.stop());

describe('GitHub files', () => {
  it('lists a directory recursively and reads files in batches, following the listing order', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 250 }, (_, index) => [
        `stages/dev/app-${String(index).padStart(3, '0')}.yaml`,
        `n: ${index}\n`,
      ]),
    );
    await emulator.createRepo('acme/files', { ...files, 'stages/prod/app.yaml': 'prod\n', 'README.md': '# hi\n' });
    const sha = (await emulator.branchSha('acme/files', 'main')) as string;
    const repoFiles = createGitHubFiles(github, { owner: 'acme', repo: 'files' }, sha);
    emulator.resetLog();
    const listed = await repoFiles.list('stages/dev');
    expect(listed).toEqual(Object.keys(files).sort());
    await expect(repoFiles.list('stages/none')).rejects.toThrow(MissingFolderError);
    const texts: string[] = [];
    for (const file of listed) texts.push(await repoFiles.read(file));
    expect(texts).toEqual(Object.values(files));
    expect(await repoFiles.read('README.md')).toBe('# hi\n');
    const graphql = emulator.requests.filter((r) => r.path.endsWith('/graphql'));
    expect(graphql).toHaveLength(Math.ceil(250 / BATCH_SIZE) + 1);
    expect(emulator.requests.filter((r) => /git\/trees/.test(r.path))).toHaveLength(1);
  });

  it('refuses paths outside the repo, missing files and writes', async () => {
    await emulator.createRepo('acme/files2', { 'a/b.yaml': 'x\n' });
    const sha = (await emulator.branchSha('acme/files2', 'main')) as string;
    const repoFiles = createGitHubFiles(github, { owner: 'acme', repo: 'files2' }, sha);
    await expect(repoFiles.read('../etc/passwd')).rejects.toThrow(/climbs out/);
    await expect(repoFiles.read('/etc/passwd')).rejects.toThrow(/relative to the repository root/);
    await expect(repoFiles.read('a/missing.yaml')).rejects.toThrow(/a\/missing.yaml: no such file/);
    await expect(repoFiles.writeAll({ 'a/b.yaml': 'y' })).rejects.toThrow(/read-only/);
    expect(await repoFiles.read('./a/b.yaml')).toBe('x\n');
  });

  it("reports each file's git mode, executable or not", async () => {
    await emulator.createRepo('acme/files3', { 'a/plain.yaml': 'x\n', 'a/run.yaml': 'y\n' });
    const repo = { owner: 'acme', repo: 'files3' };
    const [owner, name] = ['acme', 'files3'];
    const { base } = await github.snapshot({ owner, repo: name }, undefined, 'none');
    const sha = await github.commitFiles(repo, {
      baseTree: base.tree,
      parent: base.head,
      files: { 'a/run.yaml': 'y\n' },
      executable: ['a/run.yaml'],
      message: 'chmod +x',
    });
    const repoFiles = createGitHubFiles(github, repo, sha);
    expect(await repoFiles.mode('a/plain.yaml')).toBe('100644');
    expect(await repoFiles.mode('a/run.yaml')).toBe('100755');
    expect(await repoFiles.list('a')).toEqual(['a/plain.yaml', 'a/run.yaml']);
    await expect(repoFiles.mode('a/missing.yaml')).rejects.toThrow(/no such file/);
  });
});
