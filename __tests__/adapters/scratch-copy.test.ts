import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { createScratchCopy } from '../../src/adapters/scratch-copy.js';
import { exampleRepo } from '../support/example-repo.js';

const API = 'envs/staging/api-deployment.yaml';

describe('scratch copy for command gates', () => {
  test('holds the working tree as it is (uncommitted, untracked, links, modes) without .git, plus the promoted files', async () => {
    const repo = exampleRepo();
    writeFileSync(path.join(repo, 'untracked.txt'), 'not committed\n');
    mkdirSync(path.join(repo, 'bin'));
    writeFileSync(path.join(repo, 'bin/check.sh'), '#!/bin/sh\n');
    chmodSync(path.join(repo, 'bin/check.sh'), 0o755);
    symlinkSync('../envs/staging', path.join(repo, 'bin/staging'));
    const promoted = readFileSync(path.join(repo, API), 'utf8').replaceAll('1.4.0', '1.5.0');
    const scratch = await createScratchCopy(repo, { [API]: promoted }, '{"to":"staging"}');
    try {
      expect(path.basename(scratch.dir)).toBe(path.basename(repo));
      expect(existsSync(path.join(scratch.dir, '.git'))).toBe(false);
      expect(readFileSync(path.join(scratch.dir, 'untracked.txt'), 'utf8')).toBe('not committed\n');
      expect(statSync(path.join(scratch.dir, 'bin/check.sh')).mode & 0o777).toBe(0o755);
      expect(readlinkSync(path.join(scratch.dir, 'bin/staging'))).toBe('../envs/staging');
      expect(readFileSync(path.join(scratch.dir, API), 'utf8')).toBe(promoted);
      expect(readFileSync(scratch.planFile, 'utf8')).toBe('{"to":"staging"}');
      expect(scratch.planFile.startsWith(scratch.dir)).toBe(false);
      expect(readFileSync(path.join(repo, API), 'utf8')).not.toBe(promoted);
      expect(scratch.changes()).toEqual({ added: [], deleted: [], changed: [] });
      writeFileSync(path.join(scratch.dir, 'rendered.yaml'), 'x\n');
      rmSync(path.join(scratch.dir, 'envs/production'), { recursive: true });
      writeFileSync(path.join(scratch.dir, API), `${promoted}# formatted\n`);
      const changes = scratch.changes();
      expect(changes.added).toEqual(['rendered.yaml']);
      expect(changes.changed).toEqual([API]);
      expect(changes.deleted.length).toBeGreaterThan(3);
      expect(changes.deleted.every((file) => file.startsWith('envs/production/'))).toBe(true);
      expect(scratch.changes()).toEqual({ added: [], deleted: [], changed: [] });
    } finally {
      scratch.remove();
    }
    expect(existsSync(scratch.dir)).toBe(false);
    expect(existsSync(path.dirname(scratch.planFile))).toBe(false);
    expect(lstatSync(path.join(repo, 'envs/production')).isDirectory()).toBe(true);
  });

  test('a promoted file that cannot be written in the copy fails before any command runs', async () => {
    const repo = exampleRepo();
    await expect(createScratchCopy(repo, { 'envs/staging/missing.yaml': 'x' }, '{}')).rejects.toThrow(
      /Cannot prepare the scratch copy the command gates run in: envs\/staging\/missing\.yaml: no such file/,
    );
  });
});
