// Behind vs drift for unordered tags (commit SHAs): a version the upstream stage held earlier in its first-parent git
// history is behind (a promotion is pending); one it never held is drift. A real git repository in a temp folder.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGit } from '../../src/adapters/git.js';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { parseConfig } from '../../src/core/config/index.js';
import { readStatus } from '../../src/engine/status.js';
import { git } from '../support/example-repo.js';

const deployment = (tag: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:${tag}\n`;

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

test('a SHA the upstream held before is behind; one it never held is drift', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-status-history-'));
  git(dir, 'init', '-q', '-b', 'main');
  write(
    dir,
    'stagecoach.yaml',
    'stages:\n  - { name: dev, path: envs/dev }\n  - { name: staging, path: envs/staging }\n  - { name: prod, path: envs/prod }\n',
  );
  write(dir, 'envs/dev/api.yaml', deployment('3f9c2a1'));
  write(dir, 'envs/staging/api.yaml', deployment('3f9c2a1'));
  write(dir, 'envs/prod/api.yaml', deployment('0badc0d'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'first');
  write(dir, 'envs/dev/api.yaml', deployment('b52aafd'));
  git(dir, 'commit', '-q', '-am', 'dev moves on');
  const pipeline = parseConfig(
    'stages:\n  - { name: dev, path: envs/dev }\n  - { name: staging, path: envs/staging }\n  - { name: prod, path: envs/prod }\n',
    'stagecoach.yaml',
  );
  const files = createLocalFiles(dir);
  const blind = await readStatus(files, pipeline);
  expect(Object.values(blind.rows[0].cells).map((cell) => cell.state)).toEqual(['first', 'drift', 'drift']);

  const head = git(dir, 'rev-parse', 'HEAD');
  const board = await readStatus(files, pipeline, { git: createGit(dir), revision: head });
  // staging's 3f9c2a1 is what dev held before b52aafd: behind. prod's 0badc0d never stood in staging: drift.
  expect(Object.values(board.rows[0].cells).map((cell) => cell.state)).toEqual(['first', 'behind', 'drift']);
  expect({ drift: board.drift, behind: board.behind }).toEqual({ drift: 1, behind: 1 });
});
