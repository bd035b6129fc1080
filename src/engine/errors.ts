// Errors the entries turn into exit codes and messages: a user's mistake (2) or a promotion refused or failed (1).

/** Wrong flags, inputs or config: exit 2, nothing written. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The promotion was refused or could not be completed: exit 1. */
export class PromotionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromotionError';
  }
}

/** Names of errors that are the user's to fix (exit 2): bad flags, config, paths, image references. */
const USER_ERRORS = new Set([
  'UsageError',
  'ConfigError',
  'OutsideRepoError',
  'ImageReferenceError',
  'MissingFolderError',
  'DockerConfigError',
  'RevisionError',
]);
/** Failures with a message already written for the user (exit 1). */
const KNOWN_FAILURES = new Set(['PromotionError', 'GitError', 'RegistryError', 'GitHubError']);

/** Turns anything thrown (not only Error) into an exit code and one clear paragraph; the stack only when asked. */
export function describeError(error: unknown, debug = false): { exitCode: 1 | 2; message: string } {
  if (!(error instanceof Error)) {
    return {
      exitCode: 1,
      message: `Stagecoach failed: ${typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error))}`,
    };
  }
  const known = USER_ERRORS.has(error.name) || KNOWN_FAILURES.has(error.name);
  const exitCode = USER_ERRORS.has(error.name) ? 2 : 1;
  const message = known
    ? error.message
    : `Stagecoach failed unexpectedly: ${error.message}${debug ? '' : ' (run with --debug for details)'}`;
  return { exitCode, message: debug && error.stack ? `${message}\n${error.stack}` : message };
}
