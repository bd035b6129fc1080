// stages[].pullRequest: labels, reviewers, draft, auto-merge and branch templates.
import { parseConfig } from '../../../src/core/config/index.js';
import { problems, twoStages } from './helpers.js';

describe('parseConfig: pullRequest', () => {
  const withPr = (pr: string) => twoStages().replace('path: envs/prod', `path: envs/prod\n    pullRequest:\n${pr}`);

  test('autoMerge misspelt as automerge', () => {
    expect(problems(withPr('      automerge: squash\n'))).toEqual([
      'stagecoach.yaml:7:7: stages[1].pullRequest.automerge: unknown key "automerge"; did you mean "autoMerge"? (known keys: labels, reviewers, teamReviewers, assignees, draft, autoMerge, branch)',
    ]);
  });

  test('autoMerge values', () => {
    expect(problems(withPr('      autoMerge: true\n'))).toEqual([
      'stagecoach.yaml:7:18: stages[1].pullRequest.autoMerge: expected false or a merge method (merge, squash, rebase), got true; name the method, e.g. autoMerge: squash',
    ]);
    expect(problems(withPr('      autoMerge: sqaush\n'))).toEqual([
      'stagecoach.yaml:7:18: stages[1].pullRequest.autoMerge: expected false, merge, squash, rebase, got "sqaush"; did you mean "squash"?',
    ]);
    expect(parseConfig(withPr('      autoMerge: rebase\n'), 'f').stages[1].pullRequest.autoMerge).toBe('rebase');
  });

  test('draft must be a boolean', () => {
    expect(problems(withPr('      draft: "no"\n'))).toEqual([
      'stagecoach.yaml:7:14: stages[1].pullRequest.draft: expected true or false, got "no"',
    ]);
  });

  test('reviewers and assignees are GitHub logins; teams are slugs', () => {
    expect(
      problems(
        withPr(
          '      reviewers: ["@alice", acme/platform]\n      assignees: [bad_name]\n      teamReviewers: [acme/platform, "Platform Team"]\n',
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:7:19: stages[1].pullRequest.reviewers[0]: "@alice" is not a GitHub user name; write it without the "@": alice',
      'stagecoach.yaml:7:29: stages[1].pullRequest.reviewers[1]: "acme/platform" is not a GitHub user name; teams go under teamReviewers:',
      'stagecoach.yaml:8:19: stages[1].pullRequest.assignees[0]: "bad_name" is not a GitHub user name',
      'stagecoach.yaml:9:23: stages[1].pullRequest.teamReviewers[0]: "acme/platform" is not a team slug; give the team slug without the organisation: platform',
      'stagecoach.yaml:9:38: stages[1].pullRequest.teamReviewers[1]: "Platform Team" is not a team slug; give the team slug, e.g. platform-team',
    ]);
  });

  test('labels longer than GitHub allows, or empty', () => {
    expect(problems(withPr(`      labels: [${'x'.repeat(51)}, ""]\n`))).toEqual([
      `stagecoach.yaml:7:16: stages[1].pullRequest.labels[0]: label "${'x'.repeat(51)}" is longer than 50 characters, which GitHub refuses`,
      'stagecoach.yaml:7:69: stages[1].pullRequest.labels[1]: expected label, got an empty string',
    ]);
  });

  test('branch templates: placeholders and git ref rules', () => {
    expect(problems(withPr('      branch: "promote/{form}-{to}"\n'))).toEqual([
      'stagecoach.yaml:7:15: stages[1].pullRequest.branch: unknown placeholder {form}; did you mean "from"?; the branch template knows {from} and {to}',
    ]);
    expect(problems(withPr('      branch: "promote {to}"\n'))[0]).toMatch(
      /branch: "promote \{to\}" does not make a valid git branch name: it contains a space/,
    );
    expect(problems(withPr('      branch: "a..{to}"\n'))[0]).toMatch(/it contains "\.\."/);
    expect(problems(withPr('      branch: "{to}.lock"\n'))[0]).toMatch(/ends with "\.lock"/);
    expect(parseConfig(withPr('      branch: "release/{to}"\n'), 'f').stages[1].pullRequest.branch).toBe(
      'release/{to}',
    );
  });

  test('two target stages cannot share a branch', () => {
    const text = `stages:
  - name: dev
    path: envs/dev
  - name: staging
    path: envs/staging
    pullRequest: { branch: promote }
  - name: prod
    path: envs/prod
    pullRequest: { branch: promote }
`;
    expect(problems(text)).toEqual([
      'stagecoach.yaml:9:28: stages[2].pullRequest.branch: promotions into "prod" and "staging" would both use branch "promote"; put {to} in the template',
    ]);
  });

  test('pullRequest must be a mapping', () => {
    expect(problems(withPr('      - draft\n'))[0]).toMatch(
      /^stagecoach\.yaml:7:7: stages\[1\]\.pullRequest: expected a mapping such as/,
    );
  });
});
