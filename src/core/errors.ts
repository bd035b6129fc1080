// Errors carry their meaning in their type (as Kargo's TerminalError and eemeli/yaml's YAMLError do): a `usage` error is
// the user's to fix (exit 2, nothing written), a `failure` is a promotion refused or a service that failed (exit 1).
// Anything else that reaches an entry is a bug, reported with the entry's own hint on how to see the stack.

export type ErrorKind = 'usage' | 'failure';

/** The base of every error Stagecoach writes for the user: its message is the whole explanation. */
export abstract class StagecoachError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong flags, inputs or config: exit 2, nothing written. */
export class UsageError extends StagecoachError {
  readonly kind = 'usage';
}

/** The promotion was refused or could not be completed: exit 1. */
export class PromotionError extends StagecoachError {
  readonly kind = 'failure';
}

export const EXIT_CODES: Record<ErrorKind, 1 | 2> = { usage: 2, failure: 1 };

export interface DescribeOptions {
  /** Print the stack as well (the CLI's --debug, the action's RUNNER_DEBUG). */
  debug?: boolean;
  /** How this entry shows more: "run with --debug for details" (CLI), "re-run the job with debug logging" (action). */
  debugHint: string;
}

/** Turns anything thrown (not only Error) into an exit code and one clear paragraph; the stack only when asked. */
export function describeError(error: unknown, options: DescribeOptions): { exitCode: 1 | 2; message: string } {
  if (!(error instanceof Error)) {
    return {
      exitCode: 1,
      message: `Stagecoach failed: ${typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error))}`,
    };
  }
  const known = error instanceof StagecoachError;
  const exitCode = known ? EXIT_CODES[error.kind] : 1;
  const message = known
    ? error.message
    : `Stagecoach failed unexpectedly: ${error.message}${options.debug ? '' : ` (${options.debugHint})`}`;
  return { exitCode, message: options.debug && error.stack ? `${message}\n${error.stack}` : message };
}
