// JSON outputs within GitHub's limits: a value too large for a step output keeps its scalars and the first items of
// each list, and says what was cut and where the whole value is.

/** GitHub allows 1 MB per output and per job's outputs in all: each of ours stays well below. */
export const OUTPUT_LIMIT = 256 * 1024;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** `value` as compact JSON; over `limit` bytes, its top-level lists are halved until it fits, with a `cut` record. */
export function fitJson(value: object, file: string, limit = OUTPUT_LIMIT): string {
  const whole = JSON.stringify(value);
  if (bytes(whole) <= limit) return whole;
  const entries = Object.entries(value as Record<string, unknown>);
  const lists = entries.filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]));
  const kept = new Map(lists.map(([key, list]) => [key, list.length]));
  const render = () => {
    const cut = Object.fromEntries(
      lists.filter(([key, list]) => (kept.get(key) as number) < list.length).map(([key, list]) => [key, list.length]),
    );
    const shown = entries.map(([key, item]) =>
      Array.isArray(item) ? [key, item.slice(0, kept.get(key))] : [key, item],
    );
    return JSON.stringify({ ...Object.fromEntries(shown), cut: { ...cut, file } });
  };
  let text = render();
  while (bytes(text) > limit) {
    const largest = [...kept].sort((a, b) => b[1] - a[1])[0];
    if (!largest || largest[1] === 0) return JSON.stringify({ cut: { file } });
    kept.set(largest[0], Math.floor(largest[1] / 2));
    text = render();
  }
  return text;
}
