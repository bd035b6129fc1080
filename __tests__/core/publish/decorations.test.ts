// What a promotion PR lacks of what its policy asks: a pure table (labels, assignees, reviewers, teams, auto-merge).
import { missingDecorations, type Decorations } from '../../../src/core/publish/decorations.js';
import type { OpenPullRequest } from '../../../src/core/publish/state.js';

const wanted: Decorations = {
  labels: ['promotion', 'stage:staging'],
  assignees: ['alice'],
  reviewers: ['bob'],
  teamReviewers: ['sre'],
  autoMerge: 'squash',
};
const pr = (extra: Partial<OpenPullRequest> = {}): OpenPullRequest => ({
  number: 1,
  nodeId: 'PR_1',
  url: 'u',
  title: 't',
  body: '',
  draft: false,
  ...extra,
});
const complete = {
  labels: ['Promotion', 'stage:staging', 'added-by-hand'],
  assignees: ['Alice'],
  reviewers: ['bob'],
  teamReviewers: ['sre'],
  autoMerge: true,
  mergeState: 'BLOCKED',
};

describe('missingDecorations', () => {
  it.each<[string, Partial<OpenPullRequest>, Partial<Decorations> | undefined, string | undefined]>([
    ['a new PR lacks everything', {}, { ...wanted, headSha: 'h' }, undefined],
    ['a complete PR lacks nothing (names compared case-insensitively)', complete, undefined, undefined],
    [
      'a label taken off',
      { ...complete, labels: ['promotion'] },
      { labels: ['stage:staging'], assignees: [], autoMerge: false },
      undefined,
    ],
    ['a reviewer who reviewed is not asked again', { ...complete, reviewers: ['bob'] }, undefined, undefined],
    [
      'a team whose request a review answered is not asked again',
      { ...complete, teamReviewers: [], reviewed: true },
      undefined,
      undefined,
    ],
    [
      'a team request gone without a review is made again',
      { ...complete, teamReviewers: [] },
      { teamReviewers: ['sre'], autoMerge: false },
      undefined,
    ],
    [
      'auto-merge missing while the PR waits (blocked) → enable it',
      { ...complete, autoMerge: false },
      { labels: [], autoMerge: 'squash', headSha: 'h' },
      undefined,
    ],
    [
      'auto-merge missing while the PR computes its state → try',
      { ...complete, autoMerge: false, mergeState: 'UNKNOWN' },
      { autoMerge: 'squash' },
      undefined,
    ],
    [
      'auto-merge missing on a clean PR → GitHub would refuse it: say so, send nothing',
      { ...complete, autoMerge: false, mergeState: 'CLEAN' },
      undefined,
      'CLEAN',
    ],
    [
      'auto-merge missing on an unstable PR → refused as well',
      { ...complete, autoMerge: false, mergeState: 'UNSTABLE' },
      undefined,
      'UNSTABLE',
    ],
    ['a draft never gets auto-merge', { ...complete, autoMerge: false, draft: true }, undefined, undefined],
  ])('%s', (_name, state, decorations, refused) => {
    const missing = missingDecorations(wanted, pr(state), 'h');
    if (decorations) expect(missing.decorations).toMatchObject(decorations);
    else expect(missing.decorations).toBeUndefined();
    expect(missing.autoMergeRefused).toBe(refused);
  });

  it('asks for nothing the policy does not want', () => {
    const none: Decorations = { labels: [], assignees: [], reviewers: [], teamReviewers: [], autoMerge: false };
    expect(missingDecorations(none, pr(), 'h')).toEqual({});
  });
});
