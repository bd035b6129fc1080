// The adversarial suite's verdicts: each input ends clean, with wrongly changed bytes, in a hang or in a stack trace
// (an internal error: a Node stack, or "failed unexpectedly"). Counts are printed once per suite for the note.
export type Verdict = 'clean' | 'wrongly changed bytes' | 'hang' | 'stack trace';

/** Longer than any input here should take by orders of magnitude (they take milliseconds to a second). */
export const HANG_MS = 20_000;

const STACK = /^\s+at .+(?::\d+:\d+\)?|\(native\))$|node:internal|failed unexpectedly|Maximum call stack/m;

export function looksLikeStack(output: string): boolean {
  return STACK.test(output);
}

export class Tally {
  private readonly counts: Record<Verdict, number> = {
    clean: 0,
    'wrongly changed bytes': 0,
    hang: 0,
    'stack trace': 0,
  };
  readonly failures: string[] = [];

  constructor(readonly name: string) {}

  record(verdict: Verdict, input: string, detail = ''): void {
    this.counts[verdict]++;
    if (verdict !== 'clean') this.failures.push(`${verdict}: ${JSON.stringify(input)} ${detail}`);
  }

  get inputs(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  summary(): string {
    const c = this.counts;
    return `${this.name}: ${this.inputs} inputs, ${c.clean} clean, ${c['wrongly changed bytes']} wrongly changed bytes, ${c.hang} hangs, ${c['stack trace']} stack traces`;
  }
}

/**
 * Whether `after` differs from `before` only by versions: on a line the plan names, one version replaced by its new
 * one (the whole `tag@digest`, or its tag or digest part), a value added after an empty key, or a new `key: version`
 * line inserted (a tag or digest the entry lacked).
 */
export function onlyVersionsChanged(
  before: string,
  after: string,
  changes: { line: number; old: string; new: string }[],
): boolean {
  const a = before.split('\n');
  const b = after.split('\n');
  const parts = changes.flatMap((change) => [change.new, ...change.new.split('@')].filter(Boolean));
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    const planned = changes.filter((change) => change.line === i + 1 || change.line === i);
    if (i < a.length && j < b.length && planned.some((change) => replacesVersion(a[i], b[j], change.old, change.new))) {
      i++;
      j++;
      continue;
    }
    const inserted = j < b.length && /^\s*[\w.-]+: /.test(b[j]) && parts.some((part) => b[j].includes(part));
    if (inserted && changes.some((change) => change.line <= i + 1)) {
      j++;
      continue;
    }
    return false;
  }
  return true;
}

function replacesVersion(before: string, after: string, old: string, next: string): boolean {
  const [oldTag, oldDigest] = old.split('@');
  const [newTag, newDigest] = next.split('@');
  const pairs: [string, string][] = [
    [old, next],
    [oldTag, newTag],
  ];
  if (oldDigest && newDigest) pairs.push([oldDigest, newDigest]);
  for (const [from, to] of pairs) {
    if (!from) {
      // an empty value filled in: `key:` → `key: version`
      if (
        to &&
        [`${before} ${to}`, `${before}${to}`].some((text) => text.replace(/"/g, '') === after.replace(/"/g, ''))
      )
        return true;
      continue;
    }
    for (let at = before.indexOf(from); at !== -1; at = before.indexOf(from, at + 1)) {
      if (before.slice(0, at) + to + before.slice(at + from.length) === after) return true;
    }
  }
  return false;
}
