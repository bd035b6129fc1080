// The tarball `npm pack` makes is all a user needs: installed globally with no network and an empty npm cache, its
// `stagecoach` command runs outside the repo. It uses the last built dist/cli.js (npm run build).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
// An address nothing listens on: any registry request fails at once instead of reaching out.
const NO_REGISTRY = 'http://127.0.0.1:9/';

let work: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stagecoach-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work, '--registry', NO_REGISTRY], {
    cwd: ROOT,
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, packed.filename);
  files = packed.files.map((file) => file.path).sort();
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('the tarball holds the bundled CLI (and its client-node chunk) and its papers, nothing else', () => {
  // client-node is a chunk of its own, loaded only when a command reads a cluster (src/adapters/kube-client.ts).
  expect(files.filter((file) => /^dist\/\d+\.cli\.js$/.test(file))).toHaveLength(1);
  expect(files.filter((file) => !/^dist\/\d+\.cli\.js$/.test(file))).toEqual([
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'dist/cli.js',
    'dist/licenses.txt',
    'dist/package.json',
    'package.json',
  ]);
});

test('the package needs nothing at install time: no dependencies, no install scripts', async () => {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  // dist/cli.js bundles every dependency; one listed here would be downloaded by every `npm install -g`.
  expect(manifest.dependencies).toBeUndefined();
  expect(manifest.optionalDependencies).toBeUndefined();
  const scripts = Object.keys((manifest.scripts as Record<string, string>) ?? {});
  expect(scripts.filter((name) => /^(pre|post)?install$|^prepare$/.test(name))).toEqual([]);
  expect(manifest.bin).toEqual({ stagecoach: 'dist/cli.js' });
  expect(manifest.license).toBe('MIT');
  expect(await readFile(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(
    /^MIT License\n\nCopyright \(c\) \d{4} Stagecoach contributors\n/,
  );
});

describe('installed globally from the tarball, offline, outside the repo', () => {
  let prefix: string;
  let env: NodeJS.ProcessEnv;
  let repo: string;

  beforeAll(async () => {
    prefix = path.join(work, 'prefix');
    await run(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        tarball,
        '--offline',
        '--cache',
        path.join(work, 'empty-cache'),
        '--registry',
        NO_REGISTRY,
        '--no-audit',
        '--no-fund',
      ],
      { cwd: work },
    );
    // Only the installed command and node itself on PATH.
    env = { PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}`, HOME: work, NO_COLOR: '1' };

    repo = path.join(work, 'config');
    const deployment = (version: string): string =>
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n' +
      `        - name: api\n          image: ghcr.io/acme/api:${version}\n`;
    await mkdir(path.join(repo, 'envs/dev'), { recursive: true });
    await mkdir(path.join(repo, 'envs/staging'), { recursive: true });
    await writeFile(path.join(repo, 'envs/dev/api.yaml'), deployment('1.1.0'));
    await writeFile(path.join(repo, 'envs/staging/api.yaml'), deployment('1.0.0'));
    await writeFile(
      path.join(repo, 'stagecoach.yaml'),
      'stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n',
    );
  }, 120_000);

  test('`stagecoach --help` prints the usage', async () => {
    const { stdout } = await run('stagecoach', ['--help'], { cwd: work, env });
    expect(stdout).toMatch(/^Usage: stagecoach <command>/);
    expect(stdout).toContain('status');
  });

  test('`stagecoach status --repo` reads a config repo', async () => {
    const { stdout } = await run('stagecoach', ['status', '--repo', repo, '--json'], { cwd: work, env });
    const board = JSON.stringify(JSON.parse(stdout));
    expect(board).toContain('ghcr.io/acme/api');
    expect(board).toContain('1.1.0');
    expect(board).toContain('1.0.0');
  });

  test('`stagecoach status --live` loads client-node from its chunk and reads the cluster (here: refused in time)', async () => {
    const live = path.join(work, 'live');
    await mkdir(path.join(live, 'envs/dev'), { recursive: true });
    await writeFile(path.join(live, 'envs/dev/api.yaml'), await readFile(path.join(repo, 'envs/dev/api.yaml'), 'utf8'));
    await writeFile(
      path.join(live, 'stagecoach.yaml'),
      'stages:\n  - name: dev\n    path: envs/dev\n    live: [{ cluster: kind, agent: plain, namespaces: [default] }]\n' +
        'clusters:\n  kind: { server: "https://127.0.0.1:1", tokenEnv: KIND_TOKEN, requestTimeout: 2s }\n',
    );
    const { stdout } = await run('stagecoach', ['status', '--live', '--repo', live], {
      cwd: work,
      env: { ...env, KIND_TOKEN: 'token-not-printed' },
    });
    expect(stdout).toContain('? unreachable (Unreachable)');
    expect(stdout).not.toContain('token-not-printed');
  });

  test('`stagecoach plan` plans the promotion', async () => {
    const { stdout } = await run('stagecoach', ['plan', '--from', 'dev', '--to', 'staging', '--repo', repo, '--json'], {
      cwd: work,
      env,
    });
    const plan = JSON.parse(stdout) as { changes: Array<{ file: string; old: string; new: string }> };
    expect(plan.changes.map((change) => [change.file, change.old, change.new])).toEqual([
      ['envs/staging/api.yaml', '1.0.0', '1.1.0'],
    ]);
  });
});
