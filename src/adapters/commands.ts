// Runs one gate command from stagecoach.yaml in its own process group, with a bounded output tail and a hard timeout.
// The `run` text is the repo owner's own, like a workflow's `run:` (handed to `/bin/sh -c` as one argument); plan
// values reach the command only through the environment, never through this string.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { interruption, InterruptedError, onInterrupt } from './interrupts.js';

export interface CommandRun {
  /** Exit code of the shell, or null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Combined stdout+stderr in arrival order; only the last OUTPUT_TAIL_CHARS are kept. */
  output: string;
}

export interface Commands {
  /** Resolves once the command and everything it left running in its process group are gone. When the process is
   *  interrupted (SIGINT/SIGTERM) the group is stopped; once it is, no command starts (InterruptedError). */
  run(command: string, options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<CommandRun>;
}

/** The command could not be started at all (missing working folder, invalid environment value). */
export class CommandStartError extends Error {
  constructor(
    command: string,
    readonly reason: string,
  ) {
    super(`cannot run "${command}": ${reason}`);
    this.name = 'CommandStartError';
  }
}

export const OUTPUT_TAIL_CHARS = 64 * 1024;
const DEFAULT_KILL_GRACE_MS = 3000;
/** After SIGKILL a group dies at once; this only bounds the wait when something outside our control holds it. */
const AFTER_KILL_WAIT_MS = 1000;
const POLL_MS = 25;
/** setTimeout fires at once for delays above 2^31-1 ms (Node docs, timers), so longer limits are clamped. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `echo` gets a command's output as it arrives (the CLI shows it live on a terminal); the tail is kept either way. */
export function createCommands(options: { killGraceMs?: number; echo?: (text: string) => void } = {}): Commands {
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  return {
    run: (command, runOptions) => runCommand(command, runOptions, graceMs, options.echo),
  };
}

type Shell = ChildProcessByStdio<null, Readable, Readable>;

function runCommand(
  command: string,
  { cwd, env, timeoutMs }: { cwd: string; env: Record<string, string>; timeoutMs: number },
  graceMs: number,
  echo?: (text: string) => void,
): Promise<CommandRun> {
  const refused = refusal(command, cwd, env, timeoutMs);
  if (refused) return Promise.reject(refused);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let child: Shell;
    try {
      // One pipe for stdout and stderr keeps their lines in the order written; `command` stays an argument ($1),
      // never spliced into the fixed script. detached: the shell leads a new process group, so a timeout can stop
      // everything it forked with kill(-pgid).
      child = spawn('/bin/sh', ['-c', 'exec /bin/sh -c "$1" 2>&1', 'stagecoach', command], {
        cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(new CommandStartError(command, (error as Error).message));
      return;
    }
    supervise(child, { command, timeoutMs, graceMs, started, echo }, resolve, reject);
  });
}

/** Why a command is not started at all (a bad timeout, an interruption, a missing folder, a bad environment). */
function refusal(command: string, cwd: string, env: Record<string, string>, timeoutMs: number): Error | undefined {
  if (!(timeoutMs > 0)) return new RangeError(`timeoutMs must be above zero, got ${timeoutMs}`);
  const stopping = interruption();
  if (stopping) return new InterruptedError(stopping);
  const problem = folderProblem(cwd);
  if (problem) return new CommandStartError(command, `working folder ${cwd} ${problem}`);
  const badEnv = environmentProblem(env);
  if (badEnv) return new CommandStartError(command, badEnv);
  return undefined;
}

/** Keeps the tail of the shell's output (echoed as it arrives); the returned function flushes and reads it. */
function captureOutput(child: Shell, echo?: (text: string) => void): () => string {
  const tail = new OutputTail(OUTPUT_TAIL_CHARS);
  const decoders = [new StringDecoder('utf8'), new StringDecoder('utf8')];
  const take = (text: string) => {
    tail.push(text);
    if (text) echo?.(text);
  };
  child.stdout.on('data', (chunk: Buffer) => take(decoders[0].write(chunk)));
  child.stderr.on('data', (chunk: Buffer) => take(decoders[1].write(chunk)));
  return () => {
    tail.push(decoders[0].end() + decoders[1].end());
    return tail.text();
  };
}

/** Watches a started shell: the timeout and interruptions stop its group; it settles once the group is gone. */
function supervise(
  child: Shell,
  run: { command: string; timeoutMs: number; graceMs: number; started: number; echo?: (text: string) => void },
  resolve: (result: CommandRun) => void,
  reject: (error: Error) => void,
): void {
  const output = captureOutput(child, run.echo);
  const closed = new Promise<void>((done) => child.once('close', () => done()));

  let timedOut = false;
  let stopping: Promise<void> | undefined;
  const stop = (pid: number) => (stopping ??= stopGroup(pid, run.graceMs));
  // The group is detached (a Ctrl-C on the terminal does not reach it): stop it ourselves when we are stopped.
  const forget = onInterrupt(() => (child.pid === undefined ? undefined : stop(child.pid)));
  const timer =
    run.timeoutMs === Infinity
      ? undefined
      : setTimeout(
          () => {
            timedOut = true;
            if (child.pid !== undefined) void stop(child.pid);
          },
          Math.min(run.timeoutMs, MAX_TIMER_MS),
        );

  child.once('error', (error) => {
    clearTimeout(timer);
    if (child.pid === undefined) {
      forget();
      reject(new CommandStartError(run.command, error.message));
    }
  });
  child.once('exit', (code, signal) => {
    clearTimeout(timer);
    const pid = child.pid;
    if (pid === undefined) return;
    void (async () => {
      // Background jobs outlive the shell otherwise; like the Actions runner, stop whatever the step left behind.
      await stop(pid);
      // A process that left our group (setsid) may still hold the pipes; do not wait on it forever.
      const late = await Promise.race([closed.then(() => false), sleep(AFTER_KILL_WAIT_MS, true, { ref: false })]);
      if (late) {
        child.stdout.destroy();
        child.stderr.destroy();
      }
      const text = output();
      forget();
      resolve({
        exitCode: code,
        signal,
        timedOut,
        durationMs: Math.round(performance.now() - run.started),
        output: text,
      });
    })();
  });
}

function folderProblem(cwd: string): string | undefined {
  try {
    return statSync(cwd).isDirectory() ? undefined : 'is not a folder';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (error as Error).message;
  }
}

/** execve cannot carry these; names the variable but never echoes its value, which may be a declared secret. */
function environmentProblem(env: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(env)) {
    if (name === '' || /[\0=]/.test(name))
      return `environment variable name ${JSON.stringify(name)} is empty or holds "=" or a NUL byte`;
    if (value.includes('\0'))
      return `environment variable ${name} holds a NUL byte, which a process environment cannot carry`;
  }
  return undefined;
}

/** SIGTERM to the whole group, SIGKILL after the grace period; resolves when no member is left running. */
async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM') || (await groupGone(pgid, graceMs))) return;
  if (signalGroup(pgid, 'SIGKILL')) await groupGone(pgid, AFTER_KILL_WAIT_MS);
}

async function groupGone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    if (!groupRunning(pgid)) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** False when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * kill(-pgid, 0) also succeeds for zombies, and a PID 1 that never reaps orphans (containers without an init,
 * `docker run` without --init) keeps them forever; on Linux, /proc tells whether a member is still running.
 */
function groupRunning(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Format (proc(5)): pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** Keeps the last `limit` characters of everything pushed, never more in memory. */
class OutputTail {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(text: string): void {
    if (text.length === 0) return;
    this.chunks.push(text.length > this.limit ? text.slice(-this.limit) : text);
    this.size += Math.min(text.length, this.limit);
    while (this.size - this.chunks[0].length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    let text = this.chunks.join('');
    if (text.length > this.limit) text = text.slice(-this.limit);
    // Do not start on the second half of a surrogate pair cut by the slice.
    return /^[\uDC00-\uDFFF]/.test(text) ? text.slice(1) : text;
  }
}
