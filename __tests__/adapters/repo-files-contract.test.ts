// One contract for the RepoFiles port (src/adapters/repo-files.ts), run against every implementation on the same tree:
// local files, a commit of the local repository (git filesAt) and a commit over the GitHub API (on the emulator).
import { getOctokit } from '@actions/github';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGit } from '../../src/adapters/git.js';
import { createGitHub } from '../../src/adapters/github/index.js';
import { createGitHubFiles } from '../../src/adapters/github-files.js';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import {
  FileNotFoundError,
  MissingFolderError,
  NotUtf8Error,
  OutsideRepoError,
  ReadOnlyFilesError,
  type RepoFiles,
} from '../../src/adapters/repo-files.js';
import { startGitHubEmulator, type GitHubEmulator } from '../support/github-emulator/index.js';

/** The regular files of the tree every implementation serves (bytes as stored). */
const FILES: Record<string, Buffer> = {
  'stagecoach.yaml': Buffer.from('stages: []\n'),
  'envs/dev/a.yaml': Buffer.from('a: 1\n'),
  'envs/dev/nested/b.yaml': Buffer.from('b: 2\n'),
  'envs/dev/run.sh': Buffer.from('#!/bin/sh\necho hi\n'),
  // A BOM and CRLF line ends are text, kept byte for byte.
  'envs/dev/bom.yaml': Buffer.from('\uFEFFc: 3\r\nd: "é ✓ 🚀"\r\n'),
  // A NUL byte is valid UTF-8: read as text like any other.
  'envs/dev/nul.txt': Buffer.from('x\0y\n'),
  // A Latin-1 é on line 3: not UTF-8.
  'envs/dev/latin1.yaml': Buffer.concat([Buffer.from('a: 1\nb: 2\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
  // Names that a glob, a shell or a line-based protocol would misread.
  'envs/dev/sp ace [x]*.yaml': Buffer.from('weird: 1\n'),
  'envs/dev/new\nline.yaml': Buffer.from('newline: 1\n'),
};
const EXECUTABLE = ['envs/dev/run.sh'];
/** Symlinks: inside the repo, out of it, and a folder link. */
const SYMLINKS: Record<string, string> = {
  'envs/dev/link.yaml': 'a.yaml',
  'envs/dev/out.yaml': '/etc/hostname',
  'envs/linked': 'dev',
};
const TEXT_FILES = Object.keys(FILES).filter((file) => file !== 'envs/dev/latin1.yaml');
const sorted = (files: string[]) => [...files].sort();

function writeTree(root: string): void {
  for (const [file, bytes] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), bytes);
  }
  for (const file of EXECUTABLE) chmodSync(path.join(root, file), 0o755);
  for (const [link, target] of Object.entries(SYMLINKS)) symlinkSync(target, path.join(root, link));
}

function localTree(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'stagecoach-contract-'));
  writeTree(root);
  return root;
}

function gitTree(): string {
  const root = localTree();
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'tree');
  return root;
}

let emulator: GitHubEmulator;

/** The same tree committed through GitHub's Git Data API: blobs as base64 bytes, modes and links in the tree. */
async function gitHubTree(): Promise<RepoFiles> {
  const name = `tree-${Math.random().toString(36).slice(2, 8)}`;
  await emulator.createRepo(`acme/${name}`, { 'README.md': '# contract\n' });
  const octokit = getOctokit(emulator.token, { baseUrl: emulator.url });
  const repo = { owner: 'acme', repo: name };
  const blob = async (bytes: Buffer) =>
    (await octokit.rest.git.createBlob({ ...repo, content: bytes.toString('base64'), encoding: 'base64' })).data.sha;
  const tree = [
    ...(await Promise.all(
      Object.entries(FILES).map(async ([file, bytes]) => ({
        path: file,
        mode: (EXECUTABLE.includes(file) ? '100755' : '100644') as '100755' | '100644',
        type: 'blob' as const,
        sha: await blob(bytes),
      })),
    )),
    ...(await Promise.all(
      Object.entries(SYMLINKS).map(async ([link, target]) => ({
        path: link,
        mode: '120000' as const,
        type: 'blob' as const,
        sha: await blob(Buffer.from(target)),
      })),
    )),
  ];
  const treeSha = (await octokit.rest.git.createTree({ ...repo, tree })).data.sha;
  const commit = (await octokit.rest.git.createCommit({ ...repo, message: 'tree', tree: treeSha, parents: [] })).data
    .sha;
  const github = createGitHub({
    token: emulator.token,
    baseUrl: emulator.url,
    graphqlUrl: emulator.graphqlUrl,
    retryAfterBaseMs: 1,
    writeSpacingMs: 0,
  });
  return createGitHubFiles(github, repo, commit);
}

beforeAll(async () => {
  emulator = await startGitHubEmulator();
});
afterEach(() => expect(emulator.violations.splice(0)).toEqual([]));
afterAll(async () => emulator.stop());

const implementations: [string, () => Promise<RepoFiles>, { writable: boolean }][] = [
  ['local files', async () => createLocalFiles(localTree()), { writable: true }],
  ['a commit of the local repository', async () => createGit(gitTree()).filesAt('HEAD'), { writable: false }],
  ['a commit over the GitHub API', gitHubTree, { writable: false }],
];

async function rejection(promise: Promise<unknown> | (() => Promise<unknown>)): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe.each(implementations)('RepoFiles contract: %s', (_name, make, { writable }) => {
  // One tree per implementation; the write test comes last since it changes it.
  let files: RepoFiles;
  beforeAll(async () => {
    files = await make();
  });

  test('list: every regular file under a folder, recursive and sorted; links are not files', async () => {
    const all = sorted(Object.keys(FILES));
    expect(await files.list('')).toEqual(all);
    expect(await files.list('.')).toEqual(await files.list(''));
    const dev = all.filter((file) => file.startsWith('envs/dev/'));
    expect(await files.list('envs/dev')).toEqual(dev);
    expect(await files.list('envs/dev/')).toEqual(dev);
    expect(await files.list('envs')).toEqual(dev);
  });

  test('read: the exact text of every file, whatever its name, BOM and line ends included', async () => {
    for (const file of TEXT_FILES) expect(await files.read(file)).toBe(FILES[file].toString('utf8'));
    expect((await files.read('envs/dev/bom.yaml')).charCodeAt(0)).toBe(0xfeff);
    expect(await files.read('./envs/dev/a.yaml')).toBe('a: 1\n');
  });

  test('mode: 100755 for an executable file, 100644 otherwise', async () => {
    expect(await files.mode('envs/dev/run.sh')).toBe('100755');
    expect(await files.mode('envs/dev/a.yaml')).toBe('100644');
  });

  test('a missing file is FileNotFoundError for read and mode', async () => {
    for (const call of [() => files.read('envs/dev/missing.yaml'), () => files.mode('envs/dev/missing.yaml')]) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(FileNotFoundError);
      expect(error).toMatchObject({ file: 'envs/dev/missing.yaml', isFolder: false });
      expect(error.message).toMatch(/^envs\/dev\/missing\.yaml: no such file/);
    }
    expect(await rejection(files.read('envs/nope/a.yaml'))).toBeInstanceOf(FileNotFoundError);
  });

  test('a folder given as a file is FileNotFoundError that says so', async () => {
    for (const call of [() => files.read('envs/dev'), () => files.mode('envs/dev/nested')]) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(FileNotFoundError);
      expect(error).toMatchObject({ isFolder: true });
      expect(error.message).toMatch(/a folder, not a file/);
    }
  });

  test('a missing folder, or a file given as a folder, is MissingFolderError', async () => {
    for (const folder of ['envs/stagign', 'envs/dev/a.yaml', 'nope/deeper']) {
      const error = await rejection(files.list(folder));
      expect(error).toBeInstanceOf(MissingFolderError);
      expect(error).toMatchObject({ folder });
    }
  });

  test('links() names the symlinks under a folder (never listed as files), so that a scan can report them', async () => {
    expect(await files.links('envs')).toEqual(sorted(Object.keys(SYMLINKS)));
    expect(await files.links('envs/dev')).toEqual(['envs/dev/link.yaml', 'envs/dev/out.yaml']);
    expect(await files.links('envs/prod')).toEqual([]);
    for (const link of Object.keys(SYMLINKS)) expect(await files.list('')).not.toContain(link);
  });

  test('no symlink is followed: a link to a file, out of the repo, or a folder on the way is OutsideRepoError', async () => {
    for (const call of [
      () => files.read('envs/dev/link.yaml'),
      () => files.read('envs/dev/out.yaml'),
      () => files.mode('envs/dev/link.yaml'),
      () => files.read('envs/linked/a.yaml'),
      () => files.mode('envs/linked/a.yaml'),
      () => files.list('envs/linked'),
      () => files.list('envs/linked/nested'),
    ])
      expect(await rejection(call)).toBeInstanceOf(OutsideRepoError);
  });

  test('.., absolute paths and backslashes are OutsideRepoError for every method', async () => {
    for (const call of [
      () => files.read('../outside.yaml'),
      () => files.read('envs/../../outside.yaml'),
      () => files.read('/etc/passwd'),
      () => files.read('envs\\dev\\a.yaml'),
      () => files.mode('../outside.yaml'),
      () => files.list('..'),
      () => files.list('envs/../..'),
    ])
      expect(await rejection(call)).toBeInstanceOf(OutsideRepoError);
  });

  test('bytes that are not UTF-8 are NotUtf8Error naming the line, never text with U+FFFD in it', async () => {
    const error = await rejection(files.read('envs/dev/latin1.yaml'));
    expect(error).toBeInstanceOf(NotUtf8Error);
    expect(error).toMatchObject({ file: 'envs/dev/latin1.yaml', line: 3 });
    expect(error.message).toMatch(/^envs\/dev\/latin1\.yaml:3: not UTF-8/);
  });

  test(
    writable ? 'writeAll replaces existing files' : 'writeAll on a read-only view is ReadOnlyFilesError',
    async () => {
      const call = () => files.writeAll({ 'envs/dev/a.yaml': 'a: 2\n', 'envs/dev/nested/b.yaml': 'b: 3\n' });
      if (!writable) {
        expect(await rejection(call)).toBeInstanceOf(ReadOnlyFilesError);
        expect(await files.read('envs/dev/a.yaml')).toBe('a: 1\n');
        return;
      }
      await call();
      expect(await files.read('envs/dev/a.yaml')).toBe('a: 2\n');
      expect(await files.read('envs/dev/nested/b.yaml')).toBe('b: 3\n');
      expect(await rejection(() => files.writeAll({ 'envs/dev/new.yaml': 'x\n' }))).toBeInstanceOf(FileNotFoundError);
      expect(await rejection(() => files.writeAll({ 'envs/dev/link.yaml': 'x\n' }))).toBeInstanceOf(OutsideRepoError);
      expect(await rejection(() => files.writeAll({ '../outside.yaml': 'x\n' }))).toBeInstanceOf(OutsideRepoError);
    },
  );
});

test('the local tree and the git commit of it serve the same files (the fixture itself is sound)', async () => {
  const root = gitTree();
  expect(readFileSync(path.join(root, 'envs/dev/latin1.yaml'))).toEqual(FILES['envs/dev/latin1.yaml']);
  expect(await createGit(root).filesAt('HEAD').list('')).toEqual(await createLocalFiles(root).list(''));
});
