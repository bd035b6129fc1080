// The PR step's decision as a table: what GitHub shows, this run's plan and what the run did → the one next step.
// Each row is a state the race and rerun tests of the engine (engine/publish*.test.ts) go through, without any GitHub.
import { draftChange, nextStep, type BuiltPlan, type Memory, type Step } from '../../../src/core/publish/next-step.js';
import type { Snapshot } from '../../../src/core/publish/state.js';
import { renderPromotionBlock } from '../../../src/core/report/pull-request-body.js';

const BASE = 'b'.repeat(40);
const OLD_BASE = 'a'.repeat(40);
const NEW_BASE = 'c'.repeat(40);
const [OURS, THEIRS] = ['1'.repeat(64), '2'.repeat(64)];
const T1 = '2030-01-01T00:00:01.000Z';
const T2 = '2030-01-01T00:00:02.000Z';

interface BranchSpec {
  head: string;
  parent: string;
  hash?: string;
  builtAt?: string;
}
interface PullSpec {
  hash?: string;
  commit?: string;
  rebuilt?: boolean;
  gateDraft?: boolean;
  draft?: boolean;
}

function snapshot(spec: { base?: string; branch?: BranchSpec; pr?: PullSpec } = {}): Snapshot {
  const { branch, pr } = spec;
  return {
    repositoryId: 'R_1',
    base: { name: 'main', head: spec.base ?? BASE, tree: 'tree' },
    ...(branch
      ? {
          branch: {
            head: branch.head,
            parents: [branch.parent],
            message: branch.hash
              ? `promote(staging): api\n\nStagecoach-Plan: ${branch.hash}\nStagecoach-Built-At: ${branch.builtAt ?? T1}\n`
              : 'a commit made by hand\n',
          },
        }
      : {}),
    ...(pr
      ? {
          pullRequest: {
            number: 7,
            nodeId: 'PR_7',
            url: 'https://github.example/acme/config/pull/7',
            title: 'promote(staging): api',
            draft: pr.draft ?? false,
            body: pr.hash
              ? `text\n\n${renderPromotionBlock({
                  from: 'dev',
                  to: 'staging',
                  planHash: pr.hash,
                  images: [],
                  ...(pr.commit ? { commit: pr.commit } : {}),
                  ...(pr.rebuilt ? { rebuilt: true } : {}),
                  ...(pr.gateDraft ? { gateDraft: true } : {}),
                })}`
              : 'edited by hand',
          },
        }
      : {}),
  };
}

const built = (extra: Partial<BuiltPlan> = {}): BuiltPlan => ({
  hash: OURS,
  builtAt: T1,
  base: BASE,
  changes: 1,
  draft: false,
  decorations: { labels: [], assignees: [], reviewers: [], teamReviewers: [], autoMerge: false },
  ...extra,
});

const memory = (extra: Partial<Memory> & { wrote?: boolean } = {}): Memory => ({
  bases: new Set([BASE]),
  ownCommits: new Set(),
  bodies: new Set(),
  ...extra,
});

/** A later plan of another run on our base, holding the branch. */
const theirs: BranchSpec = { head: 'c2', parent: BASE, hash: THEIRS, builtAt: T2 };
/** Our plan on our base (a commit of ours, or of a concurrent run of the same plan). */
const ours: BranchSpec = { head: 'c1', parent: BASE, hash: OURS, builtAt: T1 };

const rows: [string, Snapshot, BuiltPlan, Memory, Partial<Step> & { kind: Step['kind'] }][] = [
  // A new promotion, step by step.
  ['new: no branch, no PR → commit', snapshot(), built(), memory(), { kind: 'commit' }],
  [
    'new: committed → create the branch (no head to compare)',
    snapshot(),
    built(),
    memory({ commit: 'c1', ownCommits: new Set(['c1']) }),
    { kind: 'move-branch', commit: 'c1' },
  ],
  [
    'new: the branch holds the commit → open',
    snapshot({ branch: ours }),
    built(),
    memory({ commit: 'c1', ownCommits: new Set(['c1']) }),
    { kind: 'open' },
  ],
  [
    'new: opened on our base → done, created',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory({ commit: 'c1', created: { number: 7, url: 'u' }, opened: { baseSha: BASE } }),
    { kind: 'done', operation: 'created', number: 7, commit: 'c1' },
  ],
  [
    'new: opened while the base moved → read GitHub again',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory({ commit: 'c1', created: { number: 7, url: 'u' }, opened: { baseSha: NEW_BASE } }),
    { kind: 'recheck' },
  ],
  // Reruns.
  [
    'rerun, same plan, PR shows it at the head → unchanged',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory(),
    { kind: 'unchanged', commit: 'c1' },
  ],
  [
    'rerun, same plan, PR body edited by hand → adopt the commit, then update',
    snapshot({ branch: ours, pr: {} }),
    built(),
    memory(),
    { kind: 'adopt-commit', commit: 'c1' },
  ],
  [
    'rerun, adopted commit at the head, PR body stale → update',
    snapshot({ branch: ours, pr: {} }),
    built(),
    memory({ commit: 'c1' }),
    { kind: 'update' },
  ],
  [
    'rerun, a newer plan over an older one on an older base → commit',
    snapshot({
      branch: { head: 'c0', parent: OLD_BASE, hash: THEIRS, builtAt: T1 },
      pr: { hash: THEIRS, commit: 'c0' },
    }),
    built({ builtAt: T2 }),
    memory(),
    { kind: 'commit' },
  ],
  [
    'rerun, newer plan committed → move the branch from its head (compare-and-swap)',
    snapshot({ branch: { head: 'c0', parent: OLD_BASE, hash: THEIRS }, pr: { hash: THEIRS, commit: 'c0' } }),
    built(),
    memory({ commit: 'c1' }),
    { kind: 'move-branch', commit: 'c1', from: 'c0' },
  ],
  [
    'rerun, same plan but the branch sits on an older base → commit anew (the branch must sit on the base head)',
    snapshot({ branch: { ...ours, parent: OLD_BASE }, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory(),
    { kind: 'commit' },
  ],
  [
    'rerun, branch moved, PR shows an older plan → update',
    snapshot({ branch: ours, pr: { hash: THEIRS, commit: 'c0' } }),
    built(),
    memory({ commit: 'c1' }),
    { kind: 'update' },
  ],
  // Nothing left to promote.
  [
    'the target caught up, a PR is open → close',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1' } }),
    built({ changes: 0 }),
    memory(),
    { kind: 'close' },
  ],
  ['the target caught up, no PR → none', snapshot(), built({ changes: 0 }), memory(), { kind: 'none' }],
  // The base moves.
  ['the base moved since the build → rebuild', snapshot({ base: NEW_BASE }), built(), memory(), { kind: 'rebuild' }],
  [
    'the base moved after our PR update → rebuild, not a lost race',
    snapshot({ base: NEW_BASE, branch: ours, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory({ commit: 'c1', wrote: true }),
    { kind: 'rebuild' },
  ],
  // Checks after our update.
  [
    'our update stuck → done, updated',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory({ commit: 'c1', wrote: true }),
    { kind: 'done', operation: 'updated', commit: 'c1' },
  ],
  [
    'our update stuck on the PR this run opened → done, created',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory({ commit: 'c1', wrote: true, created: { number: 7, url: 'u' } }),
    { kind: 'done', operation: 'created' },
  ],
  [
    "another run's rebuilt description of our plan landed over our full body → lost race",
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1', rebuilt: true } }),
    built(),
    memory({ commit: 'c1', wrote: true }),
    { kind: 'lost-race' },
  ],
  [
    'after that lost race, a rebuilt body of our own plan is not ours in full → update',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1', rebuilt: true } }),
    built(),
    memory({ commit: 'c1' }),
    { kind: 'update' },
  ],
  [
    'an earlier plan of another run moved the branch after our update → lost race',
    snapshot({
      branch: { head: 'c0', parent: BASE, hash: THEIRS, builtAt: '2030-01-01T00:00:00.000Z' },
      pr: { hash: OURS, commit: 'c1' },
    }),
    built(),
    memory({ commit: 'c1', wrote: true }),
    { kind: 'lost-race' },
  ],
  [
    'a branch rewritten by hand after our compare-and-swap failed → move it again from there',
    snapshot({ branch: { head: 'x9', parent: BASE } }),
    built(),
    memory({ commit: 'c1' }),
    { kind: 'move-branch', commit: 'c1', from: 'x9' },
  ],
  // Two runs: the later plan wins.
  [
    'a later plan of another run holds the branch → superseded',
    snapshot({ branch: theirs, pr: { hash: THEIRS, commit: 'c2' } }),
    built(),
    memory(),
    { kind: 'superseded' },
  ],
  [
    'a later plan holds the branch, no PR yet → superseded (it opens it)',
    snapshot({ branch: theirs }),
    built(),
    memory({ commit: 'c1' }),
    { kind: 'superseded' },
  ],
  [
    'the same build time: the larger plan hash is the later plan',
    snapshot({ branch: { ...theirs, builtAt: T1 } }),
    built(),
    memory(),
    { kind: 'superseded' },
  ],
  [
    'an earlier plan of another run on our base → commit over it',
    snapshot({ branch: { ...theirs, builtAt: '2030-01-01T00:00:00.000Z' }, pr: { hash: THEIRS, commit: 'c2' } }),
    built(),
    memory(),
    { kind: 'commit' },
  ],
  [
    'a later plan on a base this run never saw is not concurrent (runner clocks differ) → commit over it',
    snapshot({ branch: { ...theirs, parent: OLD_BASE, builtAt: '2031-01-01T00:00:00.000Z' } }),
    built(),
    memory(),
    { kind: 'commit' },
  ],
  [
    'a later plan on a base this run built on before a rebuild is concurrent → superseded',
    snapshot({ base: NEW_BASE, branch: { ...theirs, parent: BASE } }),
    built({ base: NEW_BASE }),
    memory({ bases: new Set([BASE, NEW_BASE]) }),
    { kind: 'superseded' },
  ],
  [
    "this run's own earlier commit (same time, before a rebuild) is never a rival → commit",
    snapshot({ base: NEW_BASE, branch: { head: 'c1', parent: BASE, hash: THEIRS, builtAt: T1 } }),
    built({ base: NEW_BASE }),
    memory({ bases: new Set([BASE, NEW_BASE]), ownCommits: new Set(['c1']) }),
    { kind: 'commit' },
  ],
  [
    'a concurrent run of the same plan moved the branch first → adopt its commit instead of ours',
    snapshot({ branch: { ...ours, head: 'c9' } }),
    built(),
    memory({ commit: 'c1', ownCommits: new Set(['c1']) }),
    { kind: 'adopt-commit', commit: 'c9' },
  ],
  // Late body writes: PR bodies have no compare-and-swap.
  [
    "our body landed over a later plan's → repair it from the later plan's commit",
    snapshot({ branch: theirs, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory({ bodies: new Set([OURS]) }),
    { kind: 'repair-body' },
  ],
  [
    "a body we did not write over a later plan is that run's business → superseded",
    snapshot({ branch: theirs, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory(),
    { kind: 'superseded' },
  ],
  [
    'our repair stands (the rebuilt later plan) → superseded',
    snapshot({ branch: theirs, pr: { hash: THEIRS, commit: 'c2', rebuilt: true } }),
    built(),
    memory({ bodies: new Set([OURS, THEIRS]) }),
    { kind: 'superseded' },
  ],
  [
    'three runs: our description of B landed after C took the branch → repair again, for C',
    snapshot({
      branch: { head: 'c3', parent: BASE, hash: '3'.repeat(64), builtAt: '2030-01-01T00:00:03.000Z' },
      pr: { hash: THEIRS, commit: 'c2', rebuilt: true },
    }),
    built(),
    memory({ bodies: new Set([OURS, THEIRS]) }),
    { kind: 'repair-body' },
  ],
  [
    'a late body and a moved base: the repair comes before any rebuild',
    snapshot({ base: NEW_BASE, branch: theirs, pr: { hash: OURS, commit: 'c1' } }),
    built(),
    memory({ bodies: new Set([OURS]) }),
    { kind: 'repair-body' },
  ],
  [
    'a later plan and a moved base, the body right → superseded, no rebuild',
    snapshot({ base: NEW_BASE, branch: theirs, pr: { hash: THEIRS, commit: 'c2' } }),
    built(),
    memory(),
    { kind: 'superseded' },
  ],
  // Drafts made by failing gates.
  [
    'a gate fails on an open PR → update to a draft',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1' } }),
    built({ draft: true }),
    memory({ commit: 'c1' }),
    { kind: 'update', draft: true },
  ],
  [
    "the gate still fails, the PR is the gate's draft → unchanged",
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1', gateDraft: true, draft: true } }),
    built({ draft: true }),
    memory(),
    { kind: 'unchanged' },
  ],
  [
    'the gate passes again → update, ready for review',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1', gateDraft: true, draft: true } }),
    built(),
    memory({ commit: 'c1' }),
    { kind: 'update', draft: false },
  ],
  [
    'a draft the policy (not a gate) made stays a draft',
    snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1', draft: true } }),
    built(),
    memory(),
    { kind: 'unchanged' },
  ],
];

describe('nextStep', () => {
  it.each(rows)('%s', (_name, state, plan, done, expected) => {
    // `wrote`: the row's snapshot is the check this run read right after its PR update.
    const { wrote, ...rest } = done as Memory & { wrote?: boolean };
    const step = nextStep(state, plan, wrote ? { ...rest, check: state } : rest);
    expect(step).toMatchObject(expected);
    // Creating the branch names no head to compare with: POST git/refs fails when it exists.
    if (state.branch === undefined && step.kind === 'move-branch') expect(step).not.toHaveProperty('from');
  });

  it('names the later plan it yields to or repairs', () => {
    const step = nextStep(
      snapshot({ branch: theirs, pr: { hash: OURS } }),
      built(),
      memory({ bodies: new Set([OURS]) }),
    );
    expect(step).toMatchObject({
      kind: 'repair-body',
      held: { hash: THEIRS, commit: 'c2', parent: BASE, builtAt: T2 },
      pullRequest: { number: 7 },
    });
  });
});

describe('draftChange', () => {
  it.each([
    [true, false, false, true],
    [true, true, false, undefined],
    [false, true, true, false],
    [false, true, false, undefined],
    [false, false, false, undefined],
  ])('wants a draft %s, is a draft %s, made by a gate %s → %s', (want, is, byGate, expected) => {
    expect(draftChange(want, is, byGate)).toBe(expected);
  });
});

describe('nextStep and the PR decorations', () => {
  const labelled = built({
    decorations: { labels: ['promotion'], assignees: [], reviewers: [], teamReviewers: [], autoMerge: false },
  });
  const shown = snapshot({ branch: ours, pr: { hash: OURS, commit: 'c1' } });

  it('an unchanged PR that lost a label is decorated, once, then unchanged', () => {
    expect(nextStep(shown, labelled, memory())).toMatchObject({
      kind: 'decorate',
      decorations: { labels: ['promotion'] },
    });
    expect(nextStep(shown, labelled, memory({ decorated: true }))).toMatchObject({ kind: 'unchanged' });
  });

  it('a PR just opened is decorated before the run ends, with auto-merge on our commit', () => {
    const wants = built({ decorations: { ...labelled.decorations, autoMerge: 'merge' } });
    const opened = memory({ commit: 'c1', created: { number: 7, url: 'u' }, opened: { baseSha: BASE } });
    expect(nextStep(shown, wants, opened)).toMatchObject({
      kind: 'decorate',
      decorations: { autoMerge: 'merge', headSha: 'c1' },
    });
    expect(nextStep(shown, wants, { ...opened, decorated: true })).toMatchObject({
      kind: 'done',
      operation: 'created',
    });
  });

  it('after an update that stuck, what the check shows missing is put on before done', () => {
    const done = memory({ commit: 'c1' });
    expect(nextStep(shown, labelled, { ...done, check: shown })).toMatchObject({ kind: 'decorate' });
    expect(nextStep(shown, labelled, { ...done, check: shown, decorated: true })).toMatchObject({
      kind: 'done',
      operation: 'updated',
    });
  });

  it('a superseded run leaves the PR to the later plan', () => {
    expect(
      nextStep(snapshot({ branch: theirs, pr: { hash: THEIRS, commit: 'c2' } }), labelled, memory()),
    ).toMatchObject({ kind: 'superseded' });
  });
});
