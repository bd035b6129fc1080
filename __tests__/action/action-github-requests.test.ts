// The PR step's GitHub API requests do not grow with the promotion: the same count for 1, 10 and 1,000 changed files.
import { measureRequestCounts, renderRequestCounts } from '../../scripts/bench-requests.js';

test('a new PR, a rerun and an update make as many requests for 1, 10 and 1,000 changed files (≤ 8 new, ≤ 4 rerun)', async () => {
  const counts = await measureRequestCounts();
  expect(counts.map((row) => row.files)).toEqual([1, 10, 1000]);
  for (const phase of ['created', 'rerun', 'updated'] as const) {
    expect(new Set(counts.map((row) => row[phase])).size).toBe(1);
  }
  expect(counts[0].created).toBeLessThanOrEqual(8);
  expect(counts[0].rerun).toBeLessThanOrEqual(4);
  expect(counts[0].updated).toBeGreaterThan(counts[0].rerun);
  expect(renderRequestCounts(counts)).toMatch(/^ {8}1,000 +\d+ +\d+ +\d+$/m);
}, 180_000);
