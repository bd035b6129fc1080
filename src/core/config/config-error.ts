// The one error a bad config file (or bad --stage flags) ends in: every problem, each at its file:line:col.
import { StagecoachError } from '../errors.js';
import type { Finding } from '../image-reference.js';

/** Every problem found, in file order. The message lists them all, one `file:line:col: ...` per line. */
export class ConfigError extends StagecoachError {
  readonly kind = 'usage';
  constructor(readonly problems: Finding[]) {
    super(
      `Invalid pipeline configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        formatProblems(problems),
    );
  }
}

/** One line per problem: `file:line:col: message`; line 0 stands for the whole file (or the command line). */
export function formatProblems(problems: Finding[]): string {
  return problems
    .map(
      (p) => `${p.file}${p.line > 0 ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : ''}: ${p.message}`,
    )
    .join('\n');
}
