// stages[].gates: registry, soak, commands and what a failure does.
import { parseConfig } from '../../../src/core/config/index.js';
import { problems, twoStages } from './helpers.js';

describe('parseConfig: gates', () => {
  const withGates = (gates: string) => twoStages().replace('path: envs/prod', `path: envs/prod\n    gates:\n${gates}`);
  const gatesOf = (gates: string) => parseConfig(withGates(gates), 'f').stages[1].gates;

  test('registry: true, false, { pin }', () => {
    expect(gatesOf('      registry: true\n').registry).toEqual({ pin: false });
    expect(gatesOf('      registry: false\n').registry).toBe(false);
    expect(gatesOf('      registry: { pin: true }\n').registry).toEqual({ pin: true });
    expect(gatesOf('      registry: {}\n').registry).toEqual({ pin: false });
    expect(problems(withGates('      registry: yes\n'))).toEqual([
      'stagecoach.yaml:7:17: stages[1].gates.registry: expected true, false or { pin: true }, got "yes"',
    ]);
    expect(problems(withGates('      registry: { pinned: true }\n'))[0]).toMatch(
      /registry\.pinned: unknown key "pinned"; did you mean "pin"\?/,
    );
  });

  test('soak is a duration', () => {
    expect(gatesOf('      soak: 1h30m\n').soakSeconds).toBe(5400);
    expect(problems(withGates('      soak: soon\n'))).toEqual([
      'stagecoach.yaml:7:13: stages[1].gates.soak: expected a duration such as 90s, 30m, 1h30m or 2d (units w, d, h, m, s), got "soon"',
    ]);
    expect(problems(withGates('      soak: 3600\n'))[0]).toMatch(/got "3600"; add a unit, e.g. 3600s$/);
  });

  test('commands: run required, name defaults to run, timeout default 10m, env as text', () => {
    expect(
      gatesOf('      commands:\n        - run: make check\n          env: { DEBUG: true, N: 2 }\n').commands,
    ).toEqual([{ name: 'make check', run: 'make check', timeoutSeconds: 600, env: { DEBUG: 'true', N: '2' } }]);
    expect(
      problems(
        withGates(
          '      commands:\n        - name: build\n          timeout: 0\n          env: { 1BAD: x, OK: [a] }\n',
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:8:11: stages[1].gates.commands[0]: missing "run:"; give the command to run, e.g. "run: kustomize build envs/prod"',
      'stagecoach.yaml:9:20: stages[1].gates.commands[0].timeout: expected a duration above zero, e.g. 5m',
      'stagecoach.yaml:10:18: stages[1].gates.commands[0].env: "1BAD" is not a variable name; use letters, digits and _, not starting with a digit',
      'stagecoach.yaml:10:31: stages[1].gates.commands[0].env.OK: expected a value, got a list',
    ]);
    expect(problems(withGates('      commands: make check\n'))[0]).toMatch(
      /stages\[1\]\.gates\.commands: expected a list of commands/,
    );
  });

  test('onFailure is fail or draft', () => {
    expect(gatesOf('      onFailure: draft\n').onFailure).toBe('draft');
    expect(problems(withGates('      onFailure: drafts\n'))).toEqual([
      'stagecoach.yaml:7:18: stages[1].gates.onFailure: expected one of fail, draft, got "drafts"; did you mean "draft"?',
    ]);
  });
});

describe('parseConfig: gates.health', () => {
  const withHealth = (health: string) =>
    twoStages().replace('path: envs/prod', `path: envs/prod\n    gates:\n      health: ${health}\n`);
  const healthOf = (health: string) => parseConfig(withHealth(health), 'f').stages[1].gates.health;

  test('true (defaults 10m and 30s), false, or { timeout, stableFor }', () => {
    expect(healthOf('true')).toEqual({ timeoutSeconds: 600, stableForSeconds: 30 });
    expect(healthOf('false')).toBe(false);
    expect(healthOf('{ timeout: 15m, stableFor: 1m }')).toEqual({ timeoutSeconds: 900, stableForSeconds: 60 });
    expect(healthOf('{ stableFor: 0 }')).toEqual({ timeoutSeconds: 600, stableForSeconds: 0 });
    expect(problems(withHealth('{ timeout: soon, stable: 1m }'))).toEqual([
      'stagecoach.yaml:7:26: stages[1].gates.health.timeout: expected a duration such as 90s, 30m, 1h30m or 2d (units w, d, h, m, s), got "soon"',
      'stagecoach.yaml:7:32: stages[1].gates.health.stable: unknown key "stable"; did you mean "stableFor"? (known keys: timeout, stableFor)',
    ]);
  });
});
