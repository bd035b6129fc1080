// The one error a bad config file (or bad --stage flags) ends in: every problem, each at its file:line:col.
import { StagecoachError } from '../errors.js';
import type { Finding } from '../image-reference.js';

/** How many problems the message shows: enough to fix in one pass, never a wall of text (issue 9). */
export const SHOWN_PROBLEMS = 50;

/** Every problem found, in file order, on `problems`; the message shows the first SHOWN_PROBLEMS and counts the rest. */
export class ConfigError extends StagecoachError {
  readonly kind = 'usage';
  constructor(readonly problems: Finding[]) {
    const rest = problems.length - SHOWN_PROBLEMS;
    super(
      `Invalid pipeline configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        formatProblems(problems.slice(0, SHOWN_PROBLEMS)) +
        (rest > 0 ? `\n… and ${rest} more problem${rest === 1 ? '' : 's'} (fix these first)` : ''),
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
