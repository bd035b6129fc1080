import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import {
  checkRelativePath,
  FileNotFoundError,
  MissingFolderError,
  OutsideRepoError,
} from '../../src/adapters/repo-files.js';

function makeRepo(): { root: string; outside: string } {
  const base = mkdtempSync(path.join(tmpdir(), 'stagecoach-files-'));
  const root = path.join(base, 'repo');
  const outside = path.join(base, 'outside');
  mkdirSync(path.join(root, 'envs/dev/nested'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(root, 'envs/dev/a.yaml'), 'a: 1\n');
  writeFileSync(path.join(root, 'envs/dev/nested/b.yaml'), 'b: 2\n');
  writeFileSync(path.join(outside, 'secret.yaml'), 'token: hunter2\n');
  return { root, outside };
}

describe('local files', () => {
  test('lists files recursively, sorted, repo-relative with / separators', async () => {
    const { root } = makeRepo();
    const files = createLocalFiles(root);
    expect(await files.list('envs/dev')).toEqual(['envs/dev/a.yaml', 'envs/dev/nested/b.yaml']);
    expect(await files.read('envs/dev/a.yaml')).toBe('a: 1\n');
  });

  test('rejects absolute paths and .. before touching the disk', async () => {
    const { root } = makeRepo();
    const files = createLocalFiles(root);
    await expect(files.read('../outside/secret.yaml')).rejects.toThrow(OutsideRepoError);
    await expect(files.read('envs/../../outside/secret.yaml')).rejects.toThrow(/climbs out/);
    await expect(files.read('/etc/passwd')).rejects.toThrow(/relative to the repository root/);
    await expect(files.list('..')).rejects.toThrow(OutsideRepoError);
    await expect(files.write('../outside/secret.yaml', 'x')).rejects.toThrow(OutsideRepoError);
    expect(() => checkRelativePath('envs\\dev')).toThrow(OutsideRepoError);
  });

  test('a symlink that leads out of the repo is neither listed, read nor written', async () => {
    const { root, outside } = makeRepo();
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'envs/dev/link.yaml'));
    symlinkSync(outside, path.join(root, 'envs/dev/linked-dir'));
    const files = createLocalFiles(root);
    expect(await files.list('envs/dev')).toEqual(['envs/dev/a.yaml', 'envs/dev/nested/b.yaml']);
    await expect(files.read('envs/dev/link.yaml')).rejects.toThrow(/symlink that leads out/);
    await expect(files.write('envs/dev/link.yaml', 'pwned')).rejects.toThrow(/symlink that leads out/);
    await expect(files.read('envs/dev/linked-dir/secret.yaml')).rejects.toThrow(/symlink that leads out/);
    expect(readFileSync(path.join(outside, 'secret.yaml'), 'utf8')).toBe('token: hunter2\n');
  });

  test('symlinks inside the repo are not listed and never written through; writes only replace existing files', async () => {
    const { root } = makeRepo();
    mkdirSync(path.join(root, 'common'));
    writeFileSync(path.join(root, 'common/shared.yaml'), 'shared: 1\n');
    symlinkSync(path.join(root, 'common/shared.yaml'), path.join(root, 'envs/dev/alias.yaml'));
    symlinkSync(path.join(root, 'envs/dev'), path.join(root, 'dev-link'));
    const files = createLocalFiles(root);
    expect(await files.list('envs/dev')).toEqual(['envs/dev/a.yaml', 'envs/dev/nested/b.yaml']);
    await expect(files.write('envs/dev/alias.yaml', 'shared: 2\n')).rejects.toThrow(
      /it is a symlink; Stagecoach writes regular files only/,
    );
    expect(readFileSync(path.join(root, 'common/shared.yaml'), 'utf8')).toBe('shared: 1\n');
    await expect(files.list('dev-link')).rejects.toThrow(/reached through a symlink/);
    await files.write('envs/dev/a.yaml', 'a: 2\n');
    expect(readFileSync(path.join(root, 'envs/dev/a.yaml'), 'utf8')).toBe('a: 2\n');
    await expect(files.write('envs/dev/new.yaml', 'x')).rejects.toThrow(FileNotFoundError);
  });

  test('a stage folder that does not exist is an error, not an empty stage', async () => {
    const { root } = makeRepo();
    writeFileSync(path.join(root, 'file.yaml'), 'x: 1\n');
    const files = createLocalFiles(root);
    await expect(files.list('envs/stagign')).rejects.toThrow(MissingFolderError);
    await expect(files.list('file.yaml')).rejects.toThrow(/envs\/stagign|file\.yaml: no such folder/);
  });
});
