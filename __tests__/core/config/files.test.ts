// files: the globs of each stage folder that are scanned.
import { parseConfig } from '../../../src/core/config/index.js';
import { problems, twoStages } from './helpers.js';

describe('parseConfig: files', () => {
  test('globs replace the default; negations are kept', () => {
    expect(parseConfig(twoStages('files: ["**/*.yaml", "!**/secrets/**"]\n'), 'f').files).toEqual([
      '**/*.yaml',
      '!**/secrets/**',
    ]);
  });

  test('absolute, "..", unclosed brackets, comments and all-negative lists are refused', () => {
    expect(problems(twoStages('files: ["/etc/*.yaml", "../**", "a/{b", "x/[ab", "#c"]\n'))).toEqual([
      'stagecoach.yaml:6:9: files[0]: "/etc/*.yaml" is absolute; globs are relative to each stage folder',
      'stagecoach.yaml:6:24: files[1]: "../**" contains ".."; globs must stay inside each stage folder',
      'stagecoach.yaml:6:33: files[2]: "a/{b" has an unclosed "{"',
      'stagecoach.yaml:6:41: files[3]: "x/[ab" has an unclosed "["',
      'stagecoach.yaml:6:50: files[4]: "#c" starts with "#", which minimatch reads as a comment; write \\# for a literal #',
    ]);
    expect(problems(twoStages('files: ["!**/secrets/**"]\n'))).toEqual([
      'stagecoach.yaml:6:8: files: every glob starts with "!", so no file is read; add one such as **/*.yaml',
    ]);
    expect(problems(twoStages('files: []\n'))[0]).toMatch(/^stagecoach\.yaml:6:8: files: expected at least one glob/);
  });
});
