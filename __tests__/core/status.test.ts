import { buildStatus } from '../../src/core/status.js';
import { renderStatusText } from '../../src/core/report/status-text.js';
import { renderMarks } from '../../src/core/report/terminal-text.js';
import { renderStatusSummary } from '../../src/core/report/job-summary.js';
import { stage, workloadRef } from '../support/references.js';

describe('status board', () => {
  const stages = [
    stage(
      'dev',
      ['envs/dev'],
      [
        workloadRef('envs/dev/api.yaml', 'ghcr.io/acme/api:1.5.0', 'Deployment/api', 'api'),
        workloadRef('envs/dev/report.yaml', 'ghcr.io/acme/report:1.1.0', 'CronJob/report', 'report'),
        workloadRef('envs/dev/web.yaml', 'ghcr.io/acme/web:2.0.0', 'Deployment/web', 'web'),
      ],
    ),
    stage(
      'staging',
      ['envs/staging'],
      [
        workloadRef('envs/staging/api.yaml', 'ghcr.io/acme/api:1.4.0', 'Deployment/api', 'api'),
        workloadRef('envs/staging/report.yaml', 'ghcr.io/acme/report:1.1.0', 'CronJob/report', 'report'),
      ],
    ),
    stage(
      'production',
      ['envs/production'],
      [
        workloadRef('envs/production/api.yaml', 'ghcr.io/acme/api:1.4.0', 'Deployment/api', 'api'),
        workloadRef('envs/production/report.yaml', 'ghcr.io/acme/report:1.1.1-hotfix.1', 'CronJob/report', 'report'),
        workloadRef('envs/production/web.yaml', 'ghcr.io/acme/web:2.0.0', 'Deployment/web', 'web'),
      ],
    ),
  ];

  test('marks behind, drift and same against the nearest upstream stage holding the image', () => {
    const board = buildStatus(stages);
    expect(board.stages).toEqual(['dev', 'staging', 'production']);
    expect(board.rows.map((row) => row.image)).toEqual(['ghcr.io/acme/api', 'ghcr.io/acme/report', 'ghcr.io/acme/web']);
    const [api, report, web] = board.rows;
    expect([api.cells.dev.state, api.cells.staging.state, api.cells.production.state]).toEqual([
      'first',
      'behind',
      'same',
    ]);
    expect([report.cells.staging.state, report.cells.production.state]).toEqual(['same', 'drift']);
    // web skips staging: production is compared with dev, the nearest stage upstream that holds it.
    expect([web.cells.staging.state, web.cells.production.state]).toEqual(['absent', 'same']);
    expect(board.drift).toBe(1);
    expect(board.behind).toBe(1);
  });

  test('a version that cannot be compared with upstream is drift, not behind', () => {
    const board = buildStatus([
      stage('dev', ['d'], [workloadRef('d/a.yaml', 'ghcr.io/acme/a:main-abc', 'Deployment/a', 'a')]),
      stage('prod', ['p'], [workloadRef('p/a.yaml', 'ghcr.io/acme/a:main-def', 'Deployment/a', 'a')]),
    ]);
    expect(board.rows[0].cells.prod.state).toBe('drift');
  });

  test('renders as a text table and a Markdown table', () => {
    const board = buildStatus(stages);
    const text = renderMarks(renderStatusText(board));
    expect(text).toMatch(/IMAGE\s+DEV\s+STAGING\s+PRODUCTION/);
    expect(text).toMatch(/ghcr\.io\/acme\/report\s+1\.1\.0\s+1\.1\.0\s+1\.1\.1-hotfix\.1 \(drift!\)/);
    expect(text).toMatch(/1\.4\.0 \(behind\)/);
    expect(text).toContain('1 drifted');
    const markdown = renderStatusSummary(board);
    expect(markdown).toContain('| `ghcr.io/acme/web` | `2.0.0` | – | `2.0.0` |');
    expect(markdown).toContain('⚠️ drift');
  });

  test('a stage pinned to tag@digest is the same release as its upstream holding the tag', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const board = buildStatus([
      stage('dev', ['d'], [workloadRef('d/a.yaml', 'ghcr.io/acme/a:2.0.0', 'Deployment/a', 'a')]),
      stage('prod', ['p'], [workloadRef('p/a.yaml', `ghcr.io/acme/a:2.0.0@${digest}`, 'Deployment/a', 'a')]),
    ]);
    expect(board.rows[0].cells.prod.state).toBe('same');
  });
});
