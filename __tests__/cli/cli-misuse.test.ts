// Misuse and hostile names at the CLI: a clear line and the right exit code, never a stack or a raw control character.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { exampleRepo } from '../support/example-repo.js';
import { deploymentYaml } from '../support/manifests.js';

async function cli(args: string[], cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { cwd, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Two stages whose one file has a hostile name: an ESC sequence that would clear the screen, and a newline. */
function hostileRepo(): { repo: string; name: string } {
  const repo = mkdtempSync(path.join(tmpdir(), 'stagecoach-hostile-'));
  const name = 'evil\u001b[2J\nname\u202e.yaml';
  for (const [stage, version] of [
    ['dev', '1.1.0'],
    ['staging', '1.0.0'],
  ]) {
    mkdirSync(path.join(repo, 'envs', stage), { recursive: true });
    writeFileSync(path.join(repo, 'envs', stage, name), deploymentYaml(`ghcr.io/acme/api:${version}`));
  }
  return { repo, name };
}

describe('CLI misuse', () => {
  test('verify --base names the revision that does not exist, not the config', async () => {
    const repo = exampleRepo();
    const result = await cli(['verify', '--base', 'nope', '--repo', repo]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^stagecoach: nope: no such branch or commit/);
    expect(result.stderr).not.toMatch(/stagecoach\.yaml|at \w+ \(/);
  });

  const ORDER = '(dev → staging → production)';
  const BACK = ': promotions go from a stage to the next; pass --skip-stages (input skip-stages) for a rollback';
  test.each([
    [
      'dev',
      'production',
      `skips staging ${ORDER}: promote dev → staging first, or pass --skip-stages (input skip-stages) to go over it`,
    ],
    ['production', 'staging', `goes back up the pipeline ${ORDER}${BACK}`],
    ['staging', 'dev', `goes back up the pipeline ${ORDER}${BACK}`],
  ])('promote --from %s --to %s is a usage error naming the stages; nothing is written', async (from, to, why) => {
    const repo = exampleRepo();
    const result = await cli(['promote', '--from', from, '--to', to, '--repo', repo]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`stagecoach: promote from ${from} to ${to} ${why}`);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
  });

  test('promote --skip-stages goes over a stage', async () => {
    const repo = exampleRepo();
    const result = await cli([
      'promote',
      '--from',
      'dev',
      '--to',
      'production',
      '--skip-stages',
      '--allow-downgrade',
      '--repo',
      repo,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Wrote \d+ file/);
  });

  test('--skip-stages goes with promote', async () => {
    const result = await cli(['plan', '--from', 'dev', '--to', 'production', '--skip-stages']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--skip-stages goes with promote');
  });

  test('verify outside a git repository says so in one line', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'stagecoach-nogit-'));
    const result = await cli(['verify', '--base', 'main', '--repo', folder]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'stagecoach: verify reads git history: run it in a git checkout of the config repository (with its commits)',
    );
  });

  test('control characters in file names are shown escaped in the plan table, the JSON stays exact', async () => {
    const { repo, name } = hostileRepo();
    const stages = ['--stage', 'dev=envs/dev', '--stage', 'staging=envs/staging'];
    const text = await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo, ...stages]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain('\u001b');
    expect(text.stdout).not.toContain('\u202e');
    expect(text.stdout).toContain('envs/staging/evil\\e[2J\\nname\\u202e.yaml:10');
    // One table row per change: the newline in the name did not split it.
    expect(text.stdout.split('\n').filter((line) => line.includes('ghcr.io/acme/api'))).toHaveLength(1);
    const json = await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo, ...stages, '--json']);
    expect(JSON.parse(json.stdout).changes[0].file).toBe(`envs/staging/${name}`);
  });

  test('an error message quoting a hostile path keeps its lines but no escape sequence', async () => {
    const { repo } = hostileRepo();
    const result = await cli([
      'status',
      '--repo',
      repo,
      '--stage',
      'dev=envs/\u001b[2Jdev',
      '--stage',
      'x=\u001b]0;t\u0007',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).not.toContain('\u0007');
    expect(result.stderr).toContain('envs/\\u001b[2Jdev');
  });
});
