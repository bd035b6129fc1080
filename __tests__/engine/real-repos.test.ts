// The real-repo corpus (issue 10): nine trimmed public config repos, each with a stagecoach.yaml and the plan a correct
// promotion makes for every hop, written by hand (__tests__/fixtures/real-repos/README.md). For each hop: plan it, check
// no expected change is missing and none is spurious, then promote into a temp copy and check that no byte outside the
// planned lines moved, and the headline tells the truth. Formats other issue-10 items add are listed in GAPS (never in
// expected.json); each gap names the item that closes it. The per-repo table (references by hand vs found, expected vs
// planned changes) and every hop's headline are printed after the run, and written to $REAL_REPOS_TABLE when set.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { loadPipeline } from '../../src/engine/load-config.js';
import { planStages } from '../../src/engine/plan.js';
import { renderPromotion } from '../../src/engine/rewrite.js';
import { scanStage } from '../../src/engine/scan.js';
import type { Pipeline } from '../../src/core/config/index.js';
import type { Change } from '../../src/core/plan.js';

const ROOT = path.resolve('__tests__/fixtures/real-repos');

interface ExpectedChange {
  file: string;
  line: number;
  image: string;
  old: string;
  new: string;
  downgrade?: boolean;
}

interface Expected {
  hops: { from: string; to: string; changes: ExpectedChange[]; warnings?: { file: string; line: number }[] }[];
  references: Record<string, number>;
  referenceList: Record<string, { file: string; line: number }[]>;
}

/**
 * What Stagecoach does not see yet, by file:line, each with the issue-10 item (another helper's) that closes it:
 * references it does not find, expected changes it does not plan, changes whose downgrade flag it judges otherwise.
 * `config` names a key the fixture's stagecoach.yaml uses that does not exist yet. Never a spurious change.
 */
interface Gap {
  config?: string;
  references?: Record<string, string>;
  changes?: Record<string, string>;
  downgrades?: Record<string, string>;
}

// Every format the fixtures need has landed: no gap is allowed any more (add one only with the item that closes it).
const GAPS: Record<string, Gap> = {};

function fixtures(): string[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

const id = (change: { file: string; line: number }) => `${change.file}:${change.line}`;
const shown = (change: ExpectedChange | Change) =>
  `${id(change)} ${change.image} ${change.old} -> ${change.new}${change.downgrade ? ' (downgrade)' : ''}`;

function tree(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    return entry.isDirectory() ? tree(root, relative) : [relative];
  });
}

/** Lines that differ between two texts of the same line count (a promotion never adds or removes a line). */
function changedLines(before: string, after: string): number[] | 'line count changed' {
  const [a, b] = [before.split('\n'), after.split('\n')];
  if (a.length !== b.length) return 'line count changed';
  return a.flatMap((line, i) => (line === b[i] ? [] : [i + 1]));
}

/** Headlines the fixtures' notes ask for in so many words. */
const HEADLINES: Record<string, string> = {
  'hmcts-cnp-flux-config aat → prod': 'nothing compared: prod and aat hold no image in common',
  'tmobile-magtape development → production':
    'nothing to promote, production already runs what development offers (1 reference compared)',
};

const rows: string[][] = [];
const headlines: string[] = [];
/** GAPS entries a run needed: the others are closed (their item landed) and can go. */
const usedGaps = new Set<string>();
const work = mkdtempSync(path.join(os.tmpdir(), 'stagecoach-real-repos-'));
afterAll(() => {
  const table = [
    '| fixture | hop | references by hand (from / to) | found | expected changes | planned exactly | missing or misjudged (gap) | spurious |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  const closed = Object.entries(GAPS).flatMap(([fixture, gap]) =>
    [...Object.keys(gap.references ?? {}), ...Object.keys(gap.changes ?? {}), ...Object.keys(gap.downgrades ?? {})]
      .map((ref) => `${fixture} ${ref}`)
      .filter((entry) => !usedGaps.has(entry)),
  );
  const closedText = closed.length > 0 ? `\nGAPS entries no longer needed (remove them):\n${closed.join('\n')}\n` : '';
  process.stdout.write(`\n${table}\n\nHeadlines:\n${headlines.join('\n')}\n${closedText}`);
  if (process.env.REAL_REPOS_TABLE) writeFileSync(process.env.REAL_REPOS_TABLE, `${table}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe.each(fixtures())('%s', (fixture) => {
  const expected = JSON.parse(readFileSync(path.join(ROOT, fixture, 'expected.json'), 'utf8')) as Expected;
  const gap = GAPS[fixture] ?? {};
  const source = path.join(ROOT, fixture, 'repo');
  let pipeline: Pipeline | undefined;
  let found: Record<string, number> = {};
  const unseen: Record<string, string[]> = {};
  const unexpected: string[] = [];

  beforeAll(async () => {
    try {
      pipeline = await loadPipeline(createLocalFiles(source), {});
    } catch (error) {
      if (!gap.config) throw error;
      return;
    }
    const files = createLocalFiles(source);
    const scanned = await Promise.all(pipeline.stages.map((stage) => scanStage(files, pipeline as Pipeline, stage)));
    found = Object.fromEntries(scanned.map((stage) => [stage.name, stage.references.length]));
    for (const stage of scanned) {
      const mine = new Set(stage.references.map(id));
      const theirs = new Set((expected.referenceList[stage.name] ?? []).map(id));
      unseen[stage.name] = [...theirs].filter((ref) => !mine.has(ref));
      unexpected.push(...[...mine].filter((ref) => !theirs.has(ref)));
    }
  });

  test('every reference counted by hand is found (or named in GAPS), and no other', () => {
    if (!pipeline) return;
    const allowed = gap.references ?? {};
    for (const ref of Object.values(unseen).flat()) if (allowed[ref]) usedGaps.add(`${fixture} ${ref}`);
    expect({
      unexplained: Object.values(unseen)
        .flat()
        .filter((ref) => !allowed[ref]),
      unexpected,
    }).toEqual({
      unexplained: [],
      unexpected: [],
    });
  });

  (gap.config ? test.failing : test)(`its stagecoach.yaml loads${gap.config ? ` (gap: ${gap.config})` : ''}`, () => {
    expect(pipeline).toBeDefined();
  });

  test.each(expected.hops.map((hop) => [`${hop.from} → ${hop.to}`, hop] as const))(
    '%s plans exactly and promotes no byte outside the plan',
    async (name, hop) => {
      const byHand = `${expected.references[hop.from]} / ${expected.references[hop.to]}`;
      if (!pipeline) {
        rows.push([fixture, name, byHand, '(config)', String(hop.changes.length), '-', `all: ${gap.config}`, '-']);
        return;
      }
      const copy = path.join(work, `${fixture}-${hop.from}-${hop.to}`);
      cpSync(source, copy, { recursive: true });
      const files = createLocalFiles(copy);
      const planned = await planStages(files, pipeline, { from: hop.from, to: hop.to });
      const changes = planned.plan.changes;
      const wanted = new Map(hop.changes.map((change) => [id(change), change]));
      const got = new Map(changes.map((change) => [id(change), change]));
      const missing = hop.changes.filter((change) => {
        const mine = got.get(id(change));
        return !mine || shown(mine) !== shown(change);
      });
      const spurious = changes.filter((change) => {
        const theirs = wanted.get(id(change));
        return !theirs || shown(theirs) !== shown(change);
      });
      // A change planned right but for its downgrade flag counts once, as a gap, when GAPS names it.
      const flagOnly = (ref: string) => {
        const [mine, theirs] = [got.get(ref), wanted.get(ref)];
        return (
          mine !== undefined &&
          theirs !== undefined &&
          shown({ ...mine, downgrade: theirs.downgrade }) === shown(theirs)
        );
      };
      const allowed: Record<string, string> = { ...gap.changes };
      for (const [ref, why] of Object.entries(gap.downgrades ?? {})) if (flagOnly(ref)) allowed[ref] = why;
      const unexplained = missing.filter((change) => !allowed[id(change)]);
      for (const change of missing) if (allowed[id(change)]) usedGaps.add(`${fixture} ${id(change)}`);
      const wrong = spurious.filter((change) => !(gap.downgrades?.[id(change)] && flagOnly(id(change))));
      const gaps = [...new Set(missing.map((change) => allowed[id(change)] ?? 'UNEXPLAINED'))];
      rows.push([
        fixture,
        name,
        byHand,
        `${found[hop.from]} / ${found[hop.to]}`,
        String(hop.changes.length),
        String(hop.changes.length - missing.length),
        missing.length === 0 ? '0' : `${missing.length}: ${gaps.join('; ')}`,
        String(wrong.length),
      ]);
      expect({ spurious: wrong.map(shown), unexplained: unexplained.map(shown) }).toEqual({
        spurious: [],
        unexplained: [],
      });

      // What the fixture's notes say the plan (and so the PR body) must flag is flagged at that file and line.
      const flagged = new Set(planned.plan.warnings.map(id));
      expect((hop.warnings ?? []).map(id).filter((ref) => !flagged.has(ref))).toEqual([]);

      // The headline tells the truth: "nothing to promote" only when something was compared and found equal.
      const outcome = planned.plan.outcome;
      headlines.push(`${fixture} ${name}: ${outcome?.headline}`);
      if (outcome?.headline.startsWith('nothing to promote')) expect(outcome.compared).toBeGreaterThan(0);
      if (HEADLINES[`${fixture} ${name}`]) expect(outcome?.headline).toBe(HEADLINES[`${fixture} ${name}`]);

      // Promote into the copy: only the planned lines of the planned files differ from the fixture.
      const output = await renderPromotion(files, pipeline, planned);
      await files.writeAll(output);
      const lines = new Map<string, number[]>();
      for (const change of changes) lines.set(change.file, [...(lines.get(change.file) ?? []), change.line]);
      for (const file of tree(source)) {
        const before = readFileSync(path.join(source, file), 'utf8');
        const after = readFileSync(path.join(copy, file), 'utf8');
        const planLines = [...new Set(lines.get(file) ?? [])].sort((a, b) => a - b);
        expect({ file, changed: changedLines(before, after) }).toEqual({ file, changed: planLines });
      }
      for (const change of changes) {
        const line = readFileSync(path.join(copy, change.file), 'utf8').split('\n')[change.line - 1];
        for (const part of change.new.split('@').filter(Boolean)) expect(line).toContain(part);
      }
    },
  );
});
