// "Did you mean": the closest known word to a misspelt key, value or stage name.

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate when it is plausibly a typo: same letters ignoring case, `-` and `_`, or a few edits away. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const same = candidates.find((c) => squash(c) === squash(word));
  if (same) return same;
  const extended = candidates.find((c) => c.length >= 3 && squash(word).startsWith(squash(c)));
  if (extended) return extended;
  // A name cut short (`prod` for `production`).
  const completed = squash(word).length >= 3 ? candidates.find((c) => squash(c).startsWith(squash(word))) : undefined;
  if (completed) return completed;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const limit = Math.max(1, Math.floor(candidate.length / 3));
    // The distance is at least the difference in length: skipping keeps a hostile, huge word cheap.
    if (Math.abs(squash(word).length - squash(candidate).length) > limit) continue;
    const d = distance(squash(word), squash(candidate));
    if (d < bestDistance && d <= limit) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean "x"?` for a close candidate, else nothing: appended to a message. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const close = suggest(word, candidates);
  return close ? `; did you mean "${close}"?` : '';
}
