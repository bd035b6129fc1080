// npm run bench: `stagecoach plan` end to end against the floor (start node, read every file) and a naive baseline
// (full YAML parse of every file), on generated config repos of 200, 2,000 and 10,000 workloads × 3 stages.
// Then the GitHub API requests per promotion at 1, 10 and 1,000 changed files. Usage: npm run bench [-- --sizes 200,2000 --runs 5]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from './bench-repo.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '200,2000,10000' }, runs: { type: 'string', default: '5' } },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const root = path.resolve('.bench');
const cli = path.resolve('dist/cli.js');
const rssHook = path.resolve('scripts/bench-rss.js');

/** The two comparison programs: read every file of dev and staging; or read and fully parse them. */
const FLOOR = `import { readdirSync, readFileSync } from 'node:fs';
const files = [];
for (const stage of ['dev', 'staging']) for (const e of readdirSync(process.argv[2] + '/envs/' + stage, { recursive: true, withFileTypes: true })) if (e.isFile()) files.push(e.parentPath + '/' + e.name);
let bytes = 0;
for (const f of files) bytes += readFileSync(f, 'utf8').length;
console.log(files.length, bytes);`;
const NAIVE = FLOOR.replace(
  'import { readdirSync',
  "import { parseAllDocuments } from 'yaml';\nimport { readdirSync",
).replace("bytes += readFileSync(f, 'utf8').length;", "bytes += parseAllDocuments(readFileSync(f, 'utf8')).length;");

function measure(args: string[]): { ms: number; rssMb: number } {
  const rssFile = path.join(root, 'rss.txt');
  const started = process.hrtime.bigint();
  // stdout goes to /dev/null: still written by the program, never buffered here (a 10,000-workload plan is megabytes).
  const result = spawnSync(process.execPath, ['--import', rssHook, ...args], {
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 && result.status !== 3)
    throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { ms, rssMb: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function bench(label: string, args: string[]): { ms: number; rssMb: number } {
  measure(args); // warm the file cache
  const samples = Array.from({ length: runs }, () => measure(args));
  return { ms: median(samples.map((s) => s.ms)), rssMb: Math.max(...samples.map((s) => s.rssMb)) };
}

if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
mkdirSync(root, { recursive: true });
const floorScript = path.join(root, 'floor.mjs');
const naiveScript = path.resolve('scripts/.bench-naive.mjs');
writeFileSync(floorScript, FLOOR);
writeFileSync(naiveScript, NAIVE); // beside package.json so that `yaml` resolves

console.log(`stagecoach plan --from dev --to staging, median of ${runs} runs (wall ms / peak RSS MB)\n`);
const rows: string[][] = [];
try {
  for (const size of sizes) {
    const repo = generate(root, size);
    const floor = bench('floor', [floorScript, repo]);
    const naive = bench('naive', [naiveScript, repo]);
    const plan = bench('plan', [cli, 'plan', '--from', 'dev', '--to', 'staging', '--repo', repo, '--json']);
    const files = Number(execFileSync(process.execPath, [floorScript, repo], { encoding: 'utf8' }).split(' ')[0]);
    rows.push([
      String(size),
      String(files),
      floor.ms.toFixed(0),
      naive.ms.toFixed(0),
      plan.ms.toFixed(0),
      (plan.ms / floor.ms).toFixed(2),
      (naive.ms / floor.ms).toFixed(2),
      plan.rssMb.toFixed(0),
      ((plan.ms * 1000) / files).toFixed(1),
    ]);
  }
} finally {
  rmSync(naiveScript, { force: true });
}
const header = [
  'workloads',
  'files',
  'floor ms',
  'naive ms',
  'plan ms',
  'plan/floor',
  'naive/floor',
  'plan MB',
  'plan µs/file',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padStart(widths[i])).join('  '));
console.log(
  '\nTarget at 2,000 workloads: plan within 2.5× the floor, peak memory under 250 MB; time linear in files (µs/file flat).',
);

// GitHub API requests per promotion (issue: constant in the number of changed files), against the local emulator.
const { measureRequestCounts } = await import('./bench-requests.js');
const counts = await measureRequestCounts();
console.log(
  '\nGitHub API requests per promotion (REST + GraphQL, every request the emulator served; no faults injected), against the local GitHub emulator:\n',
);
const countHeader = ['changed files', 'new PR', 'rerun (unchanged)', 'update'];
const countRows = counts.map((row) => [String(row.files), String(row.created), String(row.rerun), String(row.updated)]);
const countWidths = countHeader.map((h, i) => Math.max(h.length, ...countRows.map((r) => r[i].length)));
for (const row of [countHeader, ...countRows])
  console.log(row.map((cell, i) => cell.padStart(countWidths[i])).join('  '));
console.log(
  'Targets: a new PR in at most 8 requests, a rerun that changes nothing in at most 4, the same at every size.',
);

// The job summary and outputs of the largest repo, against GitHub's limits.
const { measureSizes, printSizes } = await import('./bench-sizes.js');
const largest = Math.max(...sizes);
printSizes(measureSizes(generate(root, largest), false), largest);
