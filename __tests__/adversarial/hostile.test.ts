// Adversarial: hostile file names through the CLI, and hostile environments and inputs through the real CLI and
// action processes. Each input is classified (clean / wrongly changed bytes / hang / stack trace); all must be clean.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { runCli } from '../../src/cli/run-cli.js';
import { exampleRepo, git } from '../support/example-repo.js';
import { deploymentYaml } from '../support/manifests.js';
import { HANG_MS, looksLikeStack, onlyVersionsChanged, Tally } from './classify.js';

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u009b]/;

const hostileName = fc
  .array(
    fc.constantFrom(
      'a',
      '-',
      ' ',
      '\u001b[2J',
      '\u001b]0;pwned\u0007',
      '\n',
      '\r',
      '\t',
      '\u202e',
      '$(touch PWNED)',
      '`touch PWNED`',
      "'",
      '"',
      ';',
      '|',
      '*',
      'é',
      '🚀',
      '::error::',
      '%0A',
      '\\',
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => `${parts.join('')}.yaml`)
  .filter((name) => name !== '.yaml' && !name.startsWith('.'));

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const started = Date.now();
  const code = await runCli(args, { cwd: process.cwd(), stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), ms: Date.now() - started };
}

test('hostile file names: plan, status and promote stay clean, print no raw control character, run nothing', async () => {
  const tally = new Tally('hostile file names (plan, status, promote)');
  await fc.assert(
    fc.asyncProperty(hostileName, async (name) => {
      const repo = mkdtempSync(path.join(tmpdir(), 'stagecoach-adversarial-'));
      for (const [stage, version] of [
        ['dev', '1.1.0'],
        ['staging', '1.0.0'],
      ]) {
        mkdirSync(path.join(repo, 'envs', stage), { recursive: true });
        writeFileSync(path.join(repo, 'envs', stage, name), deploymentYaml(`ghcr.io/acme/api:${version}`));
      }
      const target = path.join(repo, 'envs', 'staging', name);
      const before = readFileSync(target, 'utf8');
      for (const args of [
        ['plan', '--from', 'dev', '--to', 'staging'],
        ['status'],
        ['promote', '--from', 'dev', '--to', 'staging'],
      ]) {
        const run = await cli([...args, '--repo', repo, '--stage', 'dev=envs/dev', '--stage', 'staging=envs/staging']);
        const text = `${run.stdout}\n${run.stderr}`;
        if (run.ms > HANG_MS) tally.record('hang', name, args[0]);
        else if (run.code !== 0 || looksLikeStack(text)) tally.record('stack trace', name, `${args[0]}: ${text}`);
        else if (RAW_CONTROL.test(text))
          tally.record('wrongly changed bytes', name, `${args[0]} printed a raw control`);
        else tally.record('clean', name);
      }
      const after = readFileSync(target, 'utf8');
      if (name.includes('\\')) {
        // a name Stagecoach refuses to use (a backslash): that file is skipped and listed, never written
        if (after !== before) tally.record('wrongly changed bytes', name, 'a refused name was written');
        else tally.record('clean', name);
      } else {
        const line = after.split('\n').findIndex((l) => l.includes('1.1.0')) + 1;
        const ok = onlyVersionsChanged(before, after, [{ line, old: '1.0.0', new: '1.1.0' }]);
        if (!ok || after === before) tally.record('wrongly changed bytes', name, 'the promoted file');
        else tally.record('clean', name);
      }
      const pwned = execFileSync('find', [repo, process.cwd(), '-maxdepth', '1', '-name', 'PWNED'], {
        encoding: 'utf8',
      });
      if (pwned !== '') tally.record('wrongly changed bytes', name, 'a name was run as a command');
    }),
    { numRuns: 40 },
  );
  console.log(tally.summary());
  expect(tally.failures).toEqual([]);
}, 300_000);

interface ProcessCase {
  name: string;
  entry: 'cli' | 'action';
  args?: string[];
  env: Record<string, string | undefined>;
  /** Shell redirection of stdout (`> /dev/full`, `| head -c 1`). */
  stdout?: string;
  codes: number[];
}

function runProcess(c: ProcessCase, repo: string): { code: number | null; output: string; hung: boolean } {
  const entry = c.entry === 'cli' ? 'src/cli/index.ts' : 'src/action/index.ts';
  const argv = ['--import', 'tsx', entry, ...(c.args ?? []).map((word) => word.replaceAll('$REPO', repo))];
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const [k, v] of Object.entries(c.env)) {
    if (v === undefined) delete env[k];
    else env[k] = v.replaceAll('$REPO', repo);
  }
  if (!c.stdout) {
    // directly, not through a shell: sh drops variables whose names hold '-' (INPUT_WORKING-DIRECTORY)
    const result = spawnSync(process.execPath, argv, { cwd: process.cwd(), encoding: 'utf8', env, timeout: HANG_MS });
    return {
      code: result.status,
      output: `${result.stdout}\n${result.stderr}`,
      hung: result.error !== undefined || result.signal !== null,
    };
  }
  const quoted = [process.execPath, ...argv].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  const result = spawnSync('/bin/sh', ['-c', `${quoted} ${c.stdout}; echo "exit=$?" >&2`], {
    cwd: process.cwd(),
    encoding: 'utf8',
    env,
    timeout: HANG_MS,
  });
  const match = /exit=(\d+)\s*$/.exec(result.stderr ?? '');
  return {
    code: match ? Number(match[1]) : null,
    output: `${result.stdout}\n${(result.stderr ?? '').replace(/exit=\d+\s*$/, '')}`,
    hung: result.error !== undefined || result.signal !== null,
  };
}

test('hostile environments and inputs: the real CLI and action processes end clean', () => {
  const repo = exampleRepo();
  const folder = mkdtempSync(path.join(tmpdir(), 'stagecoach-env-'));
  const badEvent = path.join(folder, 'event.json');
  writeFileSync(badEvent, '{"pull_request":');
  const node = path.dirname(process.execPath);
  const gitPath = path.dirname(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim());
  const action = (inputs: Record<string, string>, env: Record<string, string | undefined> = {}) => ({
    GITHUB_WORKSPACE: path.dirname(repo),
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...env,
  });
  const cases: ProcessCase[] = [
    {
      name: 'status | head -c 1 (EPIPE)',
      entry: 'cli',
      args: ['status', '--repo', '$REPO'],
      env: {},
      stdout: '| head -c 1',
      codes: [0],
    },
    {
      name: 'status > /dev/full',
      entry: 'cli',
      args: ['status', '--repo', '$REPO'],
      env: {},
      stdout: '> /dev/full',
      codes: [1],
    },
    {
      name: 'plan --json > /dev/full',
      entry: 'cli',
      args: ['plan', '--from', 'dev', '--to', 'staging', '--json', '--repo', '$REPO'],
      env: {},
      stdout: '> /dev/full',
      codes: [1],
    },
    { name: 'no HOME', entry: 'cli', args: ['status', '--repo', '$REPO'], env: { HOME: undefined }, codes: [0] },
    {
      name: 'TMPDIR missing',
      entry: 'cli',
      args: ['promote', '--from', 'dev', '--to', 'staging', '--dry-run', '--repo', '$REPO'],
      env: { TMPDIR: '/nonexistent/tmp' },
      codes: [0],
    },
    {
      name: 'odd locale',
      entry: 'cli',
      args: ['status', '--repo', '$REPO'],
      env: { LANG: 'xx_XX.bogus', LC_ALL: 'C' },
      codes: [0],
    },
    {
      name: 'GIT_DIR elsewhere',
      entry: 'cli',
      args: ['verify', '--base', 'HEAD', '--repo', '$REPO'],
      env: { GIT_DIR: '/nonexistent' },
      codes: [0, 1, 2],
    },
    {
      name: 'git not on PATH',
      entry: 'cli',
      args: ['verify', '--base', 'HEAD', '--repo', '$REPO'],
      env: { PATH: '/nonexistent' },
      codes: [0, 1, 2],
    },
    {
      name: 'verify outside git',
      entry: 'cli',
      args: ['verify', '--base', 'main', '--repo', folder],
      env: {},
      codes: [2],
    },
    {
      name: 'verify --base nope',
      entry: 'cli',
      args: ['verify', '--base', 'nope', '--repo', '$REPO'],
      env: {},
      codes: [2],
    },
    {
      name: 'verify --base -x',
      entry: 'cli',
      args: ['verify', '--base', '--upload-pack=touch PWNED', '--repo', '$REPO'],
      env: {},
      codes: [2],
    },
    { name: '--repo missing', entry: 'cli', args: ['status', '--repo', '/nonexistent/repo'], env: {}, codes: [2] },
    {
      name: '--config outside',
      entry: 'cli',
      args: ['status', '--config', '../../etc/passwd', '--repo', '$REPO'],
      env: {},
      codes: [2],
    },
    {
      name: 'stage with control characters',
      entry: 'cli',
      args: ['plan', '--from', 'dev', '--to', 'stag\u001b[2Jing', '--repo', '$REPO'],
      env: {},
      codes: [2],
    },
    { name: 'unknown flag', entry: 'cli', args: ['status', '--frobnicate'], env: {}, codes: [2] },
    {
      name: 'action: status, no summary file',
      entry: 'action',
      env: action({ command: 'status', 'working-directory': repo }, { PATH: `${node}:${gitPath}` }),
      codes: [0],
    },
    {
      name: 'action: summary is a folder',
      entry: 'action',
      env: action({ command: 'status', 'working-directory': repo }, { GITHUB_STEP_SUMMARY: folder }),
      codes: [0, 1],
    },
    {
      name: 'action: outputs to /dev/full',
      entry: 'action',
      env: action({ command: 'status', 'working-directory': repo }, { GITHUB_OUTPUT: '/dev/full' }),
      codes: [1],
    },
    {
      name: 'action: invalid event file',
      entry: 'action',
      env: action({ command: 'verify', 'working-directory': repo }, { GITHUB_EVENT_PATH: badEvent }),
      codes: [1],
    },
    {
      name: 'action: event path is a folder',
      entry: 'action',
      env: action({ command: 'verify', 'working-directory': repo }, { GITHUB_EVENT_PATH: folder }),
      codes: [1],
    },
    {
      name: 'action: forged annotation in to',
      entry: 'action',
      env: action({ command: 'plan', from: 'dev', to: 'staging\n::error::forged', 'working-directory': repo }),
      codes: [1],
    },
    {
      name: 'action: command substitution in from',
      entry: 'action',
      env: action({ command: 'plan', from: '$(touch PWNED)', to: 'staging', 'working-directory': repo }),
      codes: [1],
    },
    {
      name: 'action: working-directory ..',
      entry: 'action',
      env: action({ command: 'status', 'working-directory': '../../..' }),
      codes: [0, 1],
    },
    {
      name: 'action: missing working-directory',
      entry: 'action',
      env: action({ command: 'status', 'working-directory': 'nope' }),
      codes: [1],
    },
    {
      name: 'action: unknown command',
      entry: 'action',
      env: action({ command: 'destroy', 'working-directory': repo }),
      codes: [1],
    },
    {
      name: 'action: skip a stage',
      entry: 'action',
      env: action({ command: 'promote', from: 'dev', to: 'production', 'dry-run': 'true', 'working-directory': repo }),
      codes: [1],
    },
    {
      name: 'action: labels with newlines',
      entry: 'action',
      env: action({
        command: 'promote',
        from: 'dev',
        to: 'staging',
        'dry-run': 'true',
        labels: 'a\nb,\u001b[2J',
        'working-directory': repo,
      }),
      codes: [0, 1],
    },
  ];
  const tally = new Tally('hostile environments and inputs (CLI and action processes)');
  for (const c of cases) {
    const result = runProcess(c, repo);
    const changed = execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' });
    const pwned = execFileSync('find', [repo, process.cwd(), '-maxdepth', '1', '-name', 'PWNED'], { encoding: 'utf8' });
    if (result.hung) tally.record('hang', c.name);
    else if (result.code === null || !c.codes.includes(result.code) || looksLikeStack(result.output))
      tally.record('stack trace', c.name, `exit ${result.code}: ${result.output}`);
    else if (changed !== '' || pwned !== '') tally.record('wrongly changed bytes', c.name, changed + pwned);
    else if (c.entry === 'cli' && RAW_CONTROL.test(result.output.replace(/\n/g, '')))
      tally.record('wrongly changed bytes', c.name, 'a raw control character reached the terminal');
    else tally.record('clean', c.name);
    git(repo, 'checkout', '-q', '--', '.');
  }
  console.log(tally.summary());
  expect(tally.failures).toEqual([]);
}, 600_000);
