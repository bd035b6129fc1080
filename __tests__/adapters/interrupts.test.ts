// The process-wide shutdown (what a SIGINT/SIGTERM runs): its own test file, since it cannot be undone in a process.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCommands } from '../../src/adapters/commands.js';
import { InterruptedError, onInterrupt, shutDown, uninterruptible } from '../../src/adapters/interrupts.js';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

test('shutDown waits for uninterruptible work, stops running commands, runs cleanups newest first, then refuses work', async () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'stagecoach-interrupts-'));
  const commands = createCommands({ killGraceMs: 300 });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const order: string[] = [];
  const forgotten = onInterrupt(() => void order.push('never: unregistered'));
  forgotten();
  onInterrupt(() => void order.push('lock'));
  onInterrupt(() => void order.push('scratch copy'));
  const run = commands.run('sleep 300 & echo $! > pid; wait', { cwd, env, timeoutMs: 60_000 });
  while (!existsSync(path.join(cwd, 'pid')) || readFileSync(path.join(cwd, 'pid'), 'utf8') === '') await sleep(20);
  const sleeper = Number(readFileSync(path.join(cwd, 'pid'), 'utf8'));
  const write = uninterruptible(async () => {
    await sleep(300);
    order.push('write finished');
  });
  await shutDown('interrupted by SIGTERM');
  order.push('shut down');
  await write;
  expect(order).toEqual(['write finished', 'scratch copy', 'lock', 'shut down']);
  expect(await run).toMatchObject({ timedOut: false, signal: 'SIGTERM' });
  expect(running(sleeper)).toBe(false);
  await expect(commands.run('true', { cwd, env, timeoutMs: 1000 })).rejects.toThrow(InterruptedError);
  await expect(uninterruptible(() => 'late')).rejects.toThrow(
    'interrupted by SIGTERM: stopped before anything more was written',
  );
});
