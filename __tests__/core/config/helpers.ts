// Shared by the config tests: the fixtures and the formatted problems of a config text or of --stage flags.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatProblems, parseConfig, stagesFromFlags } from '../../../src/core/config/index.js';

export const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'config');
export const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

/** The formatted problems parseConfig reports for `text` (fails the test if it parses). */
export function problems(text: string, file = 'stagecoach.yaml'): string[] {
  try {
    parseConfig(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return formatProblems((error as ConfigError).problems).split('\n');
  }
  throw new Error(`expected problems in:\n${text}`);
}

export function flagProblems(flags: string[]): string[] {
  try {
    stagesFromFlags(flags);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return formatProblems((error as ConfigError).problems).split('\n');
  }
  throw new Error(`expected problems in ${flags.join(' ')}`);
}

export const twoStages = (extra = '') =>
  `stages:\n  - name: dev\n    path: envs/dev\n  - name: prod\n    path: envs/prod\n${extra}`;
