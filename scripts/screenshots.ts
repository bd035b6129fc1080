// Renders the job summary and the pull request body of a promotion of the example repo (dev → staging, a failed
// render gate, a draft PR) as GitHub would show them: GitHub-flavoured Markdown to HTML (marked, plus GitHub's alert
// blocks), in a page styled like github.com, photographed by headless Chromium (Debian package `chromium`).
// Usage: npx tsx scripts/screenshots.ts [--out .screenshots]   (writes summary.html/png and pull-request.html/png)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { marked } from 'marked';
import type { GateResult } from '../src/core/gate-result.js';
import { renderPlanSummary } from '../src/core/report/job-summary.js';
import { renderPullRequestBody } from '../src/core/report/pull-request-body.js';
import { renderGateReport } from '../src/core/report/gate-report.js';
import { createLocalFiles } from '../src/adapters/local-files.js';
import { loadPipeline } from '../src/engine/load-config.js';
import { planStages } from '../src/engine/plan.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: '.screenshots' } } });
const out = path.resolve(values.out);
mkdirSync(out, { recursive: true });

const files = createLocalFiles(path.resolve('examples/config-repo'));
const pipeline = await loadPipeline(files, {});
const { plan } = await planStages(files, pipeline, { from: 'dev', to: 'staging' });

const gates: GateResult[] = [
  {
    gate: 'registry',
    name: 'registry',
    passed: true,
    durationMs: 840,
    details: ['6 versions exist in their registries'],
  },
  { gate: 'soak', name: 'soak', passed: true, durationMs: 35, details: ['every version ran in dev for at least 1h'] },
  {
    gate: 'commands',
    name: 'render',
    passed: false,
    durationMs: 4200,
    details: ['command "render" (kustomize build envs/staging | kubeconform -strict -) failed with exit code 1'],
    output: [
      '$ kustomize build envs/staging | kubeconform -strict -',
      'stdin - Deployment api is valid',
      'stdin - HelmRelease web is valid',
      'stdin - Deployment shop is invalid: problem validating schema. Check JSON formatting:',
      "  jsonschema: '/spec/template/spec/containers/0/resources/limits/cpu' does not validate:",
      '  expected string or number, but got object',
      'Summary: 6 resources found parsing stdin - Valid: 5, Invalid: 1, Errors: 0, Skipped: 0',
    ].join('\n'),
  },
];
const url = 'https://github.com/acme/config/pull/42';
const summary = renderPlanSummary(plan, {
  heading: 'Promotion created as a draft because a gate failed',
  gates,
  planFile: 'plan-file',
  pullRequest: { url, operation: 'created' },
});
const body = renderPullRequestBody({
  plan,
  gates,
  gateReport: renderGateReport(gates, { failureShown: true, heading: '####' }),
  gateDraft: true,
  commit: '5d41402abc4b2a76b9719d911017c592',
  builtAt: '2026-12-08T00:30:00.000Z',
  sourceCommit: {
    sha: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
    url: 'https://github.com/acme/config/commit/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
  },
  context: {
    repoUrl: 'https://github.com/acme/config',
    head: '5d41402abc4b2a76b9719d911017c592',
    actor: 'octocat',
    run: { number: '42', url: 'https://github.com/acme/config/actions/runs/123456' },
    releaseNotes: {
      'ghcr.io/acme/api': 'https://github.com/acme/api/compare/3e1f0a2...8c9d7b4',
      'ghcr.io/acme/web': 'https://github.com/acme/web/compare/v2.1.0...v2.2.0',
    },
  },
});

const ALERTS: Record<string, { title: string; colour: string }> = {
  NOTE: { title: 'Note', colour: '#0969da' },
  TIP: { title: 'Tip', colour: '#1a7f37' },
  IMPORTANT: { title: 'Important', colour: '#8250df' },
  WARNING: { title: 'Warning', colour: '#9a6700' },
  CAUTION: { title: 'Caution', colour: '#d1242f' },
};

/** GitHub's alert syntax (`> [!CAUTION]`) as GitHub renders it: a coloured bar and a title. */
function alerts(html: string): string {
  return html.replace(/<blockquote>\s*<p>\[!(\w+)\]\s*/g, (all, kind: string) => {
    const alert = ALERTS[kind];
    return alert
      ? `<blockquote class="alert" style="border-left-color:${alert.colour}"><p class="alert-title" style="color:${alert.colour}">${alert.title}</p><p>`
      : all;
  });
}

const CSS = `
body { margin: 0; background: #fff; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; }
.frame { margin: 16px; border: 1px solid #d1d9e0; border-radius: 6px; }
.frame > header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; font-weight: 600; border-radius: 6px 6px 0 0; }
.markdown-body { padding: 16px 24px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 0 0 16px; }
h3 { font-size: 1.25em; margin: 24px 0 16px; }
h4 { font-size: 1em; margin: 24px 0 16px; }
code { font: 85% ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 16px; border-radius: 6px; overflow: auto; font: 85%/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre code { background: none; padding: 0; font-size: 100%; }
table { border-collapse: collapse; margin: 0 0 16px; display: block; width: max-content; max-width: 100%; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
th { font-weight: 600; } tr:nth-child(2n) { background: #f6f8fa; }
a { color: #0969da; text-decoration: none; }
blockquote { margin: 0 0 16px; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
blockquote.alert { color: inherit; padding: 8px 16px; }
.alert-title { font-weight: 600; margin: 0 0 4px; }
details { margin: 0 0 16px; } summary { cursor: pointer; }
sub { color: #59636e; }
p { margin: 0 0 16px; }
`;

function page(title: string, markdown: string): string {
  const html = alerts(marked.parse(markdown, { gfm: true, async: false }) as string);
  return `<!doctype html><meta charset="utf-8"><title>${title}</title><style>${CSS}</style><div class="frame"><header>${title}</header><article class="markdown-body">${html}</article></div>`;
}

function shoot(name: string, title: string, markdown: string, height: number): void {
  const html = path.join(out, `${name}.html`);
  writeFileSync(html, page(title, markdown));
  writeFileSync(path.join(out, `${name}.md`), markdown);
  execFileSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${mkdtempSync(path.join(tmpdir(), 'chromium-'))}`,
      `--screenshot=${path.join(out, `${name}.png`)}`,
      `--window-size=1280,${height}`,
      `file://${html}`,
    ],
    { stdio: 'ignore' },
  );
  console.log(`${name}: ${path.join(out, `${name}.png`)} (${Buffer.byteLength(markdown)} bytes of Markdown)`);
}

shoot('summary', 'Job summary — promote (acme/config, run #42)', summary, 1500);
shoot('pull-request', 'Pull request #42 — promote(staging): 6 images (draft)', body, 1700);
