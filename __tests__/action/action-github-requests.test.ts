// The PR step's GitHub API requests do not grow with the promotion: the same count for 1, 10 and 1,000 changed files.
import { measureRequestCounts, renderRequestCounts } from '../../scripts/bench-requests.js';

test('a new PR, a rerun and an update make as many requests for 1, 10 and 1,000 changed files (≤ 9 new, ≤ 4 rerun; ≤ 8 for a whole new PR without a checkout)', async () => {
  const counts = await measureRequestCounts();
  expect(counts.map((row) => row.files)).toEqual([1, 10, 1000]);
  for (const phase of ['created', 'rerun', 'updated'] as const) {
    expect(new Set(counts.map((row) => row[phase])).size).toBe(1);
  }
  // snapshot, tree, commit, branch, PR, then labels, assignees, reviewers and auto-merge in a call each (issue 9).
  expect(counts[0].created).toBeLessThanOrEqual(9);
  // Without a checkout: one query for the base and the config file, the tree, one for the PR state and the stages'
  // files, then tree, commit, branch, PR and labels (issue 9: was 10). The stages' reads grow by one per 100 files.
  expect(counts[0].apiReads).toBeLessThanOrEqual(8);
  expect(counts[1].apiReads).toBe(counts[0].apiReads);
  expect(counts[0].rerun).toBeLessThanOrEqual(4);
  expect(counts[0].updated).toBeGreaterThan(counts[0].rerun);
  expect(renderRequestCounts(counts)).toMatch(/^ {8}1,000 +\d+ +\d+ +\d+ +\d+$/m);
}, 180_000);
