// Adversarial: the example repo with YAML indicators inserted and deleted at random in a stage's files, through the
// real CLI (runCli: the same code as the process, without its entry). Every run must end clean: a promotion changes
// only version bytes on the lines its plan names, a refusal changes nothing, no run hangs or ends in a stack.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { runCli } from '../../src/cli/run-cli.js';
import { exampleRepo, git } from '../support/example-repo.js';
import { mutate, mutationsArb } from '../core/scan/manifest-arbitrary.js';
import { HANG_MS, looksLikeStack, onlyVersionsChanged, Tally } from './classify.js';

const FILES = [
  'envs/staging/api-deployment.yaml',
  'envs/staging/web-helmrelease.yaml',
  'envs/staging/kustomization.yaml',
  'envs/staging/values/payments.yaml',
  'envs/staging/argocd/shop-app.yaml',
  'envs/staging/versions/billing.yaml',
  'envs/dev/api-deployment.yaml',
  'envs/dev/web-helmrelease.yaml',
];

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const started = Date.now();
  const code = await runCli(args, { cwd: process.cwd(), stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), ms: Date.now() - started };
}

function changedFiles(repo: string): string[] {
  return execFileSync('git', ['status', '--porcelain', '-z'], { cwd: repo, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(3));
}

test('mutated stage files: every promote and status run ends clean', async () => {
  const repo = exampleRepo();
  const tally = new Tally('mutated YAML (promote, status)');
  await fc.assert(
    fc.asyncProperty(fc.nat(FILES.length - 1), mutationsArb, async (which, mutations) => {
      const file = FILES[which];
      const original = readFileSync(path.join(repo, file), 'utf8');
      const mutated = mutate(original, mutations);
      writeFileSync(path.join(repo, file), mutated);
      git(repo, 'commit', '-qam', 'mutated', '--allow-empty');
      const label = `${file}: ${mutated}`;
      const before = new Map(FILES.map((f) => [f, readFileSync(path.join(repo, f), 'utf8')]));

      const status = await cli(['status', '--repo', repo, '--json']);
      if (status.ms > HANG_MS) tally.record('hang', label, 'status');
      else if (![0, 1, 2].includes(status.code) || looksLikeStack(status.stderr))
        tally.record('stack trace', label, status.stderr);
      else tally.record('clean', label);

      const run = await cli(['promote', '--from', 'dev', '--to', 'staging', '--repo', repo, '--json']);
      const changed = changedFiles(repo);
      if (run.ms > HANG_MS) tally.record('hang', label, 'promote');
      else if (![0, 1, 2].includes(run.code) || looksLikeStack(run.stderr))
        tally.record('stack trace', label, run.stderr);
      else if (run.code !== 0) {
        if (changed.length > 0) tally.record('wrongly changed bytes', label, `refused, yet changed ${changed}`);
        else tally.record('clean', label);
      } else {
        const plan = JSON.parse(run.stdout) as { changes: { file: string; line: number; old: string; new: string }[] };
        const wrong = changed.filter((f) => {
          const after = readFileSync(path.join(repo, f), 'utf8');
          const changes = plan.changes.filter((change) => change.file === f);
          return !onlyVersionsChanged(before.get(f) ?? '', after, changes);
        });
        if (wrong.length > 0) tally.record('wrongly changed bytes', label, wrong.join(', '));
        else tally.record('clean', label);
      }
      git(repo, 'checkout', '-q', '--', '.');
      git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    }),
    { numRuns: 150 },
  );
  console.log(tally.summary());
  expect(tally.failures).toEqual([]);
  expect(tally.inputs).toBe(300);
}, 300_000);
