// appliedPlan rebuilds a promotion's plan from its commit alone: the plan a concurrent run committed, for its PR body.
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { createGit } from '../../src/adapters/git.js';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { findStage } from '../../src/core/config/index.js';
import { appliedPlan } from '../../src/core/plan.js';
import { planHash } from '../../src/core/report/pull-request-body.js';
import { loadPipeline } from '../../src/engine/load-config.js';
import { planStages } from '../../src/engine/plan.js';
import { renderPromotion } from '../../src/engine/rewrite.js';
import { scanStage } from '../../src/engine/scan.js';
import { exampleRepo, git } from '../support/example-repo.js';

describe('appliedPlan on the example config repo', () => {
  it.each([
    ['dev', 'staging'],
    ['staging', 'production'],
  ])('%s → %s: the plan read back from the commit has the hash of the plan that made it', async (from, to) => {
    const dir = exampleRepo();
    const files = createLocalFiles(dir);
    const pipeline = await loadPipeline(files, {});
    const planned = await planStages(files, pipeline, { from, to });
    expect(planned.plan.changes.length).toBeGreaterThan(0);
    const base = git(dir, 'rev-parse', 'HEAD');
    await files.writeAll(await renderPromotion(files, pipeline, planned));
    git(dir, 'commit', '-q', '-am', 'promote');
    const head = git(dir, 'rev-parse', 'HEAD');

    const repo = createGit(dir);
    const stage = findStage(pipeline, to);
    const [before, after] = await Promise.all([base, head].map((sha) => scanStage(repo.filesAt(sha), pipeline, stage)));
    const applied = appliedPlan(from, 'stage', before, after);
    expect(applied.changes).toEqual(planned.plan.changes);
    expect(applied.images).toEqual(planned.plan.images);
    expect(planHash(applied)).toBe(planHash(planned.plan));
    expect(applied.warnings).toEqual([]);
  });

  it('names a file whose references changed beyond their versions instead of guessing', async () => {
    const dir = exampleRepo();
    const files = createLocalFiles(dir);
    const pipeline = await loadPipeline(files, {});
    const stage = findStage(pipeline, 'staging');
    const before = await scanStage(files, pipeline, stage);
    const file = before.references[0].file;
    // A reference removed by hand in the same commit: the pairing no longer holds for that file.
    const text = await files.read(file);
    const line = text.split('\n')[before.references[0].line - 1];
    await files.writeAll({ [file]: text.replace(line, line.replace(/image:/, 'imageRemoved:')) });
    const after = await scanStage(files, pipeline, stage);
    const applied = appliedPlan('dev', 'stage', before, after);
    expect(applied.warnings).toEqual([{ file, line: 0, message: expect.stringMatching(/more than image versions/) }]);
    expect(applied.changes.some((change) => change.file === file)).toBe(false);
  });
});

describe('file modes', () => {
  it('reads an executable bit from the working tree and from a commit', async () => {
    const dir = exampleRepo();
    const files = createLocalFiles(dir);
    const [first, second] = (await files.list('.')).filter((file) => file.endsWith('.yaml'));
    chmodSync(path.join(dir, second), 0o755);
    git(dir, 'commit', '-q', '-am', 'executable');
    expect(await files.mode(first)).toBe('100644');
    expect(await files.mode(second)).toBe('100755');
    const atHead = createGit(dir).filesAt('HEAD');
    expect(await atHead.mode(first)).toBe('100644');
    expect(await atHead.mode(second)).toBe('100755');
    // An executable file is still a regular file: listed and read at a commit (verify reads commits).
    expect(await atHead.list('envs/dev')).toContain(second);
    await expect(atHead.mode('no/such.yaml')).rejects.toThrow(/no such file at HEAD/);
  });
});
