// Nothing vanishes without a word: problems in the source stage are reported, every file that was not read is listed by
// plan, status and --json, and an image the target holds in an unread file is "not read", never "not in <stage>".
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { exampleRepo, git } from '../support/example-repo.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { cwd: process.cwd(), stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The example repo with a bad source tag, a new image whose staging file has tabs, a symlink and a Latin-1 file. */
function troubledRepo(): string {
  const repo = exampleRepo();
  const write = (file: string, text: string | Buffer) => writeFileSync(path.join(repo, file), text);
  write(
    'envs/dev/bad-tag.yaml',
    'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - image: "ghcr.io/acme/x:bad tag"\n',
  );
  write('envs/dev/newsvc.yaml', 'image: ghcr.io/acme/newsvc:1.0\n');
  write('envs/staging/newsvc.yaml', 'image: ghcr.io/acme/newsvc:0.9\n\tx: 1\n');
  write('envs/staging/latin.yaml', Buffer.from('image: caf\xe9:1\n', 'latin1'));
  symlinkSync('../dev/newsvc.yaml', path.join(repo, 'envs/staging/link.yaml'));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'trouble');
  return repo;
}

const UNREAD = [
  'envs/staging/latin.yaml:1: not UTF-8',
  'envs/staging/link.yaml:1: a symlink',
  'envs/staging/newsvc.yaml:2: not valid YAML: Tabs',
];

test('plan reports the source stage’s bad tag, lists every unread file and says "not read" for an unread target', async () => {
  const repo = troubledRepo();
  const text = await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo]);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain('envs/dev/bad-tag.yaml:6:16: "ghcr.io/acme/x:bad tag" is not an image reference');
  for (const line of UNREAD) expect(text.stdout).toContain(line);
  expect(text.stdout).toContain('ghcr.io/acme/newsvc 1.0: not read in staging: envs/staging/newsvc.yaml:2 was skipped');
  expect(text.stdout).not.toContain('not in staging');

  const json = JSON.parse((await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo, '--json'])).stdout);
  expect(json.warnings.map((w: { file: string }) => w.file)).toContain('envs/dev/bad-tag.yaml');
  expect(json.skipped.map((s: { file: string }) => s.file)).toEqual(
    expect.arrayContaining(['envs/staging/latin.yaml', 'envs/staging/link.yaml', 'envs/staging/newsvc.yaml']),
  );
  expect(json.notPromoted).toEqual([
    expect.objectContaining({ image: 'ghcr.io/acme/newsvc', reason: expect.stringMatching(/^not read in staging/) }),
  ]);
});

test('an image missing from a stage that has unread files elsewhere is not said to be "not in" it', async () => {
  const repo = exampleRepo();
  writeFileSync(path.join(repo, 'envs/dev/other.yaml'), 'image: ghcr.io/acme/other:1.0\n');
  writeFileSync(path.join(repo, 'envs/staging/broken.yaml'), 'image: [unclosed\n');
  const { stdout } = await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo]);
  expect(stdout).toContain(
    'ghcr.io/acme/other 1.0: not found in the files of staging Stagecoach read; 1 of its files was not read (envs/staging/broken.yaml:2)',
  );
});

test('status lists unread files and warnings, in text and in --json', async () => {
  const repo = troubledRepo();
  const text = await cli(['status', '--repo', repo]);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain('Skipped (not read):');
  for (const line of UNREAD) expect(text.stdout).toContain(line);
  expect(text.stdout).toContain('envs/dev/bad-tag.yaml:6: "ghcr.io/acme/x:bad tag" is not an image reference');
  const json = JSON.parse((await cli(['status', '--repo', repo, '--json'])).stdout);
  expect(json.skipped.map((s: { file: string }) => s.file)).toEqual(
    expect.arrayContaining(['envs/staging/latin.yaml', 'envs/staging/link.yaml', 'envs/staging/newsvc.yaml']),
  );
  expect(json.warnings).toEqual([expect.objectContaining({ file: 'envs/dev/bad-tag.yaml', line: 6 })]);
});

test('plan, status, promote and verify are bounded on an alias bomb: the file is skipped with its line', async () => {
  const repo = exampleRepo();
  const lines = ['a0: &a0 {image: "nginx:1.0"}'];
  for (let i = 1; i <= 12; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  git(repo, 'checkout', '-qb', 'bomb');
  writeFileSync(path.join(repo, 'envs/staging/bomb.yaml'), `${lines.join('\n')}\nimage: ghcr.io/acme/api:1.4.0\n`);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'bomb');
  const skipped = /envs\/staging\/bomb\.yaml:\d+: its aliases expand to more than 100,000 nodes/;
  for (const args of [
    ['plan', '--from', 'dev', '--to', 'staging'],
    ['status'],
    ['promote', '--from', 'dev', '--to', 'staging', '--dry-run'],
  ]) {
    const run = await cli([...args, '--repo', repo]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(skipped);
  }
  const verify = await cli(['verify', '--base', 'main', '--repo', repo]);
  expect(verify.code).toBe(1); // fails closed: a changed file it cannot read
  expect(`${verify.stdout}\n${verify.stderr}`).toMatch(/envs\/staging\/bomb\.yaml/);
}, 60_000);
