import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { exampleRepo, git } from '../support/example-repo.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    cwd: process.cwd(),
    env: {},
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('CLI: --image as the source, and verify', () => {
  test('--image REPO:TAG sets that version wherever the image appears in the target stage', async () => {
    const repo = exampleRepo();
    const result = await cli([
      'promote',
      '--image',
      'ghcr.io/acme/api:1.6.0',
      '--image',
      'ghcr.io/acme/unused:9',
      '--to',
      'dev',
      '--repo',
      repo,
      '--json',
    ]);
    expect(result.stderr).toBe('');
    const plan = JSON.parse(result.stdout);
    expect(plan.from).toBe('images');
    expect(plan.changes.map((c: { image: string; new: string }) => `${c.image}:${c.new}`)).toEqual([
      'ghcr.io/acme/api:1.6.0',
    ]);
    expect(plan.notPromoted).toEqual([
      expect.objectContaining({ image: 'ghcr.io/acme/unused', reason: expect.stringMatching(/not in dev/) }),
    ]);
    expect(readFileSync(path.join(repo, 'envs/dev/api-deployment.yaml'), 'utf8')).toContain(
      'image: ghcr.io/acme/api:1.6.0 # {"$imagepolicy": "flux-system:api"}',
    );
  });

  test('--image and --from exclude each other; a bare repository without a policy is explained', async () => {
    const repo = exampleRepo();
    const both = await cli([
      'plan',
      '--from',
      'dev',
      '--image',
      'ghcr.io/acme/api:1',
      '--to',
      'staging',
      '--repo',
      repo,
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--from and --image exclude each other/);
    const bare = await cli(['plan', '--image', 'ghcr.io/acme/api', '--to', 'dev', '--repo', repo]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(
      /ghcr\.io\/acme\/api: name a tag .* or give the image a tag policy under images: in stagecoach\.yaml/,
    );
  });

  test('verify passes a promotion that went through the pipeline and fails one that skips a stage', async () => {
    const repo = exampleRepo();
    git(repo, 'switch', '-q', '-c', 'good');
    expect((await cli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo, '--commit'])).code).toBe(0);
    const good = await cli(['verify', '--base', 'main', '--head', 'HEAD', '--repo', repo]);
    expect(good.stdout).toContain('verify: 6 versions set in staging; 0 with problems.');
    expect(good.code).toBe(0);

    git(repo, 'switch', '-q', 'main');
    git(repo, 'switch', '-q', '-c', 'skip');
    expect(
      (
        await cli([
          'promote',
          '--from',
          'dev',
          '--to',
          'production',
          '--repo',
          repo,
          '--stage',
          'dev=envs/dev',
          '--stage',
          'production=envs/production',
          '--allow-downgrade',
        ])
      ).code,
    ).toBe(0);
    git(repo, 'commit', '-qam', 'dev straight to production');
    const skip = await cli(['verify', '--base', 'main', '--to', 'production', '--repo', repo]);
    expect(skip.code).toBe(1);
    expect(skip.stdout).toMatch(
      /FAIL {2}envs\/production\/api-deployment\.yaml:23 {2}ghcr\.io\/acme\/api 1\.3\.2 → 1\.5\.0\n\s+staging runs 1\.4\.0, not 1\.5\.0: promote it to staging first/,
    );
    const json = JSON.parse(
      (await cli(['verify', '--base', 'main', '--to', 'production', '--repo', repo, '--json'])).stdout,
    );
    expect(json.passed).toBe(false);
  });

  test('verify needs --base', async () => {
    const result = await cli(['verify', '--repo', '.']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/verify needs --base REV/);
  });
});
