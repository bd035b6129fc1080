import fc from 'fast-check';
import type { GateResult } from '../../../src/core/gate-result.js';
import { renderGateReport } from '../../../src/core/report/gate-report.js';
import {
  BODY_LIMIT,
  cutMarkdown,
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
  it('has one table of every change, downgrade marks, the source link, the gate report and the block', () => {
    const body = renderPullRequestBody({
      plan,
      sourceCommit: { sha: '0123456789abcdef0123', url: 'https://github.com/acme/config/commit/0123456789abcdef0123' },
      gateReport: '#### Gates\n\n- soak: passed',
      commit: 'c0ffee',
      builtAt: '2025-01-01T00:00:00.000Z',
    });
    const rows = body.split('\n').filter((line) => line.startsWith('| '));
    expect(rows).toEqual([
      '| Image | Workload / container | File | Version |',
      '| --- | --- | --- | --- |',
      '| `ghcr.io/acme/api` | `Deployment/api` / `api` | `staging/api.yaml:12` | `1.4.0` → `1.5.0` |',
      '| `ghcr.io/acme/web` | `Deployment/web` / `web` | `staging/web.yaml:5` | `2.2.0` → `2.1.0` ⚠️ **downgrade** |',
      '| `ghcr.io/acme/api` | `Deployment/worker` / `worker` | `staging/worker.yaml:30` | `1.3.0` → `1.5.0` |',
    ]);
    expect(body).not.toContain('####  `ghcr.io');
    expect(body).toContain(
      "as of `dev`'s commit [`0123456789ab`](https://github.com/acme/config/commit/0123456789abcdef0123)",
    );
    // Every file is in the table: no separate file list unless rows were cut.
    expect(body).not.toContain('files changed</summary>');
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
    const table = body.split('\n').filter((line) => line.startsWith('| `ghcr'));
    expect(table).toHaveLength(1);
    // Four cells: the pipe in the file name is escaped, not a column separator.
    expect(table[0].replace(/\\\|/g, '').split('|').length).toBe(6);
    // Everything from the file sits inside code spans, where HTML, links and mentions are inert.
    expect(table[0]).toContain('``staging/a\\|b<script>alert(1)</script>`x`[y](z).yaml:7``');
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

/** Where a rendered body is left after its last line: inside a code fence, or inside `<details>` (an independent reading). */
function leftOpen(markdown: string): { fence: boolean; details: number; blockInCode: boolean } {
  let fence: string | undefined;
  let details = 0;
  let blockInCode = false;
  for (const line of markdown.split('\n')) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (line.includes('stagecoach:promotion')) blockInCode = true;
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
        fence = undefined;
    } else if (marker) fence = marker;
    else details += (line.match(/<details>/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
  }
  return { fence: fence !== undefined, details, blockInCode };
}

describe('the gate report in the body', () => {
  const failing = (name: string, output: string): GateResult => ({
    gate: 'commands',
    name,
    passed: false,
    durationMs: 1200,
    details: ['exit code 1'],
    output,
  });

  it('is cut without leaving a code fence or <details> open, at every size', () => {
    const output = Array.from({ length: 400 }, (_, index) => `line ${index}: ${'x'.repeat(index % 50)}`).join('\n');
    const gateReport = renderGateReport([
      failing('lint', output),
      failing('test', '```\nnested fence\n```\n' + output),
    ]);
    for (const limit of [2_000, 3_000, 5_000, 8_000, 12_000, 20_000, 40_000]) {
      const body = renderPullRequestBody({ plan, gateReport, commit: 'c', limit });
      expect(body.length).toBeLessThanOrEqual(limit);
      expect(body).toContain('The gate report was cut to fit the body');
      expect(leftOpen(body)).toEqual({ fence: false, details: 0, blockInCode: false });
      expect(parsePromotionBlock(body)?.commit).toBe('c');
    }
  });

  it('cuts any Markdown at a line and closes what the cut leaves open', () => {
    const text = ['intro', '<details><summary>x</summary>', '', '~~~~', 'a', '~~~', 'b', '~~~~', '', '</details>'].join(
      '\n',
    );
    for (let budget = 0; budget <= text.length + 40; budget += 1) {
      const cut = cutMarkdown(text, budget, '_cut_');
      if (cut.length > budget && cut !== '_cut_') throw new Error(`budget ${budget}: ${cut.length} characters`);
      expect(leftOpen(cut)).toMatchObject({ fence: false, details: 0 });
    }
  });

  it('escapes gate names as HTML inside <summary>, where Markdown escapes do not apply', () => {
    const report = renderGateReport([failing('x</summary><img src=x onerror=alert(1)>"\'&\nforged', 'boom')]);
    const summary = report.split('\n').find((line) => line.startsWith('<details>')) as string;
    expect(summary).toBe(
      '<details><summary>Output of <code>x&lt;/summary&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp; forged</code> (last lines)</summary>',
    );
    expect(report).not.toContain('<img');
  });
});

describe('the body reads like release notes', () => {
  const render = makePlan('dev', 'staging', [
    {
      file: 'staging/api.yaml',
      line: 12,
      image: 'ghcr.io/acme/api',
      old: '1.4.0',
      new: '1.5.0',
      workload: 'Deployment/api',
    },
  ]);
  const failed: GateResult = {
    gate: 'commands',
    name: 'render',
    passed: false,
    durationMs: 4000,
    details: ['command "render" failed with exit code 2'],
    output: 'Error: manifest invalid\nat line 3',
  };

  it('a draft after a failed gate says so at the very top, with the gate, the image and the reason, output expanded', () => {
    const body = renderPullRequestBody({ plan: render, gates: [failed], gateDraft: true });
    const lines = body.split('\n');
    expect(lines[0]).toBe('> [!CAUTION]');
    expect(lines[1]).toBe('> **The command gate `render` failed**: command "render" failed with exit code 2.');
    expect(lines[2]).toBe('>');
    expect(lines[3]).toBe('> It holds back `ghcr.io/acme/api 1.5.0`.');
    expect(lines[4]).toBe('>');
    expect(lines[5]).toMatch(/^> This pull request is a draft because of it/);
    expect(body).toMatch(
      /<details open><summary>Output of <code>render<\/code>[^\n]*\n\n```\nError: manifest invalid\nat line 3\n```/,
    );
    expect(body.indexOf('[!CAUTION]')).toBeLessThan(body.indexOf('### Promote'));
    // Passing gates: no alert.
    expect(renderPullRequestBody({ plan: render, gates: [{ ...failed, passed: true }] })).not.toContain('CAUTION');
  });

  it('a registry gate names the images that failed, not every image', () => {
    const registry: GateResult = {
      gate: 'registry',
      name: 'registry',
      passed: false,
      durationMs: 10,
      details: ['ghcr.io/acme/web 2.0.0: tag not found in the registry'],
      failures: [{ image: 'ghcr.io/acme/web', version: '2.0.0', message: 'tag not found' }],
    };
    expect(renderPullRequestBody({ plan: render, gates: [registry] })).toContain(
      '> **The registry gate failed** for `ghcr.io/acme/web 2.0.0`: tag not found.',
    );
  });

  it('says who promoted it via which run, links each file at the PR head and the release notes', () => {
    const body = renderPullRequestBody({
      plan: render,
      context: {
        repoUrl: 'https://github.com/acme/config',
        head: 'c0ffee',
        actor: 'octocat',
        run: { number: '42', url: 'https://github.com/acme/config/actions/runs/9' },
        releaseNotes: { 'ghcr.io/acme/api': 'https://github.com/acme/api/compare/abc...def' },
      },
    });
    expect(body).toContain('Promoted by @octocat via [run #42](https://github.com/acme/config/actions/runs/9).');
    expect(body).toContain(
      '| `ghcr.io/acme/api` ([changes](https://github.com/acme/api/compare/abc...def)) | `Deployment/api` / `api` | [`staging/api.yaml:12`](https://github.com/acme/config/blob/c0ffee/staging/api.yaml#L12) | `1.4.0` → `1.5.0` |',
    );
  });

  it('links nothing it cannot trust: no javascript: URL, no odd actor name, no link without a head', () => {
    const body = renderPullRequestBody({
      plan: render,
      context: {
        repoUrl: 'javascript:alert(1)',
        head: 'main',
        actor: 'evil](x)',
        run: { number: '1', url: 'javascript:alert(1)' },
        releaseNotes: { 'ghcr.io/acme/api': 'javascript:alert(1)' },
      },
    });
    expect(body).not.toContain('javascript:');
    expect(body).not.toContain('Promoted by');
    expect(body).not.toContain('[changes]');
  });

  it('lists only the target stage skipped files', () => {
    const withSkips = {
      ...render,
      skipped: [
        { file: 'dev/chart/templates/a.yaml', line: 1, reason: 'a Helm template', fromSource: true as const },
        { file: 'staging/chart/templates/a.yaml', line: 1, reason: 'a Helm template' },
      ],
    };
    const body = renderPullRequestBody({ plan: withSkips });
    expect(body).toContain('`staging/chart/templates/a.yaml:1`');
    expect(body).not.toContain('dev/chart');
  });
});
