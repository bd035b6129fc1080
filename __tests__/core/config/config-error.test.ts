// The config error's output: one file:line:col line per problem.
import { formatProblems } from '../../../src/core/config/index.js';

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
