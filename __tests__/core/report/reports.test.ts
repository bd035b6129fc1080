import { code, escapeMarkdown } from '../../../src/core/report/markdown.js';
import { renderPlanSummary } from '../../../src/core/report/job-summary.js';
import { renderPlanText } from '../../../src/core/report/plan-text.js';
import { mark, renderMarks, visibleLength } from '../../../src/core/report/terminal-text.js';
import { textTable } from '../../../src/core/report/text-table.js';
import type { Plan } from '../../../src/core/plan-types.js';

const plan: Plan = {
  from: 'dev',
  to: 'staging',
  source: 'stage',
  changes: [
    {
      file: 'envs/staging/api.yaml',
      line: 21,
      column: 18,
      image: 'ghcr.io/acme/api',
      name: 'ghcr.io/acme/api',
      workload: 'Deployment/api',
      container: 'api',
      format: 'workload',
      old: '1.4.0',
      new: '1.5.0',
      downgrade: false,
    },
    {
      file: 'envs/staging/values.yaml',
      line: 4,
      column: 10,
      image: 'ghcr.io/acme/web',
      name: 'ghcr.io/acme/web',
      workload: 'envs/staging/values.yaml',
      container: 'image',
      format: 'helm-values',
      old: '2.1.0',
      new: '2.0.0',
      downgrade: true,
    },
  ],
  images: [],
  notPromoted: [{ image: 'ghcr.io/acme/new', version: '0.1.0', reason: 'not in staging' }],
  skipped: [{ file: 'envs/staging/chart/templates/d.yaml', line: 4, reason: 'not valid YAML' }],
  warnings: [{ file: 'envs/staging/x.yaml', line: 3, column: 9, message: 'block scalar holds an image' }],
};

describe('reports', () => {
  test('the CLI text names every change with file:line and workload, and every list', () => {
    // Marks (colour on a terminal) dropped, as in a pipe.
    const text = renderMarks(renderPlanText(plan));
    expect(text).toContain('Plan dev → staging: 2 changes in 2 files.');
    expect(text).toMatch(
      /ghcr\.io\/acme\/api\s+1\.4\.0\s+1\.5\.0\s+envs\/staging\/api\.yaml:21 \(Deployment\/api api\)/,
    );
    expect(text).toMatch(/2\.0\.0 \(downgrade\)\s+envs\/staging\/values\.yaml:4$/m);
    expect(text).toContain('ghcr.io/acme/new 0.1.0: not in staging');
    expect(text).toContain('envs/staging/chart/templates/d.yaml:4: not valid YAML');
    expect(text).toContain('envs/staging/x.yaml:3:9: block scalar holds an image');
    expect(renderPlanText({ ...plan, changes: [] })).toContain('nothing to promote');
  });

  test('the job summary leads with the totals, then one table with the downgrade marked, then the lists', () => {
    const markdown = renderPlanSummary(plan);
    expect(markdown).toContain('**2 changes in 2 files (0 images, 1 downgrade)**');
    expect(markdown).toContain('| Image | Workload / container | File | Version |');
    expect(markdown).toContain(
      '| `ghcr.io/acme/api` | `Deployment/api` / `api` | `envs/staging/api.yaml:21` | `1.4.0` → `1.5.0` |',
    );
    expect(markdown).toContain('`2.1.0` → `2.0.0` ⚠️ **downgrade**');
    expect(markdown.indexOf('**2 changes')).toBeLessThan(markdown.indexOf('### Not promoted'));
  });

  test('text from files cannot inject Markdown or HTML', () => {
    expect(escapeMarkdown('<img src=x onerror=alert(1)> [a](b) | *x*')).toBe(
      '&lt;img src=x onerror=alert\\(1\\)&gt; \\[a\\]\\(b\\) \\| \\*x\\*',
    );
    expect(code('a`b')).toBe('``a`b``');
    expect(code('x|y')).toBe('`x\\|y`');
    const hostile: Plan = {
      ...plan,
      changes: [{ ...plan.changes[0], workload: 'Deployment/<script>alert(1)</script>', file: 'a|b.yaml' }],
    };
    const markdown = renderPlanSummary(hostile);
    expect(markdown).not.toMatch(/<script>(?![^`]*`)/);
    expect(markdown).toContain('`Deployment/<script>alert(1)</script>`');
    expect(markdown).toContain('`a\\|b.yaml:21`');
  });

  test('marks colour text without taking width, and only the renderer can set them', () => {
    const marked = `1.4.0${mark('behind', ' (behind)')}`;
    expect(visibleLength(marked)).toBe('1.4.0 (behind)'.length);
    expect(renderMarks(marked)).toBe('1.4.0 (behind)');
    expect(renderMarks(marked, (kind, text) => `<${kind}>${text}</${kind}>`)).toBe('1.4.0<behind> (behind)</behind>');
    const table = textTable(
      ['A', 'B'],
      [
        [{ text: '1.4.0', suffix: ' (behind)', mark: 'behind' }, 'x'],
        ['1', 'y'],
        ['a\ue0000forged\ue001', 'z'],
      ],
    );
    const lines = renderMarks(table).split('\n');
    expect(lines[1]).toBe(`  1.4.0 (behind)${' '.repeat(8)}x`);
    expect(lines[2]).toBe(`  1${' '.repeat(21)}y`);
    // A mark in a file's text is shown escaped: no colour from a repository.
    expect(lines[3]).toBe('  a\\ue0000forged\\ue001  z');
  });
});
