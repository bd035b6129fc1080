import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCommands } from '../../../src/adapters/commands.js';
import type { CommandGate } from '../../../src/core/config/index.js';
import type { Change, Plan } from '../../../src/core/plan-types.js';
import { forwardableEnvironment, gateEnvironment, runCommandGates } from '../../../src/engine/gates/commands-gate.js';

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

  test('credentials in baseEnv are not forwarded; a command gets one only by declaring it in its own env', async () => {
    const secrets = {
      GITHUB_TOKEN: 'ghs_notforwarded1',
      'INPUT_GITHUB-TOKEN': 'ghs_notforwarded2',
      ACTIONS_RUNTIME_TOKEN: 'notforwarded3',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'notforwarded4',
      registry_password: 'notforwarded5',
      AWS_SECRET_ACCESS_KEY: 'notforwarded6',
      GithubToken: 'notforwarded7',
      'INPUT_REGISTRY-CREDENTIALS': 'ghcr.io=me:notforwarded8',
      AWS_ACCESS_KEY_ID: 'notforwarded9',
      NPM_AUTH: 'notforwarded10',
      INPUT_ONLY: 'notforwarded11',
    };
    const { cwd, planFile } = setup();
    const [result] = await runCommandGates(
      commands,
      [gate('dump', 'env -0 > seen.env; echo "[$GITHUB_TOKEN]"', { env: { DECLARED_TOKEN: 'declared' } })],
      {
        cwd,
        plan: makePlan(),
        planFile,
        baseEnv: { ...baseEnv, ...secrets, KUBECONFIG: '/tmp/kube', LANG: 'C.UTF-8' },
      },
    );
    expect(result).toMatchObject({ passed: true, output: '[]' });
    const raw = readFileSync(path.join(cwd, 'seen.env'), 'utf8');
    for (const [name, value] of Object.entries(secrets)) {
      expect(raw).not.toContain(value);
      expect(raw).not.toContain(`${name}=`);
    }
    const seen = envFile(path.join(cwd, 'seen.env'));
    expect(seen.get('KUBECONFIG')).toBe('/tmp/kube');
    expect(seen.get('LANG')).toBe('C.UTF-8');
    expect(seen.get('PATH')).toBe(baseEnv.PATH);
    expect(seen.get('DECLARED_TOKEN')).toBe('declared');
    expect(forwardableEnvironment({ A: '1', MY_TOKEN_FILE: 'x', Secret: 'y', PASSWORD: 'z' })).toEqual({ A: '1' });
  });

  test('precedence: baseEnv, then the command env, then the STAGECOACH_* values', async () => {
    const { cwd, planFile } = setup();
    const [result] = await runCommandGates(
      commands,
      [gate('env', 'echo "$MODE $STAGECOACH_TO"', { env: { MODE: 'strict', STAGECOACH_TO: 'spoofed' } })],
      { cwd, plan: makePlan(), planFile, baseEnv: { ...baseEnv, MODE: 'lenient' } },
    );
    expect(result.output).toBe('strict production');
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
