import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { EXAMPLE, exampleRepo, git } from '../support/example-repo.js';

async function cli(args: string[], cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { cwd, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('stagecoach CLI on the example config repo', () => {
  test('plan dev → staging lists every behind reference in every format, and changes nothing', async () => {
    const repo = exampleRepo();
    const result = await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(
      plan.changes.map(
        (c: { file: string; image: string; old: string; new: string }) => `${c.file} ${c.image} ${c.old}→${c.new}`,
      ),
    ).toEqual([
      'envs/staging/api-deployment.yaml ghcr.io/acme/api-migrate 1.4.0→1.5.0',
      'envs/staging/api-deployment.yaml ghcr.io/acme/api 1.4.0→1.5.0',
      'envs/staging/argocd/shop-app.yaml ghcr.io/acme/shop 3.0.0→3.0.1',
      'envs/staging/values/payments.yaml registry.acme.example:5000/acme/payments 1020→1021',
      'envs/staging/versions/billing.yaml ghcr.io/acme/billing v748→v749',
      'envs/staging/web-helmrelease.yaml ghcr.io/acme/web 2.1.0→2.2.0',
    ]);
    expect(plan.skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'envs/staging/chart/templates/deployment.yaml', line: expect.any(Number) }),
      ]),
    );
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('the text plan names file:line and workload', async () => {
    const result = await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', EXAMPLE]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Plan dev → staging: 6 changes in 5 files.');
    expect(result.stdout).toMatch(
      /ghcr\.io\/acme\/api\s+1\.4\.0\s+1\.5\.0\s+envs\/staging\/api-deployment\.yaml:\d+ \(Deployment\/api api\)/,
    );
  });

  test('plan --exit-code exits 3 when something is pending and 0 when caught up', async () => {
    expect((await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', EXAMPLE, '--exit-code'])).code).toBe(3);
    const repo = exampleRepo();
    expect((await cli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo])).code).toBe(0);
    expect((await cli(['plan', '--from', 'dev', '--to', 'staging', '--repo', repo, '--exit-code'])).code).toBe(0);
  });

  test('promote rewrites only the changed bytes, keeps markers and quotes, and a second promote changes nothing', async () => {
    const repo = exampleRepo();
    const before = readFileSync(path.join(repo, 'envs/staging/api-deployment.yaml'), 'utf8');
    const result = await cli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo]);
    expect(result.code).toBe(0);
    const after = readFileSync(path.join(repo, 'envs/staging/api-deployment.yaml'), 'utf8');
    expect(after).toBe(before.replaceAll('1.4.0', '1.5.0'));
    expect(after).toContain('image: ghcr.io/acme/api:1.5.0 # {"$imagepolicy": "flux-system:api"}');
    expect(readFileSync(path.join(repo, 'envs/staging/values/payments.yaml'), 'utf8')).toContain(
      "tag: '1021'   # CI build number: keep it quoted",
    );
    const diff = git(repo, 'diff', '--numstat');
    expect(diff.split('\n')).toHaveLength(5);
    for (const line of diff.split('\n')) expect(line).toMatch(/^(1\t1|2\t2)\t/);
    const second = await cli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo]);
    expect(second.stdout).toContain('nothing to promote');
    expect(git(repo, 'diff', '--numstat')).toBe(diff);
  });

  test('promote --commit commits on a new branch with a message listing the changes', async () => {
    const repo = exampleRepo();
    const result = await cli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo, '--commit']);
    expect(result.code).toBe(0);
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('stagecoach/dev-to-staging');
    const message = git(repo, 'log', '-1', '--format=%B');
    expect(message).toMatch(/^promote\(staging\): /);
    expect(message).toContain('Stagecoach-From: dev');
    expect(message).toContain('Stagecoach-To: staging');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'diff', '--name-only', 'main', 'HEAD').split('\n')).toHaveLength(5);
    // The branch exists now: a second --commit run fails before writing anything.
    git(repo, 'switch', '-q', 'main');
    const again = await cli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo, '--commit']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('a downgrade is refused without --allow-downgrade, and nothing is written', async () => {
    const repo = exampleRepo();
    const refused = await cli(['promote', '--from', 'staging', '--to', 'production', '--repo', repo]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /Refusing 1 downgrade.*\n.*report-cronjob\.yaml:\d+ ghcr\.io\/acme\/report 1\.1\.1-hotfix\.1 → 1\.1\.0/,
    );
    expect(git(repo, 'status', '--porcelain')).toBe('');
    const allowed = await cli([
      'promote',
      '--from',
      'staging',
      '--to',
      'production',
      '--repo',
      repo,
      '--allow-downgrade',
    ]);
    expect(allowed.code).toBe(0);
    expect(readFileSync(path.join(repo, 'envs/production/report-cronjob.yaml'), 'utf8')).toContain(
      'image: "ghcr.io/acme/report:1.1.0"',
    );
  });

  test('--only limits the promotion', async () => {
    const repo = exampleRepo();
    const result = await cli([
      'promote',
      '--from',
      'dev',
      '--to',
      'staging',
      '--repo',
      repo,
      '--only',
      'web',
      '--json',
    ]);
    expect(JSON.parse(result.stdout).changes.map((c: { image: string }) => c.image)).toEqual(['ghcr.io/acme/web']);
    expect(git(repo, 'diff', '--name-only')).toBe('envs/staging/web-helmrelease.yaml');
  });

  test('status shows every image in every stage, with behind and drift marked', async () => {
    const result = await cli(['status', '--repo', EXAMPLE]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/IMAGE\s+DEV\s+STAGING\s+PRODUCTION/);
    expect(result.stdout).toMatch(/ghcr\.io\/acme\/report\s+1\.1\.0\s+1\.1\.0\s+1\.1\.1-hotfix\.1 \(drift!\)/);
    expect(result.stdout).toMatch(/ghcr\.io\/acme\/api\s+1\.5\.0\s+1\.4\.0 \(behind\)\s+1\.3\.2 \(behind\)/);
    const board = JSON.parse((await cli(['status', '--repo', EXAMPLE, '--json'])).stdout);
    expect(board.stages).toEqual(['dev', 'staging', 'production']);
    expect(board.drift).toBe(1);
  });

  test('stages from --stage flags, without a config file', async () => {
    const repo = exampleRepo();
    git(repo, 'rm', '-q', 'stagecoach.yaml');
    const result = await cli([
      'plan',
      '--from',
      'dev',
      '--to',
      'staging',
      '--repo',
      repo,
      '--stage',
      'dev=envs/dev',
      '--stage',
      'staging=envs/staging',
      '--json',
    ]);
    expect(result.code).toBe(0);
    // Without the config's `fields` rule the billing version file is not an image reference.
    expect(JSON.parse(result.stdout).changes).toHaveLength(5);
  });

  test('usage and config mistakes exit 2 with one clear paragraph and no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Name a command/],
      [['deploy'], /Unknown command "deploy"/],
      [['plan', '--to', 'staging', '--repo', EXAMPLE], /plan needs --from/],
      [['plan', '--from', 'dev', '--to', 'qa', '--repo', EXAMPLE], /qa/],
      [['plan', '--from', 'dev', '--to', 'staging', '--repo', EXAMPLE, '--bogus'], /--bogus/],
      [['status', '--repo', '/nonexistent/place'], /no such folder/],
      [['status', '--repo', EXAMPLE, '--config', 'missing.yaml'], /missing\.yaml: no such file/],
      [['status', '--repo', EXAMPLE, '--config', '../config-repo/stagecoach.yaml'], /climbs out/],
      [['status', '--repo', EXAMPLE, '--config', 'envs'], /envs: is a folder/],
      [
        [
          'plan',
          '--from',
          'dev',
          '--to',
          'staging',
          '--repo',
          EXAMPLE,
          '--stage',
          'dev=envs/dev',
          '--stage',
          'staging=envs/stagign',
        ],
        /envs\/stagign: no such folder/,
      ],
      [
        ['verify', '--base', 'HEAD', '--head', 'no-such-branch', '--repo', EXAMPLE],
        /no-such-branch: no such branch or commit/,
      ],
      [['verify', '--base', 'HEAD', '--repo', EXAMPLE, '--stage', 'dev=envs/dev'], /--stage does not go with verify/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const repo = exampleRepo();
    writeFileSync(
      path.join(repo, 'stagecoach.yaml'),
      'stages:\n  - name: dev\n    paths: [envs/dev]\n  - name: dev\n    pathz: x\n',
    );
    const config = await cli(['status', '--repo', repo]);
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/stagecoach\.yaml:4:\d+/);
    expect(config.stderr).toMatch(/stagecoach\.yaml:5:\d+/);
  });

  test('a broken Docker config fails only the commands that reach a registry', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-docker-'));
    writeFileSync(path.join(dir, 'config.json'), '{ "auths": ');
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      cwd: process.cwd(),
      env: { DOCKER_CONFIG: dir },
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
    };
    expect(await runCli(['status', '--repo', EXAMPLE], io)).toBe(0);
    const repo = exampleRepo();
    writeFileSync(
      path.join(repo, 'stagecoach.yaml'),
      'stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n    gates:\n      registry: true\n',
    );
    expect(await runCli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo], io)).toBe(2);
    expect(err.join('\n')).toMatch(/config\.json/);
  });

  test('the bundled dist/cli.js runs the same engine', () => {
    expect(existsSync('dist/cli.js')).toBe(true); // npm run build
    const out = execFileSync(
      process.execPath,
      ['dist/cli.js', 'plan', '--from', 'dev', '--to', 'staging', '--repo', EXAMPLE, '--json'],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out).changes).toHaveLength(6);
    const failed = spawnSync(process.execPath, ['dist/cli.js', 'plan', '--repo', EXAMPLE], { encoding: 'utf8' });
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(/^stagecoach: plan needs --from/);
  });
});
