// A stage's `pullRequest:`: how the pull request that promotes INTO the stage is opened (labels, reviewers,
// draft, auto-merge, branch name).
import { isMap, isScalar } from 'yaml';
import {
  type Checker,
  type Entry,
  type KeyTree,
  type YamlNode,
  describe,
  hasControl,
  readBoolean,
  readMap,
  readNonEmptyString,
  readStringList,
} from './checker.js';
import { didYouMean } from './did-you-mean.js';

/** GitHub's merge methods, as `autoMerge:`, the action's `auto-merge` input and the GitHub API name them. */
export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

export interface PullRequestPolicy {
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  assignees: string[];
  draft: boolean;
  autoMerge: false | MergeMethod;
  /** Branch name template; `{from}` and `{to}` are the stage names. */
  branch: string;
}

export const DEFAULT_BRANCH = 'stagecoach/{from}-to-{to}';

export const PULL_REQUEST_KEYS = {
  labels: null,
  reviewers: null,
  teamReviewers: null,
  assignees: null,
  draft: null,
  autoMerge: null,
  branch: null,
} as const satisfies KeyTree;

const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const TEAM_SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const LABEL_MAX = 50; // GitHub refuses longer label names

export function defaultPullRequest(stage: string): PullRequestPolicy {
  return {
    labels: ['promotion', `stage:${stage}`],
    reviewers: [],
    teamReviewers: [],
    assignees: [],
    draft: false,
    autoMerge: false,
    branch: DEFAULT_BRANCH,
  };
}

export function readPullRequest(
  c: Checker,
  entry: Entry,
  path: string,
  defaults: PullRequestPolicy,
): PullRequestPolicy {
  const expected = 'a mapping such as "{ labels: [promotion], reviewers: [alice] }"';
  const fields = readMap(c, entry.value, entry.key, path, PULL_REQUEST_KEYS, expected);
  const policy = { ...defaults };
  if (!fields) return policy;
  const labels = fields.get('labels');
  if (labels) policy.labels = readLabels(c, labels, `${path}.labels`) ?? policy.labels;
  for (const key of ['reviewers', 'assignees'] as const) {
    const logins = fields.get(key);
    if (logins) policy[key] = readLogins(c, logins, `${path}.${key}`) ?? [];
  }
  const teams = fields.get('teamReviewers');
  if (teams) policy.teamReviewers = readTeams(c, teams, `${path}.teamReviewers`) ?? [];
  const draft = fields.get('draft');
  if (draft) policy.draft = readBoolean(c, draft.value, draft.key, `${path}.draft`) ?? policy.draft;
  const autoMerge = fields.get('autoMerge');
  if (autoMerge) policy.autoMerge = readAutoMerge(c, autoMerge, `${path}.autoMerge`) ?? policy.autoMerge;
  const branch = fields.get('branch');
  if (branch) policy.branch = readBranch(c, branch, `${path}.branch`) ?? policy.branch;
  return policy;
}

function readLabels(c: Checker, entry: Entry, path: string): string[] | undefined {
  return readStringList(c, entry.value, entry.key, path, 'labels', (text, node, p) => {
    if (text.length <= LABEL_MAX) return text;
    c.report(node, p, `label "${text}" is longer than ${LABEL_MAX} characters, which GitHub refuses`);
    return undefined;
  });
}

function readLogins(c: Checker, entry: Entry, path: string): string[] | undefined {
  return readStringList(c, entry.value, entry.key, path, 'GitHub user names', (text, node, p) => {
    if (GITHUB_LOGIN.test(text)) return text;
    const bare = text.replace(/^@/, '');
    const hint =
      bare !== text && GITHUB_LOGIN.test(bare)
        ? `; write it without the "@": ${bare}`
        : bare.includes('/')
          ? '; teams go under teamReviewers:'
          : '';
    c.report(node, p, `"${text}" is not a GitHub user name${hint}`);
    return undefined;
  });
}

function readTeams(c: Checker, entry: Entry, path: string): string[] | undefined {
  return readStringList(c, entry.value, entry.key, path, 'team slugs', (text, node, p) => {
    if (TEAM_SLUG.test(text)) return text;
    const tail = text.replace(/^@/, '').split('/').pop() ?? '';
    const hint =
      text.includes('/') && TEAM_SLUG.test(tail)
        ? `; give the team slug without the organisation: ${tail}`
        : '; give the team slug, e.g. platform-team';
    c.report(node, p, `"${text}" is not a team slug${hint}`);
    return undefined;
  });
}

/** `false` or a merge method; `true` is refused with advice (GitHub needs the method). */
function readAutoMerge(c: Checker, entry: Entry, path: string): PullRequestPolicy['autoMerge'] | undefined {
  const node = entry.value;
  if (isScalar(node) && node.value === false) return false;
  if (isScalar(node) && node.value === true) {
    c.report(
      node,
      path,
      `expected false or a merge method (${MERGE_METHODS.join(', ')}), got true; name the method, e.g. autoMerge: squash`,
    );
    return undefined;
  }
  const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
  if (text !== undefined && (MERGE_METHODS as readonly string[]).includes(text)) return text as MergeMethod;
  const hint = text !== undefined ? didYouMean(text, MERGE_METHODS) : '';
  c.report(node ?? entry.key, path, `expected false, ${MERGE_METHODS.join(', ')}, got ${describe(node)}${hint}`);
  return undefined;
}

function readBranch(c: Checker, entry: Entry, path: string): string | undefined {
  const what = 'a branch name template such as "stagecoach/{from}-to-{to}"';
  const template = readNonEmptyString(c, entry.value, entry.key, path, what);
  if (template === undefined) return undefined;
  const problem = branchTemplateProblem(template);
  if (!problem) return template;
  c.report(entry.value ?? entry.key, path, problem);
  return undefined;
}

/** Why a branch template would not give a valid branch name (git check-ref-format rules), or undefined. */
function branchTemplateProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)]
    .map((m) => m[1])
    .filter((name) => name !== 'from' && name !== 'to');
  if (unknown.length > 0)
    return `unknown placeholder {${unknown[0]}}${didYouMean(unknown[0], ['from', 'to'])}; the branch template knows {from} and {to}`;
  const sample = template.replace(/\{from\}/g, 'dev').replace(/\{to\}/g, 'prod');
  // https://git-scm.com/docs/git-check-ref-format
  const bad =
    hasControl(sample) || /[ ~^:?*[\\]/.test(sample)
      ? 'it contains a space or one of ~ ^ : ? * [ \\'
      : sample.includes('..')
        ? 'it contains ".."'
        : sample.includes('@{')
          ? 'it contains "@{"'
          : sample.includes('//') || sample.startsWith('/') || sample.endsWith('/')
            ? 'it has an empty folder ("//" or a leading or trailing "/")'
            : sample.endsWith('.')
              ? 'it ends with "."'
              : sample.split('/').some((s) => s.startsWith('.') || s.endsWith('.lock'))
                ? 'a part starts with "." or ends with ".lock"'
                : sample === '@'
                  ? 'it is "@"'
                  : /[{}]/.test(sample)
                    ? 'it has an unmatched "{" or "}"'
                    : undefined;
  return bad && `"${template}" does not make a valid git branch name: ${bad}`;
}

/** The `branch:` node of a stage's pullRequest (where a clash is reported), or undefined. */
export function branchNode(entry: Entry | undefined): YamlNode | undefined {
  return entry && isMap(entry.value)
    ? ((entry.value.get('branch', true) as YamlNode | undefined) ?? undefined)
    : undefined;
}

/** Two target stages must not push to the same branch (the first stage's source is the registry). */
export function checkBranches(c: Checker, targets: { name: string; branch: string; where: YamlNode }[]): void {
  const seen = new Map<string, string>();
  targets.forEach(({ name, branch: template, where }, i) => {
    if (!name) return;
    const from = i === 0 ? 'registry' : targets[i - 1].name;
    const branch = template.replace(/\{from\}/g, from).replace(/\{to\}/g, name);
    const other = seen.get(branch);
    if (other !== undefined) {
      c.report(
        where,
        `stages[${i}].pullRequest.branch`,
        `promotions into "${name}" and "${other}" would both use branch "${branch}"; put {to} in the template`,
      );
    } else seen.set(branch, name);
  });
}
