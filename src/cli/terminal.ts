// What the CLI does differently on a terminal: colour for the marks renderers set (behind, drift, failed, downgrade),
// and a progress line on stderr for work that takes over a second. Neither in pipes, files or CI logs.
import { styleText } from 'node:util';
import type { Phase } from '../engine/plan.js';
import { quoteControl, type Mark } from '../core/report/terminal-text.js';

/** NO_COLOR (no-color.org) wins; FORCE_COLOR (0 or false: off) next; else colour on a terminal that is not "dumb". */
export function wantsColour(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR.toLowerCase());
  return isTTY && env.TERM !== 'dumb';
}

const STYLES: Record<Mark, Parameters<typeof styleText>[0]> = {
  behind: 'yellow',
  drift: ['red', 'bold'],
  failed: ['red', 'bold'],
  downgrade: ['magenta', 'bold'],
  passed: 'green',
};

/** Colour for a mark; node's own styleText, told not to second-guess the stream (we decided above). */
export function paint(kind: Mark, text: string): string {
  return (styleText as (format: unknown, text: string, options?: { validateStream?: boolean }) => string)(
    STYLES[kind],
    text,
    { validateStream: false },
  );
}

export interface Progress {
  phase(phase: Phase, detail: string): void;
  /** Clears the line before anything else is printed. */
  clear(): void;
  /** A gate's output, shown live: the progress line steps aside, and waits while a line is half written. */
  output(text: string): void;
  /** Stops the timer; nothing is drawn after. */
  stop(): void;
}

const VERBS: Record<Phase, string> = {
  config: 'reading the config',
  scan: 'scanning',
  plan: 'planning',
  gates: 'gate',
  publish: 'publishing',
};

/** A line redrawn every quarter second once a phase has run for a second; nothing at all when `enabled` is false. */
export function createProgress(
  write: (text: string) => void,
  enabled: boolean,
  options: { delayMs?: number; intervalMs?: number; now?: () => number } = {},
): Progress {
  const delayMs = options.delayMs ?? 1000;
  const now = options.now ?? (() => Date.now());
  let label = '';
  let started = now();
  let drawn = false;
  let held = false;
  let current: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const clear = () => {
    if (drawn) write('\r\u001b[2K');
    drawn = false;
  };
  const draw = () => {
    const elapsed = now() - started;
    if (!label || held || elapsed < delayMs) return;
    write(`\r\u001b[2K${label} ${Math.floor(elapsed / 1000)} s…`);
    drawn = true;
  };
  return {
    phase(phase, detail) {
      if (!enabled) return;
      const what = quoteControl(detail);
      // A scan told again (more files found) keeps its clock; anything else starts its own.
      const key = phase === 'scan' ? phase : `${phase} ${detail}`;
      if (key !== current) started = now();
      current = key;
      label = phase === 'gates' ? `${VERBS.gates} ${what} running` : `${VERBS[phase]} ${what}`;
      if (!timer) {
        timer = setInterval(draw, options.intervalMs ?? 250);
        timer.unref();
      }
    },
    clear,
    output(text) {
      clear();
      write(text);
      held = !text.endsWith('\n');
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      clear();
      label = '';
      current = undefined;
    },
  };
}
