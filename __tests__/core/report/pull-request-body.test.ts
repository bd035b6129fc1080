import fc from 'fast-check';
import {
  BODY_LIMIT,
  parsePromotionBlock,
  planHash,
  renderPromotionBlock,
  renderPullRequestBody,
} from '../../../src/core/report/pull-request-body.js';
import { makePlan } from '../../engine/publish-fixtures.js';

const plan = makePlan('dev', 'staging', [
  {
    file: 'staging/api.yaml',
    line: 12,
    image: 'ghcr.io/acme/api',
    old: '1.4.0',
    new: '1.5.0',
    workload: 'Deployment/api',
  },
  {
    file: 'staging/worker.yaml',
    line: 30,
    image: 'ghcr.io/acme/api',
    old: '1.3.0',
    new: '1.5.0',
    workload: 'Deployment/worker',
  },
  {
    file: 'staging/web.yaml',
    line: 5,
    image: 'ghcr.io/acme/web',
    old: '2.2.0',
    new: '2.1.0',
    workload: 'Deployment/web',
    downgrade: true,
  },
]);

describe('planHash', () => {
  it('is a sha256 of from/to/changes, independent of key order and of everything else', () => {
    const hash = planHash(plan);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = {
      ...plan,
      changes: plan.changes.map((change) => Object.fromEntries(Object.entries(change).reverse()) as typeof change),
    };
    expect(planHash(reordered)).toBe(hash);
    expect(planHash({ ...plan, warnings: [{ file: 'x', line: 1, message: 'm' }] })).toBe(hash);
    expect(planHash({ ...plan, to: 'prod' })).not.toBe(hash);
    expect(planHash({ ...plan, changes: plan.changes.map((c, i) => (i === 0 ? { ...c, new: '1.5.1' } : c)) })).not.toBe(
      hash,
    );
  });
});

describe('pull request body', () => {
  it('has a table per image, downgrade marks, the source link, the file list, the gate report and the block', () => {
    const body = renderPullRequestBody({
      plan,
      sourceCommit: { sha: '0123456789abcdef0123', url: 'https://github.com/acme/config/commit/0123456789abcdef0123' },
      gateReport: '#### Gates\n\n- soak: passed',
      commit: 'c0ffee',
      builtAt: '2025-01-01T00:00:00.000Z',
    });
    expect(body).toContain('#### `ghcr.io/acme/api`');
    expect(body).toContain('#### `ghcr.io/acme/web` ⚠️ downgrade');
    expect(body).toContain('| `Deployment/api` (`api`) | `staging/api.yaml`:12 | `1.4.0` → `1.5.0` |');
    expect(body).toContain('`2.2.0` → `2.1.0` ⚠️ **downgrade**');
    expect(body).toContain('[`0123456789ab`](https://github.com/acme/config/commit/0123456789abcdef0123)');
    expect(body).toMatch(
      /<details><summary>3 files changed<\/summary>[\s\S]*- `staging\/worker.yaml`[\s\S]*<\/details>/,
    );
    expect(body).toContain('- soak: passed');
    const block = parsePromotionBlock(body);
    expect(block).toEqual({
      from: 'dev',
      to: 'staging',
      planHash: planHash(plan),
      images: [
        { image: 'ghcr.io/acme/api', old: ['1.3.0', '1.4.0'], new: '1.5.0' },
        { image: 'ghcr.io/acme/web', old: ['2.2.0'], new: '2.1.0' },
      ],
      commit: 'c0ffee',
      builtAt: '2025-01-01T00:00:00.000Z',
    });
  });

  it('escapes Markdown and HTML from files', () => {
    const evil = makePlan('dev', 'staging', [
      {
        file: 'staging/a|b<script>alert(1)</script>`x`[y](z).yaml',
        image: 'ghcr.io/acme/api',
        old: '1',
        new: '2',
        workload: 'Deployment/@octocat',
      },
    ]);
    const body = renderPullRequestBody({ plan: evil, sourceCommit: { sha: 'abc', url: 'javascript:alert(1)' } });
    const table = body.split('\n').filter((line) => line.startsWith('| `Deployment'));
    expect(table).toHaveLength(1);
    // Three cells: the pipe in the file name is escaped, not a column separator.
    expect(table[0].replace(/\\\|/g, '').split('|').length).toBe(5);
    // Everything from the file sits inside code spans, where HTML, links and mentions are inert.
    expect(table[0]).toContain('``staging/a\\|b<script>alert(1)</script>`x`[y](z).yaml``');
    expect(table[0]).toContain('`Deployment/@octocat`');
    expect(body).not.toContain('](javascript:');
    expect(parsePromotionBlock(body)?.images[0].image).toBe('ghcr.io/acme/api');
  });

  it('keeps the block parseable whatever the values hold', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (from, to, version) => {
        const p = makePlan(from, to, [
          { file: 'f.yaml', image: 'ghcr.io/acme/api', old: version, new: `${version}-->` },
        ]);
        const text = renderPromotionBlock({
          from,
          to,
          planHash: 'h',
          images: p.images.map((i) => ({ image: i.image, old: i.old, new: i.new })),
        });
        expect(text.indexOf('-->')).toBe(text.length - 3);
        const parsed = parsePromotionBlock(`some text\n${text}\n`);
        expect(parsed?.from).toBe(from);
        expect(parsed?.to).toBe(to);
        expect(parsed?.images[0].new).toBe(`${version}-->`);
      }),
    );
  });

  it('truncates the tables under the body limit and keeps the block intact', () => {
    const big = makePlan(
      'dev',
      'staging',
      Array.from({ length: 3000 }, (_, index) => ({
        file: `staging/services/service-${String(index).padStart(4, '0')}/deployment.yaml`,
        image: `ghcr.io/acme/service-${String(index).padStart(4, '0')}`,
        old: '1.0.0',
        new: '1.1.0',
        workload: `Deployment/service-${index}`,
      })),
    );
    const gateReport = `#### Gates\n\n${'- a gate line that is long enough to matter\n'.repeat(2000)}`;
    const body = renderPullRequestBody({ plan: big, gateReport, commit: 'c', builtAt: 't' });
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(body).toMatch(/more changes not shown: a pull request body holds at most 65,536 characters/);
    expect(body).toContain('The gate report was cut to fit the body');
    const block = parsePromotionBlock(body);
    expect(block?.planHash).toBe(planHash(big));
    expect(block?.commit).toBe('c');
    expect((block?.images.length ?? 0) + (block?.moreImages ?? 0)).toBe(3000);
  });

  it('ignores a missing or mangled block', () => {
    expect(parsePromotionBlock(undefined)).toBeUndefined();
    expect(parsePromotionBlock('no block')).toBeUndefined();
    expect(parsePromotionBlock('<!-- stagecoach:promotion {"from": -->')).toBeUndefined();
    expect(parsePromotionBlock('<!-- stagecoach:promotion {"from":"a","to":"b"} -->')).toBeUndefined();
  });
});
