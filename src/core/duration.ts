// Durations as written in stagecoach.yaml (`90s`, `5m`, `1h30m`, `2d`), counted in whole seconds.

const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
const WHOLE = /^(?:[0-9]+[wdhms])+$/;
const PART = /([0-9]+)([wdhms])/g;
const EXPECTED = 'expected a duration such as 90s, 30m, 1h30m or 2d (units w, d, h, m, s)';

/** Seconds in `text`; throws an Error naming the expected form. `0` alone is allowed; units may repeat and add up. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (!WHOLE.test(trimmed)) {
    const hint = /^[0-9]+$/.test(trimmed)
      ? `; add a unit, e.g. ${trimmed}s`
      : /[0-9](?:ms|us|µs|ns)/.test(trimmed) || /\./.test(trimmed)
        ? '; durations count whole seconds'
        : /[WDHMS]/.test(trimmed) && WHOLE.test(trimmed.toLowerCase())
          ? '; units are lower case'
          : '';
    throw new Error(`${EXPECTED}, got ${JSON.stringify(text)}${hint}`);
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) seconds += Number(amount) * UNIT_SECONDS[unit];
  if (!Number.isSafeInteger(seconds)) throw new Error(`${EXPECTED}, got ${JSON.stringify(text)}; it is too long`);
  return seconds;
}

/** The shortest form parseDuration reads back to the same (rounded) number of seconds: 5400 → `1h30m`, 0 → `0s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds))
    throw new RangeError(`formatDuration: expected a finite number of seconds, got ${seconds}`);
  let rest = Math.round(Math.abs(seconds));
  if (rest === 0) return '0s';
  let out = seconds < 0 ? '-' : '';
  // Weeks are left out on purpose: `14d` reads better than `2w` in a PR body.
  for (const unit of ['d', 'h', 'm', 's']) {
    const size = UNIT_SECONDS[unit];
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
