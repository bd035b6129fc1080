// The config error's output: one file:line:col line per problem, the first 50 of them.
import { ConfigError, formatProblems, parseConfig } from '../../../src/core/config/index.js';

describe('formatProblems', () => {
  test('file:line:col, file:line, or file alone for line 0', () => {
    expect(
      formatProblems([
        { file: 'a.yaml', line: 4, column: 7, message: 'one' },
        { file: 'a.yaml', line: 5, message: 'two' },
        { file: '<flags>', line: 0, message: 'three' },
      ]),
    ).toBe('a.yaml:4:7: one\na.yaml:5: two\n<flags>: three');
  });
});

describe('ConfigError', () => {
  test('the message shows the first 50 problems and counts the rest; every problem stays on the error', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ file: 'f.yaml', line: i + 1, message: `problem ${i + 1}` }));
    const error = new ConfigError(many);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Invalid pipeline configuration (120 problems):');
    expect(lines.slice(1, 51)).toEqual(many.slice(0, 50).map((p) => `f.yaml:${p.line}: ${p.message}`));
    expect(lines.slice(51)).toEqual(['… and 70 more problems (fix these first)']);
    expect(error.problems).toHaveLength(120);
    expect(new ConfigError(many.slice(0, 51)).message.split('\n').at(-1)).toBe(
      '… and 1 more problem (fix these first)',
    );
    expect(new ConfigError(many.slice(0, 50)).message.split('\n')).toHaveLength(51);
  });

  test('a config file with thousands of problems gives a short message', () => {
    const text = `stages:\n${Array.from({ length: 5000 }, (_, i) => `  - name: Bad_${i}\n    path: envs/${i}\n`).join('')}`;
    let error: ConfigError | undefined;
    try {
      parseConfig(text, 'stagecoach.yaml');
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(5000);
    expect(error!.message.split('\n')).toHaveLength(52);
    expect(error!.message).toMatch(/^Invalid pipeline configuration \(5000 problems\):\nstagecoach\.yaml:2:11: /);
    expect(error!.message).toMatch(/\n… and 4950 more problems \(fix these first\)$/);
  });
});
