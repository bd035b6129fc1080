// GitHub API requests of one promotion PR (new, rerun, update) for promotions changing 1, 10 and 1,000 files, counted
// by the GitHub emulator (every REST and GraphQL request it served, retries included); and a whole new promotion without
// a checkout (config and stages read through the API, default policy). Usage: npx tsx scripts/bench-requests.ts
import { pathToFileURL } from 'node:url';
import { createGitHub } from '../src/adapters/github/index.js';
import type { RepoFiles } from '../src/adapters/repo-files.js';
import type { PullRequestPolicy } from '../src/core/config/index.js';
import { loadPipeline } from '../src/engine/load-config.js';
import { openCheckout, promoteWithPullRequest } from '../src/engine/promote.js';
import { planStages } from '../src/engine/plan.js';
import { renderPromotion } from '../src/engine/rewrite.js';
import { publishPromotion, type PublishRequest } from '../src/engine/publish.js';
import { startGitHubEmulator, type GitHubEmulator } from '../__tests__/support/github-emulator/index.js';
import { deploymentYaml } from '../__tests__/support/manifests.js';

export interface RequestCounts {
  files: number;
  created: number;
  rerun: number;
  updated: number;
  /** A new PR without a checkout: the config repo read through the API (its reads grow by one per 100 files). */
  apiReads: number;
}

export const SIZES = [1, 10, 1000];

const CONFIG = 'stages:\n  - name: dev\n    path: envs/dev\n  - name: staging\n    path: envs/staging\n';

/** The default policy (labels only): the PR a stage without a `pullRequest:` block gets. */
const DEFAULT_POLICY: PullRequestPolicy = {
  labels: ['promotion', 'stage:staging'],
  reviewers: [],
  teamReviewers: [],
  assignees: [],
  draft: false,
  autoMerge: false,
  branch: 'stagecoach/{from}-to-{to}',
};

/** Every option that costs a request: labels, an assignee, a reviewer, a team and auto-merge. */
const POLICY: PullRequestPolicy = {
  labels: ['promotion', 'stage:staging'],
  reviewers: ['alice'],
  teamReviewers: ['sre'],
  assignees: ['bob'],
  draft: false,
  autoMerge: 'squash',
  branch: 'stagecoach/{from}-to-{to}',
};

const deployment = (index: number, version: string) => {
  const name = `svc-${String(index).padStart(4, '0')}`;
  return deploymentYaml(`ghcr.io/acme/${name}:${version}`, '', name);
};

function stageFiles(stage: string, count: number, version: string): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, index) => [
      `envs/${stage}/svc-${String(index).padStart(4, '0')}.yaml`,
      deployment(index, version),
    ]),
  );
}

/** The config repo's files in memory: the build plans with the real engine and makes no API request of its own. */
function memoryFiles(files: Record<string, string>): RepoFiles {
  return {
    list: async (dir) =>
      Object.keys(files)
        .filter((file) => file.startsWith(`${dir.replace(/\/+$/, '')}/`))
        .sort(),
    read: async (file) => {
      const text = files[file];
      if (text === undefined) throw Object.assign(new Error(`${file}: no such file`), { code: 'ENOENT' });
      return text;
    },
    links: async () => [],
    mode: async () => '100644',
    writeAll: async (changes) => {
      Object.assign(files, changes);
    },
  };
}

/** A promotion of dev → staging, planned and rendered by the engine from the files as they are at the base. */
function promotion(fullName: string, files: Record<string, string>): PublishRequest {
  const [owner, repo] = fullName.split('/');
  return {
    owner,
    repo,
    from: 'dev',
    to: 'staging',
    policy: POLICY,
    async build() {
      const repoFiles = memoryFiles({ ...files });
      const pipeline = await loadPipeline(repoFiles, {});
      const planned = await planStages(repoFiles, pipeline, { from: 'dev', to: 'staging' });
      return { plan: planned.plan, files: await renderPromotion(repoFiles, pipeline, planned) };
    },
    async describe() {
      throw new Error('the request-count runs are never raced');
    },
  };
}

async function measureSize(emulator: GitHubEmulator, size: number): Promise<RequestCounts> {
  const fullName = `acme/config-${size}`;
  const files = {
    'stagecoach.yaml': CONFIG,
    ...stageFiles('dev', size, '1.5.0'),
    ...stageFiles('staging', size, '1.4.0'),
  };
  await emulator.createRepo(fullName, files);
  const github = createGitHub({
    token: emulator.token,
    baseUrl: emulator.url,
    graphqlUrl: emulator.graphqlUrl,
    retryAfterBaseMs: 1,
    writeSpacingMs: 0,
  });

  const phase = async (request: PublishRequest, expected: string): Promise<number> => {
    emulator.resetLog();
    const result = await publishPromotion(github, request);
    if (result.operation !== expected)
      throw new Error(`${fullName}: expected the promotion to be ${expected}, it was ${result.operation}`);
    return emulator.requests.length;
  };
  const created = await phase(promotion(fullName, files), 'created');
  const rerun = await phase(promotion(fullName, files), 'unchanged');
  // A newer source: every dev file moves on, committed to the base branch as a merge would.
  const newer = stageFiles('dev', size, '1.6.0');
  await emulator.commit(fullName, 'main', newer, 'dev runs 1.6.0');
  const updated = await phase(promotion(fullName, { ...files, ...newer }), 'updated');
  return { files: size, created, rerun, updated, apiReads: await measureApiReads(emulator, size, files) };
}

/** The whole promotion as the action runs it without a checkout: open the base through the API, plan, gate, publish. */
async function measureApiReads(emulator: GitHubEmulator, size: number, files: Record<string, string>): Promise<number> {
  const fullName = `acme/api-reads-${size}`;
  await emulator.createRepo(fullName, files);
  const github = createGitHub({
    token: emulator.token,
    baseUrl: emulator.url,
    graphqlUrl: emulator.graphqlUrl,
    retryAfterBaseMs: 1,
    writeSpacingMs: 0,
  });
  const repo = { owner: 'acme', repo: `api-reads-${size}` };
  emulator.resetLog();
  const checkout = await openCheckout({ github, repo });
  const pipeline = await loadPipeline(checkout.files, {});
  const { published } = await promoteWithPullRequest(
    { github, repo, checkout, workDir: '.', now: Math.floor(Date.now() / 1000), baseEnv: {} },
    {
      pipeline,
      plan: { from: 'dev', to: 'staging' },
      allowDowngrade: false,
      policy: DEFAULT_POLICY,
      onGateFailure: 'fail',
    },
  );
  if (published?.operation !== 'created')
    throw new Error(`${fullName}: expected a new PR, got ${published?.operation}`);
  return emulator.requests.length;
}

/** Requests per phase for each size, against one fresh emulator (which must record no contract violation). */
export async function measureRequestCounts(sizes: number[] = SIZES): Promise<RequestCounts[]> {
  const emulator = await startGitHubEmulator();
  const counts: RequestCounts[] = [];
  try {
    for (const size of sizes) counts.push(await measureSize(emulator, size));
  } finally {
    await emulator.stop();
  }
  return counts;
}

export function renderRequestCounts(counts: RequestCounts[]): string {
  const rows = [
    ['files changed', 'new PR', 'rerun', 'update', 'new PR, no checkout'],
    ...counts.map((c) => [c.files.toLocaleString('en-US'), c.created, c.rerun, c.updated, c.apiReads].map(String)),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padStart(widths[column])).join('  ')).join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log('GitHub API requests per promotion PR (REST + GraphQL, retries included)');
  console.log('new PR, rerun, update: the PR step, full policy; no checkout: the whole promotion, default policy\n');
  console.log(renderRequestCounts(await measureRequestCounts()));
}
