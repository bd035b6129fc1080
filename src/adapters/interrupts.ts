// SIGINT/SIGTERM (Ctrl-C, a cancelled job) and broken output streams: stop what runs, undo what is half done, then exit.
// Adapters register an undo for as long as it is needed (a gate's process group, a scratch copy, the repository lock);
// the entries (src/cli/index.ts, src/action/index.ts) install the handlers.
import { StagecoachError } from '../core/errors.js';

type Cleanup = () => void | Promise<void>;

/** 128 + the signal's number, as shells report a process a signal ended. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

const cleanups: Cleanup[] = [];
let critical = 0;
let drained: (() => void) | undefined;
let interrupted: string | undefined;

/** Work refused because the process is shutting down. */
export class InterruptedError extends StagecoachError {
  readonly kind = 'failure';
  constructor(reason: string) {
    super(`${reason}: stopped before anything more was written`);
  }
}

/** Registers `cleanup` to run if the process is stopped; call the returned function once it is no longer needed. */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.lastIndexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

/** Why the process is shutting down, once it is. */
export function interruption(): string | undefined {
  return interrupted;
}

/** Runs `work` to its end even when a signal arrives meanwhile (an all-or-nothing write is never cut in half); refuses to
 *  start once the process is shutting down. */
export async function uninterruptible<T>(work: () => Promise<T> | T): Promise<T> {
  if (interrupted) throw new InterruptedError(interrupted);
  critical += 1;
  try {
    return await work();
  } finally {
    critical -= 1;
    if (critical === 0) drained?.();
  }
}

/** Marks the process as shutting down, waits for uninterruptible work, then runs every cleanup, newest first (a gate's
 *  process group before the scratch copy it runs in, the lock last). A failing cleanup does not stop the others. */
export async function shutDown(reason: string): Promise<void> {
  interrupted ??= reason;
  if (critical > 0) await new Promise<void>((resolve) => (drained = resolve));
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch {
      // Best effort: what is left behind is named by its own owner (a stale lock names its dead holder).
    }
  }
}

export interface InterruptHandlers {
  exit(code: number): void;
  /** One line for the user (stderr). */
  report(message: string): void;
  /** Exit even if a cleanup hangs (default 15 s: a gate's group gets SIGTERM, then SIGKILL after 3 s). */
  deadlineMs?: number;
}

/** Cleans up and exits with `code`; a second call (a second Ctrl-C) exits at once. */
export function exitAfterCleanup(handlers: InterruptHandlers, code: number, reason: string): void {
  if (interrupted) {
    handlers.exit(code);
    return;
  }
  const deadline = setTimeout(() => handlers.exit(code), handlers.deadlineMs ?? 15_000);
  void shutDown(reason).finally(() => {
    clearTimeout(deadline);
    handlers.exit(code);
  });
}

/** Installs SIGINT and SIGTERM handlers: stop the running gate, remove what is half done, exit 130 or 143. */
export function handleInterrupts(handlers: InterruptHandlers): () => void {
  const listener = (signal: HandledSignal) => {
    if (!interrupted) handlers.report(`interrupted by ${signal}; stopping and cleaning up`);
    exitAfterCleanup(handlers, SIGNAL_EXIT_CODES[signal], `interrupted by ${signal}`);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

/** 128 + SIGPIPE: what a shell reports for git (or any C program) whose reader went away (`stagecoach status | head`). */
export const BROKEN_PIPE_EXIT_CODE = 141;

/**
 * Errors on stdout end the process without a stack trace: a closed pipe quietly (as git), anything else (a full disk)
 * with one line on stderr and exit 1. Errors on stderr itself have nowhere to be reported.
 */
export function handleOutputErrors(handlers: InterruptHandlers): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      exitAfterCleanup(handlers, BROKEN_PIPE_EXIT_CODE, 'the output was closed');
      return;
    }
    if (!interrupted) handlers.report(`cannot write the output: ${error.message}`);
    exitAfterCleanup(handlers, 1, 'the output cannot be written');
  });
  process.stderr.on('error', () => exitAfterCleanup(handlers, 1, 'the error output cannot be written'));
}
