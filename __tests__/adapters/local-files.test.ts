import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import {
  checkRelativePath,
  FileNotFoundError,
  MissingFolderError,
  OutsideRepoError,
  WriteError,
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
    await expect(files.writeAll({ '../outside/secret.yaml': 'x' })).rejects.toThrow(OutsideRepoError);
    expect(() => checkRelativePath('envs\\dev')).toThrow(OutsideRepoError);
  });

  test('a symlink that leads out of the repo is neither listed, read nor written', async () => {
    const { root, outside } = makeRepo();
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'envs/dev/link.yaml'));
    symlinkSync(outside, path.join(root, 'envs/dev/linked-dir'));
    const files = createLocalFiles(root);
    expect(await files.list('envs/dev')).toEqual(['envs/dev/a.yaml', 'envs/dev/nested/b.yaml']);
    await expect(files.read('envs/dev/link.yaml')).rejects.toThrow(/symlink that leads out/);
    await expect(files.writeAll({ 'envs/dev/link.yaml': 'pwned' })).rejects.toThrow(/symlink that leads out/);
    await expect(files.read('envs/dev/linked-dir/secret.yaml')).rejects.toThrow(/symlink that leads out/);
    expect(readFileSync(path.join(outside, 'secret.yaml'), 'utf8')).toBe('token: hunter2\n');
  });

  test('symlinks inside the repo are neither listed, read nor written through; writes only replace existing files', async () => {
    const { root } = makeRepo();
    mkdirSync(path.join(root, 'common'));
    writeFileSync(path.join(root, 'common/shared.yaml'), 'shared: 1\n');
    symlinkSync(path.join(root, 'common/shared.yaml'), path.join(root, 'envs/dev/alias.yaml'));
    symlinkSync(path.join(root, 'envs/dev'), path.join(root, 'dev-link'));
    const files = createLocalFiles(root);
    expect(await files.list('envs/dev')).toEqual(['envs/dev/a.yaml', 'envs/dev/nested/b.yaml']);
    await expect(files.writeAll({ 'envs/dev/alias.yaml': 'shared: 2\n' })).rejects.toThrow(
      /it is a symlink; Stagecoach reads and writes regular files only/,
    );
    await expect(files.read('envs/dev/alias.yaml')).rejects.toThrow(OutsideRepoError);
    expect(readFileSync(path.join(root, 'common/shared.yaml'), 'utf8')).toBe('shared: 1\n');
    await expect(files.list('dev-link')).rejects.toThrow(/dev-link: it is a symlink/);
    await expect(files.read('dev-link/a.yaml')).rejects.toThrow(/the folder dev-link is a symlink/);
    await files.writeAll({ 'envs/dev/a.yaml': 'a: 2\n' });
    expect(readFileSync(path.join(root, 'envs/dev/a.yaml'), 'utf8')).toBe('a: 2\n');
    await expect(files.writeAll({ 'envs/dev/new.yaml': 'x' })).rejects.toThrow(FileNotFoundError);
  });

  test('a stage folder that does not exist is an error, not an empty stage', async () => {
    const { root } = makeRepo();
    writeFileSync(path.join(root, 'file.yaml'), 'x: 1\n');
    const files = createLocalFiles(root);
    await expect(files.list('envs/stagign')).rejects.toThrow(MissingFolderError);
    await expect(files.list('file.yaml')).rejects.toThrow(/envs\/stagign|file\.yaml: no such folder/);
  });
});

/** Real mounts (tmpfs, read-only bind mounts) need root; where they are refused, those tests are skipped. */
const canMount = (() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir]);
    return true;
  } catch {
    return false;
  }
})();
const withMounts = canMount ? test : test.skip;
const mounted: string[] = [];
const mount = (...args: string[]) => {
  execFileSync('mount', args);
  mounted.push(args[args.length - 1]);
};
afterEach(() => {
  for (const dir of mounted.splice(0).reverse()) execFileSync('umount', [dir]);
});

/** Five target files, one per folder, with their original texts. */
function fiveTargets(root: string): Record<string, string> {
  const originals: Record<string, string> = {};
  for (const index of [1, 2, 3, 4, 5]) {
    const file = `envs/s${index}/app.yaml`;
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(root, file), `image: app:1.0.${index}\n`);
    originals[file] = `image: app:1.0.${index}\n`;
  }
  return originals;
}

const promoted = (originals: Record<string, string>) =>
  Object.fromEntries(Object.keys(originals).map((file) => [file, originals[file].replace('1.0.', '2.0.')]));

function contents(root: string, files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((file) => [file, readFileSync(path.join(root, file), 'utf8')]));
}

/** Files Stagecoach left beside the targets (temporary files, kept originals): none after any write. */
function leftovers(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((name) => /stagecoach-(tmp|orig)/.test(name));
}

describe('writeAll: atomic and all or nothing', () => {
  test('every file is replaced, mode and owner kept; a hard link elsewhere is not written through', async () => {
    const { root } = makeRepo();
    chmodSync(path.join(root, 'envs/dev/a.yaml'), 0o751);
    mkdirSync(path.join(root, 'envs/prod'));
    linkSync(path.join(root, 'envs/dev/a.yaml'), path.join(root, 'envs/prod/a.yaml'));
    const files = createLocalFiles(root);
    await files.writeAll({ 'envs/dev/a.yaml': 'a: 2\n', 'envs/dev/nested/b.yaml': 'b: 3\n' });
    expect(contents(root, ['envs/dev/a.yaml', 'envs/dev/nested/b.yaml', 'envs/prod/a.yaml'])).toEqual({
      'envs/dev/a.yaml': 'a: 2\n',
      'envs/dev/nested/b.yaml': 'b: 3\n',
      'envs/prod/a.yaml': 'a: 1\n',
    });
    expect(statSync(path.join(root, 'envs/dev/a.yaml')).mode & 0o777).toBe(0o751);
    expect(leftovers(root)).toEqual([]);
  });

  test('a planned file swapped for a symlink after it was listed is refused; nothing is written out of the repo', async () => {
    const { root, outside } = makeRepo();
    const files = createLocalFiles(root);
    expect(await files.list('envs/dev')).toContain('envs/dev/a.yaml');
    const text = await files.read('envs/dev/a.yaml');
    rmSync(path.join(root, 'envs/dev/a.yaml'));
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'envs/dev/a.yaml'));
    await expect(
      files.writeAll({ 'envs/dev/nested/b.yaml': 'b: 3\n', 'envs/dev/a.yaml': text.replace('1', '2') }),
    ).rejects.toThrow(/envs\/dev\/a\.yaml: it is a symlink that leads out of the repository/);
    expect(readFileSync(path.join(outside, 'secret.yaml'), 'utf8')).toBe('token: hunter2\n');
    expect(readFileSync(path.join(root, 'envs/dev/nested/b.yaml'), 'utf8')).toBe('b: 2\n');
  });

  test('a file changed by someone else since it was read is not overwritten', async () => {
    const { root } = makeRepo();
    const files = createLocalFiles(root);
    await files.read('envs/dev/a.yaml');
    writeFileSync(path.join(root, 'envs/dev/a.yaml'), 'a: 1 # edited by hand meanwhile\n');
    await expect(files.writeAll({ 'envs/dev/a.yaml': 'a: 2\n' })).rejects.toThrow(
      /envs\/dev\/a\.yaml: cannot write it \(it changed since Stagecoach read it; run the promotion again\); no file was changed/,
    );
    expect(readFileSync(path.join(root, 'envs/dev/a.yaml'), 'utf8')).toBe('a: 1 # edited by hand meanwhile\n');
  });

  withMounts('a read-only 5th target: none of the 5 is written, and the error names it', async () => {
    const { root } = makeRepo();
    const originals = fiveTargets(root);
    const folder = path.join(root, 'envs/s5');
    mount('--bind', folder, folder);
    execFileSync('mount', ['-o', 'remount,ro,bind', folder]);
    const error = await createLocalFiles(root)
      .writeAll(promoted(originals))
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toMatch(
      /^envs\/s5\/app\.yaml: cannot write it \(it is on a read-only file system\); no file was changed; not written: envs\/s1\/app\.yaml, .*envs\/s5\/app\.yaml$/i,
    );
    expect(contents(root, Object.keys(originals))).toEqual(originals);
    expect(leftovers(root)).toEqual([]);
  });

  withMounts('a full disk: the target keeps its bytes (never truncated), and nothing else changed', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'stagecoach-full-'));
    mount('-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', root);
    const originals = fiveTargets(root);
    writeFileSync(path.join(root, 'filler'), Buffer.alloc(150 * 1024, 1));
    const files = createLocalFiles(root);
    for (const file of Object.keys(originals)) await files.read(file);
    const big = { ...promoted(originals), 'envs/s3/app.yaml': `image: app:2.0.3\n#${'x'.repeat(200 * 1024)}\n` };
    const error = await files.writeAll(big).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toMatch(/^envs\/s3\/app\.yaml: cannot write it \(ENOSPC.*\); no file was changed/);
    expect(contents(root, Object.keys(originals))).toEqual(originals);
    expect(leftovers(root)).toEqual([]);
  });

  withMounts('a rename that fails after others succeeded puts the renamed originals back', async () => {
    const { root } = makeRepo();
    const originals = fiveTargets(root);
    // A file mounted over the 5th target: its folder is writable, but rename(2) over a mount point fails (EBUSY).
    const cover = path.join(mkdtempSync(path.join(tmpdir(), 'stagecoach-cover-')), 'app.yaml');
    writeFileSync(cover, originals['envs/s5/app.yaml']);
    mount('--bind', cover, path.join(root, 'envs/s5/app.yaml'));
    const error = await createLocalFiles(root)
      .writeAll(promoted(originals))
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toMatch(/^envs\/s5\/app\.yaml: cannot write it \(EBUSY.*\); no file was changed/);
    expect(contents(root, Object.keys(originals))).toEqual(originals);
    expect(leftovers(root)).toEqual([]);
  });

  test('a process killed while writing leaves each file whole: the old text or the new, never a part', async () => {
    const { root } = makeRepo();
    const size = 16 * 1024 * 1024;
    const texts = ['a', 'b', 'c'].map((letter) => `${letter}: ${letter.repeat(size)}\n`);
    writeFileSync(path.join(root, 'envs/dev/a.yaml'), texts[0]);
    const script = [
      `import { createLocalFiles } from ${JSON.stringify(path.resolve('src/adapters/local-files.ts'))};`,
      `const files = createLocalFiles(${JSON.stringify(root)});`,
      `const texts = ${JSON.stringify(['b', 'c'])}.map((l) => l + ': ' + l.repeat(${size}) + '\\n');`,
      // Ready once the first write is done: every kill then lands in the middle of the writing loop.
      `await files.writeAll({ 'envs/dev/a.yaml': texts[1] });`,
      `process.stdout.write('ready\\n');`,
      `for (let i = 0; ; i += 1) await files.writeAll({ 'envs/dev/a.yaml': texts[i % 2] });`,
    ].join('\n');
    for (const delay of [30, 90, 170, 260]) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await sleep(delay);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const text = readFileSync(path.join(root, 'envs/dev/a.yaml'), 'utf8');
      expect(texts.includes(text)).toBe(true);
    }
  }, 120_000);
});
