// A directory-level golden test, as Flux's testdata/*/original|expected: promote dev → staging on the example config repo
// and compare the whole tree with the expected one, byte for byte (every other stage and file untouched).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { EXAMPLE, exampleRepo } from '../support/example-repo.js';

const EXPECTED = path.resolve('__tests__/fixtures/promotion/dev-to-staging/expected');

function tree(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.name !== '.git')
    .flatMap((entry) => {
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      return entry.isDirectory() ? tree(root, relative) : [relative];
    })
    .sort();
}

test('promote dev → staging on the example repo gives the expected tree, byte for byte', async () => {
  const repo = exampleRepo();
  const out: string[] = [];
  const code = await runCli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo], {
    cwd: repo,
    stdout: (text) => out.push(text),
    stderr: (text) => out.push(text),
  });
  expect(code).toBe(0);
  const files = tree(repo);
  expect(files).toEqual(tree(EXAMPLE));
  const staging = files.filter((file) => file.startsWith('envs/staging/'));
  expect(staging).toEqual(tree(EXPECTED));
  for (const file of files) {
    const expected = file.startsWith('envs/staging/') ? path.join(EXPECTED, file) : path.join(EXAMPLE, file);
    expect({ file, bytes: readFileSync(path.join(repo, file)).toString('base64') }).toEqual({
      file,
      bytes: readFileSync(expected).toString('base64'),
    });
  }
});
