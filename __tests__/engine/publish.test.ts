// The PR step against an in-memory GitHub that records calls (the emulator-backed tests are in publish-github.test.ts).
import type { Plan } from '../../src/core/plan-types.js';
import { parsePromotionBlock, planHash } from '../../src/core/report/pull-request-body.js';
import { promotionBranch, publishPromotion, type PublishRequest } from '../../src/engine/publish.js';
import { BRANCH, clock, makePlan, policy, type ChangeSpec } from './publish-fixtures.js';
import { FakeGitHub } from '../support/fake-github.js';

/** A clock a second ahead at each call: runs one after another are ordered even within one millisecond. */
let clockMs = Date.parse('2024-01-01T00:00:00Z');
const tick = () => new Date((clockMs += 1000));

/** A promotion whose build reads staging/api.yaml at the base and sets its version to `version`. */
function promotion(
  github: FakeGitHub,
  version: string,
  extra: Partial<PublishRequest> = {},
): PublishRequest & { builds: string[] } {
  const builds: string[] = [];
  return {
    owner: 'acme',
    repo: 'config',
    from: 'dev',
    to: 'staging',
    policy,
    builds,
    async build(baseSha: string): Promise<{ plan: Plan; files: Record<string, string> }> {
      builds.push(baseSha);
      const text = github.commits.get(baseSha)?.files['staging/api.yaml'] as string;
      const old = /:(\S+)/.exec(text)?.[1] as string;
      const specs: ChangeSpec[] =
        old === version ? [] : [{ file: 'staging/api.yaml', image: 'ghcr.io/acme/api', old, new: version, line: 1 }];
      return {
        plan: makePlan('dev', 'staging', specs),
        files: specs.length ? { 'staging/api.yaml': `image: ghcr.io/acme/api:${version}\n` } : {},
      };
    },
    async describe(base: string, head: string): Promise<Plan> {
      const version = (sha: string) =>
        /:(\S+)/.exec(github.commits.get(sha)?.files['staging/api.yaml'] as string)?.[1] as string;
      const [old, now] = [version(base), version(head)];
      return makePlan(
        'dev',
        'staging',
        old === now ? [] : [{ file: 'staging/api.yaml', image: 'ghcr.io/acme/api', old, new: now, line: 1 }],
      );
    },
    ...extra,
  };
}

function newGitHub(): FakeGitHub {
  return new FakeGitHub({ 'staging/api.yaml': 'image: ghcr.io/acme/api:1.4.0\n', 'README.md': 'hi\n' });
}

describe('promotionBranch', () => {
  it('fills the template and keeps the name a valid ref', () => {
    expect(promotionBranch('stagecoach/{from}-to-{to}', 'dev', 'staging')).toBe('stagecoach/dev-to-staging');
    expect(promotionBranch('promote/{to}', 'images', 'eu/prod')).toBe('promote/eu-prod');
    expect(promotionBranch('x/{from}..{to}.lock', 'a b', 'c~d')).toBe('x/a-b.c-d-lock');
  });
});

describe('publishPromotion (in-memory GitHub)', () => {
  it('creates the branch, one commit on the base head and the PR, decorated', async () => {
    const github = newGitHub();
    const request = promotion(github, '1.5.0', { policy: { ...policy, reviewers: ['octocat'], autoMerge: 'squash' } });
    const result = await publishPromotion(github, request, { now: tick });
    expect(github.calls).toEqual([
      'snapshot',
      'tree',
      'commit',
      'ref:create',
      'pull:create',
      'issue:update',
      'reviewers',
      'graphql:automerge',
    ]);
    expect(result).toMatchObject({ operation: 'created', number: 1, branch: BRANCH, requests: 8 });
    const head = github.refs.get(BRANCH) as string;
    expect(result.commitSha).toBe(head);
    expect(github.commits.get(head)?.parent).toBe(github.refs.get('main'));
    expect(github.filesAt(BRANCH)).toEqual({
      'staging/api.yaml': 'image: ghcr.io/acme/api:1.5.0\n',
      'README.md': 'hi\n',
    });
    const pull = github.pulls[0];
    expect(pull.title).toBe('promote(staging): api 1.4.0 → 1.5.0');
    expect(pull.decorations).toMatchObject({
      labels: ['promotion', 'stage:staging'],
      reviewers: ['octocat'],
      autoMerge: 'squash',
      headSha: head,
    });
    expect(parsePromotionBlock(pull.body)).toMatchObject({ from: 'dev', to: 'staging', commit: head });
    expect(github.commits.get(head)?.message).toMatch(
      /\n\nStagecoach-From: dev\nStagecoach-To: staging\nStagecoach-Plan: [0-9a-f]{64}\nStagecoach-Built-At: \S+\n$/,
    );
  });

  it('does nothing but one read on a rerun with the same plan', async () => {
    const github = newGitHub();
    await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    github.calls = [];
    const result = await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    expect(result).toMatchObject({ operation: 'unchanged', number: 1, requests: 1 });
    expect(github.calls).toEqual(['snapshot']);
  });

  it('rebuilds the branch on the base head for a newer plan and updates the same PR', async () => {
    const github = newGitHub();
    await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    const base = github.pushToMain({ 'README.md': 'moved\n' });
    github.calls = [];
    const result = await publishPromotion(github, promotion(github, '1.6.0'), { now: tick });
    expect(result).toMatchObject({ operation: 'updated', number: 1 });
    expect(github.calls).toEqual(['snapshot', 'tree', 'commit', 'ref:update', 'pull:update', 'snapshot']);
    const head = github.refs.get(BRANCH) as string;
    expect(github.commits.get(head)?.parent).toBe(base);
    expect(github.filesAt(BRANCH)['README.md']).toBe('moved\n');
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0].title).toBe('promote(staging): api 1.4.0 → 1.6.0');
  });

  it('rebuilds an unchanged plan whose base moved (the branch must sit on the base head)', async () => {
    const github = newGitHub();
    await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    const base = github.pushToMain({ 'README.md': 'moved\n' });
    const result = await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    expect(result.operation).toBe('updated');
    expect(github.commits.get(github.refs.get(BRANCH) as string)?.parent).toBe(base);
  });

  it('closes the PR with a comment when the target caught up, and reports none when there is no PR', async () => {
    const github = newGitHub();
    await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    github.pushToMain({ 'staging/api.yaml': 'image: ghcr.io/acme/api:1.5.0\n' });
    const closed = await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    expect(closed).toMatchObject({ operation: 'closed', number: 1 });
    expect(github.pulls[0].open).toBe(false);
    expect(github.pulls[0].comments[0]).toMatch(/already runs what `dev` offers/);
    expect(await publishPromotion(github, promotion(github, '1.5.0'), { now: tick })).toMatchObject({
      operation: 'none',
      requests: 1,
    });
  });

  it('rebuilds on the new base when the base moves before the PR is opened', async () => {
    const github = newGitHub();
    let moved: string | undefined;
    github.before = (call) => {
      if (call === 'pull:create' && !moved) moved = github.pushToMain({ 'other.txt': 'x' });
    };
    const request = promotion(github, '1.5.0');
    const result = await publishPromotion(github, request, { now: tick });
    expect(result.operation).toBe('created');
    expect(request.builds).toHaveLength(2);
    expect(request.builds[1]).toBe(moved);
    expect(github.commits.get(github.refs.get(BRANCH) as string)?.parent).toBe(moved);
    expect(parsePromotionBlock(github.pulls[0].body)?.commit).toBe(github.refs.get(BRANCH));
  });

  it('fails clearly when the base keeps moving', async () => {
    const github = newGitHub();
    github.before = (call) => {
      if (call === 'pull:create' || call === 'pull:update') github.pushToMain({ [`f${github.calls.length}`]: 'x' });
    };
    const request = promotion(github, '1.5.0');
    await expect(publishPromotion(github, request, { now: tick })).rejects.toThrow(
      /base branch main of acme\/config kept moving .* gave up after rebuilding the promotion 3 times/,
    );
    expect(request.builds).toHaveLength(4);
  });

  it('moves the branch by compare-and-swap: a concurrent write fails it and the pass starts over', async () => {
    const github = newGitHub();
    await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    github.pushToMain({ 'README.md': 'moved\n' });
    let raced = false;
    github.before = (call) => {
      if (call === 'commit' && !raced) {
        raced = true;
        // Someone else rewrites the branch while we build our commit.
        const base = github.refs.get('main') as string;
        github.refs.set(BRANCH, github.addCommit({ parent: base, files: github.filesAt('main'), message: 'other' }));
      }
    };
    const result = await publishPromotion(github, promotion(github, '1.6.0'), { now: tick });
    expect(result.operation).toBe('updated');
    expect(github.calls.filter((call) => call === 'ref:update')).toHaveLength(2);
    expect(github.filesAt(BRANCH)['staging/api.yaml']).toBe('image: ghcr.io/acme/api:1.6.0\n');
  });

  it('turns the PR into a draft while a gate fails and back when it passes', async () => {
    const github = newGitHub();
    await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    const failing = await publishPromotion(
      github,
      promotion(github, '1.5.0', { draft: true, gateReport: '- soak: **failed**' }),
      { now: tick },
    );
    expect(failing.operation).toBe('updated');
    expect(github.pulls[0].draft).toBe(true);
    expect(github.pulls[0].body).toContain('- soak: **failed**');
    expect(parsePromotionBlock(github.pulls[0].body)?.gateDraft).toBe(true);
    expect((await publishPromotion(github, promotion(github, '1.5.0', { draft: true }), { now: tick })).operation).toBe(
      'unchanged',
    );
    const passing = await publishPromotion(github, promotion(github, '1.5.0'), { now: tick });
    expect(passing.operation).toBe('updated');
    expect(github.pulls[0].draft).toBe(false);
  });

  it('lets the later of two interleaved plans win', async () => {
    const github = newGitHub();
    const early = promotion(github, '1.5.0');
    const late = promotion(github, '1.6.0');
    // The later plan takes the branch and opens the PR while the earlier one is between its commit and its ref write.
    let lateRun: Promise<unknown> | undefined;
    github.before = (call) => {
      if (call === 'ref:create' && !lateRun) {
        github.before = undefined;
        lateRun = publishPromotion(github, late, { now: clock('2025-01-01T00:00:02Z') });
      }
    };
    const earlyResult = await publishPromotion(github, early, { now: clock('2025-01-01T00:00:01Z') });
    await lateRun;
    const open = github.pulls.filter((pull) => pull.open);
    expect(open).toHaveLength(1);
    const block = parsePromotionBlock(open[0].body);
    expect(block?.commit).toBe(github.refs.get(BRANCH));
    expect(github.filesAt(BRANCH)['staging/api.yaml']).toBe('image: ghcr.io/acme/api:1.6.0\n');
    expect(block?.planHash).toBe(planHash((await late.build(github.refs.get('main') as string)).plan));
    expect(['unchanged', 'created', 'updated']).toContain(earlyResult.operation);
  });

  it("puts back the later plan's description when an older run's body write lands after that run finished", async () => {
    const github = newGitHub();
    await publishPromotion(
      github,
      promotion(github, '1.5.0', {
        gates: 'passed',
        sourceCommit: { sha: 'a'.repeat(40), url: `https://github.example/acme/config/commit/${'a'.repeat(40)}` },
      }),
      {
        now: clock('2025-01-01T00:00:00Z'),
      },
    );
    const late = promotion(github, '1.7.0', {
      gates: 'failed',
      draft: true,
      sourceCommit: { sha: 'c'.repeat(40), url: `https://github.example/acme/config/commit/${'c'.repeat(40)}` },
    });
    let lateResult: unknown;
    // The older run's PR update is delayed in flight until the later run has finished everything.
    github.before = async (call) => {
      if (call !== 'pull:update') return;
      github.before = undefined;
      lateResult = await publishPromotion(github, late, { now: clock('2025-01-01T00:00:02Z') });
    };
    const early = await publishPromotion(
      github,
      promotion(github, '1.6.0', {
        sourceCommit: { sha: 'b'.repeat(40), url: `https://github.example/acme/config/commit/${'b'.repeat(40)}` },
      }),
      {
        now: clock('2025-01-01T00:00:01Z'),
      },
    );
    expect(lateResult).toMatchObject({ operation: 'updated' });
    const lateHash = planHash((await late.build(github.refs.get('main') as string)).plan);
    expect(early).toMatchObject({ operation: 'unchanged', supersededBy: lateHash, commitSha: github.refs.get(BRANCH) });
    expect(github.filesAt(BRANCH)['staging/api.yaml']).toBe('image: ghcr.io/acme/api:1.7.0\n');
    const [pull] = github.pulls;
    expect(pull.title).toBe('promote(staging): api 1.4.0 → 1.7.0');
    expect(parsePromotionBlock(pull.body)).toMatchObject({
      planHash: lateHash,
      commit: github.refs.get(BRANCH),
      builtAt: '2025-01-01T00:00:02.000Z',
      gateDraft: true,
    });
    expect(pull.body).toContain("rebuilt from the branch's commit");
    expect(pull.body).toContain('The gates failed');
    expect(pull.body).toContain(`[\`cccccccccccc\`](https://github.example/acme/config/commit/${'c'.repeat(40)})`);
    // The later run's gate failure made it a draft; the older run's late write must not have undone that.
    expect(pull.draft).toBe(true);
    const message = github.commits.get(github.refs.get(BRANCH) as string)?.message;
    expect(message).toMatch(/\nStagecoach-Gates: failed\nStagecoach-Source-Commit: c{40}\n$/);
  });

  describe('later plans win over late body writes', () => {
    const second = (n: number) => () => new Date(Date.UTC(2026, 0, 1, 0, 0, n));
    const head = (github: FakeGitHub) => github.refs.get(BRANCH) as string;
    const version = (github: FakeGitHub) => github.filesAt(BRANCH)['staging/api.yaml'];

    it('three runs: a description written late is described again, until the body matches the branch', async () => {
      const github = newGitHub();
      await publishPromotion(github, promotion(github, '1.5.0'), { now: second(0) });
      const b = promotion(github, '1.7.0');
      const c = promotion(github, '1.8.0');
      // A's body write is delayed until B finished; A's description of B is delayed until C finished.
      github.before = async (call) => {
        if (call !== 'pull:update') return;
        github.before = undefined;
        await publishPromotion(github, b, { now: second(2) });
        github.before = async (next) => {
          if (next !== 'pull:update') return;
          github.before = undefined;
          await publishPromotion(github, c, { now: second(3) });
        };
      };
      const a = await publishPromotion(github, promotion(github, '1.6.0'), { now: second(1) });
      const cHash = planHash((await c.build(github.refs.get('main') as string)).plan);
      expect(a).toMatchObject({ operation: 'unchanged', supersededBy: cHash, commitSha: head(github) });
      expect(version(github)).toBe('image: ghcr.io/acme/api:1.8.0\n');
      expect(github.pulls[0].title).toBe('promote(staging): api 1.4.0 → 1.8.0');
      expect(parsePromotionBlock(github.pulls[0].body)).toMatchObject({
        planHash: cHash,
        commit: head(github),
        rebuilt: true,
      });
    });

    it('puts the body right before rebuilding on a base that moved meanwhile (a rebuild that fails leaves nothing wrong)', async () => {
      const github = newGitHub();
      await publishPromotion(github, promotion(github, '1.5.0'), { now: second(0) });
      const a = promotion(github, '1.6.0');
      const build = a.build.bind(a);
      let first: string | undefined;
      a.build = async (baseSha) => {
        first ??= baseSha;
        if (baseSha !== first) throw new Error('the gates did not check this base');
        return build(baseSha);
      };
      github.before = async (call) => {
        if (call !== 'pull:update') return;
        github.before = undefined;
        await publishPromotion(github, promotion(github, '1.7.0'), { now: second(2) });
        github.pushToMain({ 'README.md': 'an unrelated push\n' });
      };
      expect(await publishPromotion(github, a, { now: second(1) })).toMatchObject({ operation: 'unchanged' });
      expect(a.builds).toHaveLength(1);
      expect(version(github)).toBe('image: ghcr.io/acme/api:1.7.0\n');
      expect(parsePromotionBlock(github.pulls[0].body)).toMatchObject({ commit: head(github), rebuilt: true });
      expect(github.pulls[0].title).toBe('promote(staging): api 1.4.0 → 1.7.0');
    });

    it('says what the branch holds even when its changes cannot be read back', async () => {
      const github = newGitHub();
      await publishPromotion(github, promotion(github, '1.5.0'), { now: second(0) });
      const late = promotion(github, '1.7.0');
      github.before = async (call) => {
        if (call !== 'pull:update') return;
        github.before = undefined;
        await publishPromotion(github, late, { now: second(2) });
      };
      const early = promotion(github, '1.6.0', {
        describe: async () => {
          throw new Error('tree truncated at <img src=x onerror=alert(1)> **here**');
        },
      });
      expect(await publishPromotion(github, early, { now: second(1) })).toMatchObject({ operation: 'unchanged' });
      const [pull] = github.pulls;
      expect(pull.title).toBe('promote(staging): api 1.4.0 → 1.7.0');
      expect(parsePromotionBlock(pull.body)).toMatchObject({
        planHash: planHash((await late.build(github.refs.get('main') as string)).plan),
        commit: head(github),
      });
      // The error may quote names from the repository: escaped like everything else in the body.
      expect(pull.body).toContain(
        'could not be read back (tree truncated at &lt;img src=x onerror=alert\\(1\\)&gt; \\*\\*here\\*\\*)',
      );
      expect(pull.body).not.toContain('<img');
    });

    it("the later plan's own rerun replaces a rebuilt description with its full one", async () => {
      const github = newGitHub();
      await publishPromotion(github, promotion(github, '1.5.0'), { now: second(0) });
      github.before = async (call) => {
        if (call !== 'pull:update') return;
        github.before = undefined;
        await publishPromotion(github, promotion(github, '1.7.0', { gateReport: '- soak: **passed**' }), {
          now: second(2),
        });
      };
      await publishPromotion(github, promotion(github, '1.6.0'), { now: second(1) });
      expect(parsePromotionBlock(github.pulls[0].body)?.rebuilt).toBe(true);
      const before = head(github);
      github.calls = [];
      expect(
        await publishPromotion(github, promotion(github, '1.7.0', { gateReport: '- soak: **passed**' }), {
          now: second(5),
        }),
      ).toMatchObject({ operation: 'updated' });
      expect(github.calls).toEqual(['snapshot', 'pull:update', 'snapshot']);
      expect(head(github)).toBe(before);
      expect(parsePromotionBlock(github.pulls[0].body)?.rebuilt).toBeUndefined();
      expect(github.pulls[0].body).toContain('- soak: **passed**');
    });

    it('runner clocks that differ do not matter across bases: a later run replaces a plan built on an older base', async () => {
      const github = newGitHub();
      // The first run's runner clock is ahead; the second run starts after it finished, on a base that moved since.
      await publishPromotion(github, promotion(github, '1.5.0'), { now: second(30) });
      github.pushToMain({ 'README.md': 'a push that triggers the next promotion\n' });
      expect(await publishPromotion(github, promotion(github, '1.6.0'), { now: second(10) })).toMatchObject({
        operation: 'updated',
      });
      expect(version(github)).toBe('image: ghcr.io/acme/api:1.6.0\n');
      expect(github.pulls[0].title).toBe('promote(staging): api 1.4.0 → 1.6.0');
    });

    it("a description rebuilt by an older run that lands over the later run's full body is replaced by that run", async () => {
      const github = newGitHub();
      await publishPromotion(github, promotion(github, '1.5.0'), { now: second(0) });
      const b = promotion(github, '1.7.0', { gateReport: '- soak: **passed**' });
      const gate = () => {
        let open!: () => void;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return { open, opened };
      };
      const [bAtBody, bodyGo, bAtCheck, checkGo] = [gate(), gate(), gate(), gate()];
      let phase = 'start';
      let bRun: Promise<unknown> | undefined;
      let snapshotsWhileRepairing = 0;
      github.before = async (call) => {
        if (phase === 'start' && call === 'pull:update') phase = 'a-body-landed';
        else if (phase === 'a-body-landed' && call === 'snapshot') {
          // A's check waits until B moved the branch and is about to write its body.
          phase = 'b-running';
          bRun = publishPromotion(github, b, { now: second(2) });
          await bAtBody.opened;
          phase = 'a-repairing';
        } else if (phase === 'b-running' && call === 'pull:update') {
          bAtBody.open();
          await bodyGo.opened;
        } else if (phase === 'a-repairing' && call === 'pull:update') {
          // A's rebuilt description of B lands only after B's full body, while B waits before its check.
          bodyGo.open();
          await bAtCheck.opened;
        } else if (phase === 'a-repairing' && call === 'snapshot') {
          snapshotsWhileRepairing += 1;
          if (snapshotsWhileRepairing === 1) {
            bAtCheck.open();
            await checkGo.opened;
          } else {
            phase = 'done';
            checkGo.open();
          }
        }
      };
      const a = await publishPromotion(github, promotion(github, '1.6.0'), { now: second(1) });
      const bResult = await bRun;
      expect(a).toMatchObject({ operation: 'unchanged' });
      expect(bResult).toMatchObject({ operation: 'updated', commitSha: head(github) });
      expect(version(github)).toBe('image: ghcr.io/acme/api:1.7.0\n');
      expect(parsePromotionBlock(github.pulls[0].body)?.rebuilt).toBeUndefined();
      expect(github.pulls[0].body).toContain('- soak: **passed**');
    });

    it('a run never yields to its own earlier commit after rebuilding on a moved base', async () => {
      const github = newGitHub();
      // The base moves (the target's old version too) while the PR is being opened: same run, same time, new plan.
      github.before = (call) => {
        if (call !== 'pull:create') return;
        github.before = undefined;
        github.pushToMain({ 'staging/api.yaml': 'image: ghcr.io/acme/api:1.4.1\n' });
      };
      const request = promotion(github, '1.5.0');
      expect(await publishPromotion(github, request, { now: second(1) })).toMatchObject({ operation: 'created' });
      expect(request.builds).toHaveLength(2);
      expect(github.commits.get(head(github))?.parent).toBe(github.refs.get('main'));
      expect(github.pulls[0].title).toBe('promote(staging): api 1.4.1 → 1.5.0');
      expect(parsePromotionBlock(github.pulls[0].body)?.commit).toBe(head(github));
    });
  });
});
