import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCommands } from '../../../src/adapters/commands.js';
import type { CommandGate } from '../../../src/core/config/index.js';
import type { Change, Plan } from '../../../src/core/plan-types.js';
import {
  forwardableEnvironment,
  gateEnvironment,
  runCommandGates,
  secretsToMask,
} from '../../../src/engine/gates/commands-gate.js';

const commands = createCommands({ killGraceMs: 300 });
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };

function change(file: string, image: string, old: string, version: string, line = 3): Change {
  return { file, line, column: 14, image, name: image, format: 'workload', old, new: version, downgrade: false };
}

function makePlan(overrides: Partial<Plan> = {}): Plan {
  return {
    from: 'staging',
    to: 'production',
    source: 'stage',
    changes: [
      change('envs/production/api.yaml', 'ghcr.io/acme/api', '1.4.0', '1.5.0'),
      change('envs/production/api.yaml', 'ghcr.io/acme/worker', '2.0.0', '2.1.0', 20),
      change('envs/production/web/deploy.yaml', 'ghcr.io/acme/web', '0.9.0', '1.0.0'),
    ],
    images: [
      { image: 'ghcr.io/acme/api', old: ['1.4.0'], new: '1.5.0', downgrade: false, files: 1 },
      { image: 'ghcr.io/acme/web', old: ['0.9.0'], new: '1.0.0', downgrade: false, files: 1 },
      { image: 'ghcr.io/acme/worker', old: ['2.0.0'], new: '2.1.0', downgrade: false, files: 1 },
    ],
    notPromoted: [],
    skipped: [],
    warnings: [],
    ...overrides,
  };
}

/** A config repo folder with the plan file written next to it, as the caller does. */
function setup(plan: Plan = makePlan(), planName = 'plan.json'): { cwd: string; planFile: string } {
  const base = mkdtempSync(path.join(tmpdir(), 'stagecoach-gate-'));
  const planFile = path.join(base, planName);
  writeFileSync(planFile, JSON.stringify(plan, null, 2));
  return { cwd: base, planFile };
}

function gate(name: string, run: string, extra: Partial<CommandGate> = {}): CommandGate {
  return { name, run, timeoutSeconds: 30, env: {}, ...extra };
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie has exited; it only waits for a PID 1 that reaps orphans, which this sandbox's does not.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
}

function envFile(file: string): Map<string, string> {
  // `env -0` separates entries with NUL, so values holding newlines stay whole.
  const entries = readFileSync(file, 'utf8').split('\0').filter(Boolean);
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

describe('gateEnvironment', () => {
  test('names the stages, the plan file, the count, each image with its new version and the changed files', () => {
    expect(gateEnvironment(makePlan(), '/tmp/plan.json')).toEqual({
      STAGECOACH_FROM: 'staging',
      STAGECOACH_TO: 'production',
      STAGECOACH_PLAN_FILE: '/tmp/plan.json',
      STAGECOACH_CHANGES: '3',
      STAGECOACH_IMAGES: 'ghcr.io/acme/api=1.5.0\nghcr.io/acme/web=1.0.0\nghcr.io/acme/worker=2.1.0',
      STAGECOACH_FILES: 'envs/production/api.yaml\nenvs/production/web/deploy.yaml',
    });
  });

  test('an empty plan gives zero and empty lists', () => {
    const env = gateEnvironment(makePlan({ changes: [], images: [] }), 'p.json');
    expect(env).toMatchObject({ STAGECOACH_CHANGES: '0', STAGECOACH_IMAGES: '', STAGECOACH_FILES: '' });
  });
});

describe('runCommandGates', () => {
  test('a passing command sees the plan through its environment and the plan file', async () => {
    const plan = makePlan();
    const { cwd, planFile } = setup(plan);
    const [result] = await runCommandGates(
      commands,
      [
        gate(
          'render',
          'env -0 > seen.env; cp "$STAGECOACH_PLAN_FILE" seen-plan.json; echo "rendered $STAGECOACH_CHANGES changes"',
        ),
      ],
      { cwd, plan, planFile, baseEnv },
    );
    expect(result).toMatchObject({
      gate: 'commands',
      name: 'render',
      passed: true,
      details: [],
      output: 'rendered 3 changes',
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const seen = envFile(path.join(cwd, 'seen.env'));
    for (const [name, value] of Object.entries(gateEnvironment(plan, planFile))) expect(seen.get(name)).toBe(value);
    expect(JSON.parse(readFileSync(path.join(cwd, 'seen-plan.json'), 'utf8'))).toEqual(plan);
  });

  test('a failing command fails its gate with the exit code and the last 40 lines; later commands still run, in order', async () => {
    const { cwd, planFile } = setup();
    const results = await runCommandGates(
      commands,
      [
        gate('first', 'echo first >> order'),
        gate(
          'validate',
          'echo validate >> order; i=1; while [ $i -le 100 ]; do echo "check $i"; i=$((i+1)); done; echo "error: bad" >&2; exit 3',
        ),
        gate('last', 'echo last >> order'),
      ],
      { cwd, plan: makePlan(), planFile, baseEnv },
    );
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ['first', true],
      ['validate', false],
      ['last', true],
    ]);
    expect(readFileSync(path.join(cwd, 'order'), 'utf8')).toBe('first\nvalidate\nlast\n');
    const failed = results[1];
    expect(failed.details).toHaveLength(1);
    expect(failed.details[0]).toMatch(/^command "validate" \(echo validate >> order; .*\) failed with exit code 3$/);
    const lines = failed.output!.split('\n');
    expect(lines).toHaveLength(40);
    expect(lines[0]).toBe('check 62');
    expect(lines.slice(-2)).toEqual(['check 100', 'error: bad']);
  });

  test('a command that outlives its timeout fails the gate, and it and its children are stopped', async () => {
    const { cwd, planFile } = setup();
    const [result, after] = await runCommandGates(
      commands,
      [
        gate(
          'soak-test',
          'sleep 100 & echo $! >> pids; sleep 100 & echo $! >> pids; echo $$ >> pids; echo waiting; wait',
          { timeoutSeconds: 1 },
        ),
        gate('after', 'echo still runs'),
      ],
      { cwd, plan: makePlan(), planFile, baseEnv },
    );
    expect(result.passed).toBe(false);
    expect(result.details).toEqual([
      'command "soak-test" (sleep 100 & echo $! >> pids; sleep 100 & echo $! >> pids; echo $$ >> pids; echo waiting; wait) timed out after 1s and was stopped; raise its "timeout:" if it needs longer',
    ]);
    expect(result.output).toBe('waiting');
    const pids = readFileSync(path.join(cwd, 'pids'), 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(running(pid)).toBe(false);
    expect(after).toMatchObject({ passed: true, output: 'still runs' });
  });

  test('a command killed by a signal says so', async () => {
    const { cwd, planFile } = setup();
    const [result] = await runCommandGates(commands, [gate('crash', 'kill -KILL $$')], {
      cwd,
      plan: makePlan(),
      planFile,
      baseEnv,
    });
    expect(result.passed).toBe(false);
    expect(result.details).toEqual(['command "crash" (kill -KILL $$) was killed by SIGKILL']);
  });

  test('plan values with shell metacharacters reach the command intact and are never executed', async () => {
    const hostile = [
      '$(touch pwned-1)',
      '`touch pwned-2`',
      '; touch pwned-3; rm -rf "$HOME"',
      "' && touch pwned-4 '",
      '" | touch pwned-5 #',
      '\ntouch pwned-6\n',
    ];
    const plan = makePlan({
      from: hostile[0],
      to: hostile[1],
      changes: [change(`envs/${hostile[2]}/a.yaml`, 'ghcr.io/acme/api', '1', hostile[3])],
      images: [
        { image: 'ghcr.io/acme/api', old: ['1'], new: `${hostile[3]}${hostile[4]}`, downgrade: false, files: 1 },
      ],
    });
    const { cwd, planFile } = setup(plan, 'plan $(touch pwned-7) `touch pwned-8`.json');
    const [result] = await runCommandGates(
      commands,
      [
        gate(
          'inspect',
          [
            'printf %s "$STAGECOACH_FROM" > from.txt',
            'printf %s "$STAGECOACH_TO" > to.txt',
            'printf %s "$STAGECOACH_IMAGES" > images.txt',
            'printf %s "$STAGECOACH_FILES" > files.txt',
            'printf %s "$HOSTILE" > hostile.txt',
            'cp "$STAGECOACH_PLAN_FILE" plan-copy.json',
          ].join('\n'),
          { env: { HOSTILE: hostile[5] } },
        ),
      ],
      { cwd, plan, planFile, baseEnv },
    );
    expect(result).toMatchObject({ passed: true, details: [] });
    const read = (name: string) => readFileSync(path.join(cwd, name), 'utf8');
    expect(read('from.txt')).toBe(hostile[0]);
    expect(read('to.txt')).toBe(hostile[1]);
    expect(read('images.txt')).toBe(`ghcr.io/acme/api=${hostile[3]}${hostile[4]}`);
    expect(read('files.txt')).toBe(`envs/${hostile[2]}/a.yaml`);
    expect(read('hostile.txt')).toBe(hostile[5]);
    expect(JSON.parse(read('plan-copy.json'))).toEqual(plan);
    expect(readdirSync(cwd).filter((name) => name.startsWith('pwned'))).toEqual([]);
    expect(existsSync(baseEnv.HOME)).toBe(true);
  });

  test('only the allowlist of baseEnv reaches a command: 30 secret-like variables do not; its own env does', async () => {
    const secrets = {
      GITHUB_TOKEN: 'ghs_notforwarded01',
      'INPUT_GITHUB-TOKEN': 'ghs_notforwarded02',
      ACTIONS_RUNTIME_TOKEN: 'notforwarded03',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'notforwarded04',
      registry_password: 'notforwarded05',
      AWS_SECRET_ACCESS_KEY: 'notforwarded06',
      GithubToken: 'notforwarded07',
      'INPUT_REGISTRY-CREDENTIALS': 'ghcr.io=me:notforwarded08',
      AWS_ACCESS_KEY_ID: 'AKIANOTFORWARDED09',
      NPM_AUTH: 'notforwarded10',
      GH_PAT: 'ghp_notforwarded11',
      DB_PASS: 'notforwarded12',
      DATABASE_URL: 'postgres://app:notforwarded13@db.internal:5432/app',
      HTTP_PROXY: 'http://proxyuser:notforwarded14@proxy.internal:3128',
      https_proxy: 'http://proxyuser:notforwarded15@proxy.internal:3128',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T000/B000/notforwarded16',
      KUBECONFIG_DATA: 'YXBpVmVyc2lvbjogdjEKbm90Zm9yd2FyZGVkMTc=',
      SENTRY_DSN: 'https://notforwarded18@o1.ingest.example/1',
      DOCKER_AUTH_CONFIG: '{"auths":{"x":{"auth":"notforwarded19"}}}',
      VAULT_ADDR_TOKEN: 'hvs.notforwarded20',
      GPG_PRIVATE_KEY: '-----BEGIN PGP PRIVATE KEY BLOCK-----\nnotforwarded21\n-----END PGP PRIVATE KEY BLOCK-----',
      SSH_KEY: 'notforwarded22',
      COOKIE_JAR: 'session=notforwarded23',
      STRIPE_API_KEY: 'sk_live_notforwarded24',
      ENCRYPTION_SALT: 'notforwarded25',
      TF_VAR_db_password: 'notforwarded26',
      CODECOV_UPLOAD_KEY: 'notforwarded27',
      REDIS_URL: 'redis://:notforwarded28@cache.internal:6379',
      GITHUB_ENV: '/tmp/notforwarded29/env',
      RUNNER_TOKEN_FILE: '/tmp/notforwarded30',
    };
    const allowed = {
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TMPDIR: tmpdir(),
      CI: 'true',
      GITHUB_REPOSITORY: 'acme/config',
      GITHUB_SHA: 'abc123',
      RUNNER_OS: 'Linux',
      HTTPS_PROXY: 'http://proxy.internal:3128',
      NO_PROXY: 'localhost,127.0.0.1',
    };
    const { cwd, planFile } = setup();
    const [result] = await runCommandGates(
      commands,
      [gate('dump', 'env -0 > seen.env; echo "[$GITHUB_TOKEN]"', { env: { DECLARED_TOKEN: 'declared' } })],
      {
        cwd,
        plan: makePlan(),
        planFile,
        baseEnv: { ...baseEnv, ...secrets, ...allowed, KUBECONFIG: '/tmp/kube', USER: 'runner', GITHUB_OUTPUT: '/o' },
      },
    );
    expect(result).toMatchObject({ passed: true, output: '[]' });
    expect(Object.keys(secrets)).toHaveLength(30);
    const raw = readFileSync(path.join(cwd, 'seen.env'), 'utf8');
    for (const [name, value] of Object.entries(secrets)) {
      expect(raw).not.toContain(value);
      expect(raw).not.toContain(`${name}=`);
    }
    const seen = envFile(path.join(cwd, 'seen.env'));
    for (const [name, value] of Object.entries({ ...allowed, PATH: baseEnv.PATH, HOME: baseEnv.HOME }))
      expect(seen.get(name)).toBe(value);
    for (const name of ['KUBECONFIG', 'USER', 'GITHUB_OUTPUT']) expect(seen.has(name)).toBe(false);
    expect(seen.get('DECLARED_TOKEN')).toBe('declared');
    expect(forwardableEnvironment({ A: '1', MY_TOKEN_FILE: 'x', Secret: 'y', PATH: '/bin', LC_TIME: 'C' })).toEqual({
      PATH: '/bin',
      LC_TIME: 'C',
    });
  });

  test('withheld secrets a command prints anyway (read from a file) are masked in the published output', async () => {
    const baseEnv2 = {
      ...baseEnv,
      GH_PAT: 'ghp_0123456789abcdefSECRET',
      DATABASE_URL: 'postgres://app:s3cr%40t-pw@db.internal:5432/app',
      OPAQUE: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA',
      USER: 'runner',
      SHELL: '/bin/bash',
    };
    const { cwd, planFile } = setup();
    writeFileSync(
      path.join(cwd, 'leak.txt'),
      'pat=ghp_0123456789abcdefSECRET\nurl=postgres://app:s3cr%40t-pw@db.internal:5432/app\npw=s3cr@t-pw\nopaque=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA\nhome=/home/runner shell=/bin/bash\n',
    );
    const [result] = await runCommandGates(commands, [gate('leaky', 'cat leak.txt; exit 1')], {
      cwd,
      plan: makePlan(),
      planFile,
      baseEnv: baseEnv2,
    });
    expect(result.passed).toBe(false);
    expect(result.output).toBe('pat=***\nurl=***\npw=***\nopaque=***\nhome=/home/runner shell=/bin/bash');
    expect(secretsToMask({ PATH: '/usr/bin', USER: 'runner', PWD: '/home/runner/work', A_TOKEN: 'abc' })).toEqual([]);
  });

  test('files a command adds, deletes or changes in its scratch copy are reported with its result', async () => {
    const { cwd, planFile } = setup();
    const changes = [
      { added: ['out/render.yaml'], deleted: ['envs/production/api.yaml'], changed: [] },
      { added: [], deleted: [], changed: [] },
    ];
    const results = await runCommandGates(commands, [gate('render', 'true'), gate('check', 'true')], {
      cwd,
      plan: makePlan(),
      planFile,
      baseEnv,
      changes: () => changes.shift() as (typeof changes)[number],
    });
    expect(results.map((result) => [result.passed, result.details])).toEqual([
      [
        true,
        [
          'command "render" (true) added out/render.yaml; deleted envs/production/api.yaml (in the scratch copy it ran in; the working tree is untouched)',
        ],
      ],
      [true, []],
    ]);
  });

  test('precedence: baseEnv, then the command env, then the STAGECOACH_* values', async () => {
    const { cwd, planFile } = setup();
    const [result] = await runCommandGates(
      commands,
      [
        gate('env', 'echo "$LC_ALL $LANG $STAGECOACH_TO"', {
          env: { LANG: 'strict', STAGECOACH_TO: 'spoofed' },
        }),
      ],
      { cwd, plan: makePlan(), planFile, baseEnv: { ...baseEnv, LC_ALL: 'base', LANG: 'lenient' } },
    );
    expect(result.output).toBe('base strict production');
  });

  test('a command that cannot start fails its gate with the reason; the rest are still reported', async () => {
    const { cwd, planFile } = setup();
    const missing = path.join(cwd, 'no-such-checkout');
    const results = await runCommandGates(commands, [gate('a', 'true'), gate('b', 'true')], {
      cwd: missing,
      plan: makePlan(),
      planFile,
      baseEnv,
    });
    expect(results.map((r) => r.passed)).toEqual([false, false]);
    expect(results[0].details[0]).toBe(`command "a" (true) could not start: working folder ${missing} does not exist`);
  });

  test('no commands, no results', async () => {
    const { cwd, planFile } = setup();
    expect(await runCommandGates(commands, [], { cwd, plan: makePlan(), planFile, baseEnv })).toEqual([]);
  });
});
