// The job summary: the outcome first, the plan with its totals, the rest; never over GitHub's 1 MiB.
import type { GateResult } from '../../../src/core/gate-result.js';
import type { Plan } from '../../../src/core/plan-types.js';
import {
  fitSummary,
  planTotals,
  renderPlanSummary,
  renderStatusSummary,
  SUMMARY_LIMIT,
} from '../../../src/core/report/job-summary.js';
import { fitJson } from '../../../src/core/report/json-output.js';
import type { StatusBoard } from '../../../src/core/status.js';
import { makePlan } from '../../engine/publish-fixtures.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function bigPlan(count: number): Plan {
  return makePlan(
    'dev',
    'staging',
    Array.from({ length: count }, (_, index) => ({
      file: `staging/apps/svc-${index}/deployment.yaml`,
      line: 24,
      image: `ghcr.io/acme/svc-${index}`,
      old: '1.0.0',
      new: '1.0.1',
      workload: `Deployment/svc-${index}`,
    })),
  );
}

const failedGate: GateResult = {
  gate: 'commands',
  name: 'render',
  passed: false,
  durationMs: 4200,
  details: ['command "render" failed with exit code 1'],
  output: 'rendering...\nError: unknown field "replicas"',
};
const passedGate: GateResult = { gate: 'registry', name: 'registry', passed: true, durationMs: 80, details: ['ok'] };

describe('the job summary', () => {
  test.each([
    [bigPlan(1), '1 change in 1 file (1 image)'],
    [bigPlan(6), '6 changes in 6 files (6 images)'],
    [
      makePlan('dev', 'staging', [
        { file: 'a.yaml', image: 'ghcr.io/acme/a', old: '2', new: '1', downgrade: true },
        { file: 'a.yaml', line: 9, image: 'ghcr.io/acme/b', old: '1', new: '2' },
      ]),
      '2 changes in 1 file (2 images, 1 downgrade)',
    ],
  ])('totals: %#', (plan, totals) => expect(planTotals(plan)).toBe(totals));

  test('a failed gate comes first, as an alert with its output expanded; then the plan; then the gates table', () => {
    const markdown = renderPlanSummary(bigPlan(2), {
      heading: 'Promotion stopped by a gate',
      gates: [passedGate, failedGate],
    });
    const order = [
      '## ❌ Promotion stopped by a gate',
      '> [!CAUTION]',
      '<details open>',
      'Error: unknown field',
      '**2 changes',
      '### Gates',
    ];
    const positions = order.map((text) => markdown.indexOf(text));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(markdown).toContain(
      '> **The command gate `render` failed**: command "render" failed with exit code 1.\n>\n> It holds back `ghcr.io/acme/svc-0 1.0.1`, `ghcr.io/acme/svc-1 1.0.1`.',
    );
    // The failure's output is shown once, expanded; not again collapsed under the table.
    expect(markdown.match(/Error: unknown field/g)).toHaveLength(1);
  });

  test('names the pull request and what happened to it', () => {
    const markdown = renderPlanSummary(bigPlan(1), {
      heading: 'Promotion unchanged',
      pullRequest: { url: 'https://github.com/acme/config/pull/7', operation: 'unchanged' },
    });
    expect(markdown).toContain('\nPull request (unchanged): https://github.com/acme/config/pull/7\n');
  });

  test('leaves out the source stage skipped files', () => {
    const plan = {
      ...bigPlan(1),
      skipped: [
        { file: 'dev/chart/templates/a.yaml', line: 1, reason: 'template', fromSource: true as const },
        { file: 'staging/chart/templates/a.yaml', line: 1, reason: 'template' },
      ],
    };
    const markdown = renderPlanSummary(plan);
    expect(markdown).toContain('staging/chart/templates/a.yaml');
    expect(markdown).not.toContain('dev/chart');
  });

  test('stays below 1 MiB at 10,000 changes with a note on what was cut; the lists come after, cut too', () => {
    const plan = {
      ...bigPlan(10_000),
      warnings: Array.from({ length: 5000 }, (_, line) => ({ file: 'w.yaml', line, message: 'x'.repeat(40) })),
    };
    const markdown = renderPlanSummary(plan, { planFile: 'plan-file', gates: [failedGate] });
    expect(bytes(markdown)).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(markdown).toMatch(
      /_[\d,]+ more changes not shown: a job summary holds at most 1 MiB\. The step's `plan-file` output/,
    );
    expect(markdown).toContain('the list was cut to fit the summary');
    expect(markdown).toContain('> [!CAUTION]');
    // The small limit of a test cuts the same way.
    const small = renderPlanSummary(bigPlan(100), { limit: 5_000 });
    expect(bytes(small)).toBeLessThanOrEqual(5_000);
    expect(small).toMatch(/more changes not shown/);
  });

  test('the status board is cut below the limit too', () => {
    const stages = ['dev', 'staging', 'production'];
    const board: StatusBoard = {
      stages,
      rows: Array.from({ length: 20_000 }, (_, index) => ({
        image: `ghcr.io/acme/service-with-a-long-name-${index}`,
        cells: Object.fromEntries(stages.map((stage) => [stage, { versions: ['1.0.0'], state: 'behind' as const }])),
      })),
      behind: 20_000,
      drift: 0,
    } as unknown as StatusBoard;
    const markdown = renderStatusSummary(board);
    expect(bytes(markdown)).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(markdown).toContain('the table was cut to fit the summary');
  });
});

test('any summary is cut below the limit with a note naming the output', () => {
  const long = `## Stagecoach verify\n\n${'| a | b |\n'.repeat(200_000)}`;
  const fitted = fitSummary(long, 'verify-file');
  expect(bytes(fitted)).toBeLessThanOrEqual(SUMMARY_LIMIT);
  expect(fitted).toContain('the `verify-file` output holds all');
  expect(fitSummary('small\n', 'verify-file')).toBe('small\n');
});

describe('JSON outputs', () => {
  test('a small value is its compact JSON', () => {
    expect(fitJson({ a: [1, 2], b: 'x' }, '/tmp/p.json')).toBe('{"a":[1,2],"b":"x"}');
  });

  test('a large value keeps its scalars and the first items, and says what was cut and where the whole is', () => {
    const plan = bigPlan(10_000);
    const text = fitJson(plan, '/runner/temp/plan.json', 64 * 1024);
    expect(bytes(text)).toBeLessThanOrEqual(64 * 1024);
    const value = JSON.parse(text) as Plan & { cut: Record<string, unknown> };
    expect(value.from).toBe('dev');
    expect(value.changes.length).toBeGreaterThan(0);
    expect(value.changes[0]).toEqual(plan.changes[0]);
    expect(value.cut).toEqual({ changes: 10_000, images: 10_000, file: '/runner/temp/plan.json' });
  });
});
