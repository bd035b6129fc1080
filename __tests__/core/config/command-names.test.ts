// The words a user may write (command names, merge methods, gate failure modes) are defined once in the config and
// read by the action's inputs and the CLI; action.yml documents the same words.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { COMMANDS, GATE_FAILURE_MODES, MERGE_METHODS } from '../../../src/core/config/index.js';
import { parseCliArguments } from '../../../src/cli/arguments.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string }>;
};
const words = (text: string) => text.match(/[a-z]+/g) ?? [];

test('action.yml lists exactly the commands, merge methods and failure modes the code accepts', () => {
  expect(words(action.inputs.command.description)).toEqual([...COMMANDS]);
  expect(words(action.inputs['auto-merge'].description)).toEqual(expect.arrayContaining(['false', ...MERGE_METHODS]));
  for (const mode of GATE_FAILURE_MODES) expect(words(action.inputs['on-gate-failure'].description)).toContain(mode);
});

test('the CLI takes every command and names them all when one is unknown', () => {
  for (const command of COMMANDS) {
    const flags =
      command === 'verify'
        ? ['--base', 'main']
        : command === 'status'
          ? []
          : command === 'wait'
            ? ['--stage', 'a']
            : ['--from', 'a', '--to', 'b'];
    expect(parseCliArguments([command, ...flags])).toMatchObject({ command });
  }
  expect(() => parseCliArguments(['deploy'])).toThrow(`expected one of ${COMMANDS.join(', ')}`);
});
