// REST handlers for pull requests and their issue side: labels, assignees, reviewers, comments.
import {
  NotImplementedError,
  notFound,
  paginate,
  validationFailed,
  type RestContext,
  type RouteSpec,
} from './rest-common.js';
import { diffEntry, issue, issueComment, label, pullRequest, repoApi } from './shapes.js';
import {
  ensureLabel,
  isCollaborator,
  findLabel,
  nextId,
  nodeId,
  now,
  type EmulatorState,
  type PullState,
  type RepoState,
} from './state.js';

export function findPull(repo: RepoState, number: number | string): PullState {
  const pull = repo.pulls.find((p) => p.number === Number(number));
  if (!pull) throw notFound();
  return pull;
}

/** The head commit: the branch while it exists, else the last one seen. */
export async function headSha(repo: RepoState, pull: PullState): Promise<string> {
  const sha = await repo.git.refSha(`refs/heads/${pull.headRef}`);
  if (sha && pull.state === 'open') pull.headSha = sha;
  return pull.headSha;
}

export async function baseSha(repo: RepoState, pull: PullState): Promise<string> {
  return (await repo.git.refSha(`refs/heads/${pull.baseRef}`)) ?? pull.headSha;
}

function duplicateError(repo: RepoState, head: string) {
  return validationFailed([
    { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${head}.` },
  ]);
}

function openDuplicate(repo: RepoState, head: string, base: string, except?: PullState): PullState | undefined {
  return repo.pulls.find((p) => p !== except && p.state === 'open' && p.headRef === head && p.baseRef === base);
}

async function simple(ctx: RestContext, pull: PullState) {
  await headSha(ctx.repo, pull);
  return pullRequest(ctx.state, ctx.repo, pull, await baseSha(ctx.repo, pull));
}

async function full(ctx: RestContext, pull: PullState) {
  const head = await headSha(ctx.repo, pull);
  const base = await baseSha(ctx.repo, pull);
  const git = ctx.repo.git;
  const mergeBase = (await git.mergeBase(base, head)) ?? base;
  const changes = await git.diff(mergeBase, head, { patches: false });
  return pullRequest(ctx.state, ctx.repo, pull, base, {
    commits: (await git.revList(head, { exclude: base })).length,
    additions: changes.reduce((n, c) => n + c.additions, 0),
    deletions: changes.reduce((n, c) => n + c.deletions, 0),
    changedFiles: changes.length,
  });
}

/** GitHub caps issue, pull request and comment bodies at 65,536 characters (422, as in renovatebot/renovate#2032). */
const BODY_MAX = 65536;

/** GitHub counts a title's characters (code points) against 256. */
function checkTitleLength(title: unknown): void {
  if (typeof title === 'string' && [...title].length > 256) {
    throw validationFailed([
      { resource: 'Issue', code: 'custom', field: 'title', message: 'title is too long (maximum is 256 characters)' },
    ]);
  }
}

function checkBodyLength(body: unknown): void {
  if (typeof body === 'string' && body.length > BODY_MAX) {
    throw validationFailed([
      {
        resource: 'Issue',
        code: 'custom',
        field: 'body',
        message: `body is too long (maximum is ${BODY_MAX} characters)`,
      },
    ]);
  }
}

function touch(pull: PullState): void {
  pull.updatedAt = now();
}

/** Label names from `["a"]` or `[{ name: "a" }]`, as the issues API accepts both. */
function labelNames(labels: unknown[]): string[] {
  return labels.map((l) => (typeof l === 'string' ? l : String((l as { name: string }).name)));
}

function setLabels(state: EmulatorState, repo: RepoState, pull: PullState, names: string[]): void {
  pull.labels = [];
  addLabels(state, repo, pull, names);
}

function addLabels(state: EmulatorState, repo: RepoState, pull: PullState, names: string[]): void {
  for (const name of names) {
    const existing = ensureLabel(state, repo, name);
    if (!pull.labels.includes(existing.name)) pull.labels.push(existing.name);
  }
  touch(pull);
}

function issueLabels(ctx: RestContext, pull: PullState) {
  return pull.labels.map((name) => label(ctx.state, ctx.repo, findLabel(ctx.repo, name)!));
}

export const pullRoutes: RouteSpec[] = [
  {
    operationId: 'pulls/list',
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls',
    query: ['state', 'head', 'base', 'sort', 'direction', 'per_page', 'page'],
    handler: async (ctx) => {
      const state = ctx.query.get('state') ?? 'open';
      const head = ctx.query.get('head');
      const base = ctx.query.get('base');
      let pulls = ctx.repo.pulls.filter((p) => state === 'all' || p.state === state);
      // GitHub wants `owner:branch`; a bare branch name is silently ignored (the filter does nothing).
      if (head?.includes(':')) {
        const [owner, branch] = [head.slice(0, head.indexOf(':')), head.slice(head.indexOf(':') + 1)];
        pulls = pulls.filter((p) => owner.toLowerCase() === ctx.repo.owner.toLowerCase() && p.headRef === branch);
      }
      if (base) pulls = pulls.filter((p) => p.baseRef === base);
      const sort = ctx.query.get('sort') ?? 'created';
      if (sort !== 'created' && sort !== 'updated') throw new NotImplementedError(`pulls/list sort=${sort}`);
      const key = (p: PullState) =>
        (sort === 'updated' ? p.updatedAt : p.createdAt) + String(p.number).padStart(9, '0');
      pulls = [...pulls].sort((a, b) => key(b).localeCompare(key(a)));
      if ((ctx.query.get('direction') ?? 'desc') === 'asc') pulls.reverse();
      const { page, headers } = paginate(ctx, pulls);
      return { status: 200, body: await Promise.all(page.map((p) => simple(ctx, p))), headers };
    },
  },
  {
    operationId: 'pulls/create',
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls',
    handler: async (ctx) => {
      const body = ctx.body as {
        title?: string;
        head: string;
        base: string;
        body?: string;
        draft?: boolean;
        maintainer_can_modify?: boolean;
        issue?: number;
        head_repo?: string;
      };
      if (body.issue !== undefined || body.head_repo !== undefined)
        throw new NotImplementedError('pulls/create from an issue or a fork');
      if (body.title === undefined)
        throw validationFailed([{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
      checkTitleLength(body.title);
      checkBodyLength(body.body);
      const colon = body.head.indexOf(':');
      const headOwner = colon === -1 ? ctx.repo.owner : body.head.slice(0, colon);
      const head = colon === -1 ? body.head : body.head.slice(colon + 1);
      const git = ctx.repo.git;
      const headCommit =
        headOwner.toLowerCase() === ctx.repo.owner.toLowerCase() ? await git.refSha(`refs/heads/${head}`) : undefined;
      const baseCommit = await git.refSha(`refs/heads/${body.base}`);
      const invalid = [
        ...(headCommit ? [] : [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]),
        ...(baseCommit ? [] : [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]),
      ];
      if (invalid.length > 0) throw validationFailed(invalid);
      if (openDuplicate(ctx.repo, head, body.base)) throw duplicateError(ctx.repo, head);
      if (await git.isAncestor(headCommit!, baseCommit!)) {
        throw validationFailed([
          { resource: 'PullRequest', code: 'custom', message: `No commits between ${body.base} and ${head}` },
        ]);
      }
      const id = nextId(ctx.state);
      const number = ctx.repo.nextNumber++;
      const created = now();
      const pull: PullState = {
        id,
        number,
        nodeId: nodeId('PR', ctx.repo.id, number),
        title: body.title,
        body: body.body ?? null,
        state: 'open',
        draft: body.draft ?? false,
        headRef: head,
        headSha: headCommit!,
        baseRef: body.base,
        user: ctx.state.login,
        labels: [],
        assignees: [],
        reviewers: [],
        teamReviewers: [],
        comments: [],
        maintainerCanModify: body.maintainer_can_modify ?? true,
        createdAt: created,
        updatedAt: created,
        closedAt: null,
      };
      ctx.repo.pulls.push(pull);
      return {
        status: 201,
        body: await full(ctx, pull),
        headers: { location: `${repoApi(ctx.state, ctx.repo)}/pulls/${number}` },
      };
    },
  },
  {
    operationId: 'pulls/get',
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    handler: async (ctx) => ({ status: 200, body: await full(ctx, findPull(ctx.repo, ctx.params.pull_number)) }),
  },
  {
    operationId: 'pulls/update',
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.pull_number);
      const body = ctx.body as {
        title?: string;
        body?: string;
        state?: 'open' | 'closed';
        base?: string;
        maintainer_can_modify?: boolean;
      };
      checkTitleLength(body.title);
      checkBodyLength(body.body);
      if (body.base !== undefined && !(await ctx.repo.git.refSha(`refs/heads/${body.base}`))) {
        throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      }
      const base = body.base ?? pull.baseRef;
      const reopening = body.state === 'open' && pull.state === 'closed';
      if (
        (reopening || (pull.state === 'open' && body.base !== undefined)) &&
        openDuplicate(ctx.repo, pull.headRef, base, pull)
      ) {
        throw duplicateError(ctx.repo, pull.headRef);
      }
      if (reopening && !(await ctx.repo.git.refSha(`refs/heads/${pull.headRef}`))) {
        throw validationFailed([
          {
            resource: 'PullRequest',
            field: 'state',
            code: 'invalid',
            message: 'state cannot be changed. The head branch was deleted.',
          },
        ]);
      }
      if (body.title !== undefined) pull.title = body.title;
      if (body.body !== undefined) pull.body = body.body;
      if (body.maintainer_can_modify !== undefined) pull.maintainerCanModify = body.maintainer_can_modify;
      pull.baseRef = base;
      if (body.state !== undefined && body.state !== pull.state) {
        pull.state = body.state;
        pull.closedAt = body.state === 'closed' ? now() : null;
        if (body.state === 'closed') pull.autoMerge = undefined;
      }
      touch(pull);
      return { status: 200, body: await full(ctx, pull) };
    },
  },
  {
    operationId: 'pulls/list-files',
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/files',
    query: ['per_page', 'page'],
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.pull_number);
      const head = await headSha(ctx.repo, pull);
      const base = await baseSha(ctx.repo, pull);
      const mergeBase = (await ctx.repo.git.mergeBase(base, head)) ?? base;
      const changes = await ctx.repo.git.diff(mergeBase, head);
      const { page, headers } = paginate(ctx, changes);
      return { status: 200, body: page.map((c) => diffEntry(ctx.state, ctx.repo, head, c)), headers };
    },
  },
  {
    operationId: 'pulls/request-reviewers',
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.pull_number);
      const { reviewers = [], team_reviewers: teams = [] } = (ctx.body ?? {}) as {
        reviewers?: string[];
        team_reviewers?: string[];
      };
      if (reviewers.some((login) => login.toLowerCase() === pull.user.toLowerCase())) {
        throw validationFailed([
          { resource: 'PullRequest', code: 'custom', message: 'Review cannot be requested from pull request author.' },
        ]);
      }
      if (reviewers.some((login) => !isCollaborator(ctx.repo, login))) {
        throw validationFailed([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${ctx.repo.fullName} repository.`,
          },
        ]);
      }
      for (const login of reviewers) if (!pull.reviewers.includes(login)) pull.reviewers.push(login);
      for (const slug of teams) if (!pull.teamReviewers.includes(slug)) pull.teamReviewers.push(slug);
      touch(pull);
      return { status: 201, body: await simple(ctx, pull) };
    },
  },
  {
    operationId: 'issues/update',
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/issues/{issue_number}',
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.issue_number);
      const body = (ctx.body ?? {}) as {
        title?: string | number | null;
        body?: string | null;
        state?: 'open' | 'closed';
        labels?: unknown[];
        assignees?: unknown[];
        assignee?: string | null;
        milestone?: unknown;
      };
      if (body.milestone !== undefined && body.milestone !== null) throw new NotImplementedError('milestones');
      checkTitleLength(body.title);
      checkBodyLength(body.body);
      if (
        body.state === 'open' &&
        pull.state === 'closed' &&
        openDuplicate(ctx.repo, pull.headRef, pull.baseRef, pull)
      ) {
        throw duplicateError(ctx.repo, pull.headRef);
      }
      if (body.title !== undefined && body.title !== null) pull.title = String(body.title);
      if (body.body !== undefined) pull.body = body.body;
      const assignees = body.assignees?.map((a) =>
        typeof a === 'string' ? a : String((a as { login: string }).login),
      );
      // One login that cannot be assigned refuses the whole update (labels included), naming it in the error item.
      const invalid = (assignees ?? []).filter((login) => !isCollaborator(ctx.repo, login));
      if (invalid.length > 0)
        throw validationFailed(
          invalid.map((value) => ({ value, resource: 'Issue', field: 'assignees', code: 'invalid' })),
        );
      if (body.labels !== undefined) setLabels(ctx.state, ctx.repo, pull, labelNames(body.labels));
      if (assignees !== undefined) pull.assignees = assignees;
      else if (body.assignee !== undefined) pull.assignees = body.assignee === null ? [] : [body.assignee];
      if (body.state !== undefined && body.state !== pull.state) {
        pull.state = body.state;
        pull.closedAt = body.state === 'closed' ? now() : null;
      }
      touch(pull);
      return { status: 200, body: issue(ctx.state, ctx.repo, pull) };
    },
  },
  {
    operationId: 'issues/add-labels',
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.issue_number);
      const raw = Array.isArray(ctx.body) ? ctx.body : (((ctx.body ?? {}) as { labels?: unknown[] }).labels ?? []);
      addLabels(ctx.state, ctx.repo, pull, labelNames(raw));
      return { status: 200, body: issueLabels(ctx, pull) };
    },
  },
  {
    operationId: 'issues/remove-label',
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.issue_number);
      const index = pull.labels.findIndex((name) => name.toLowerCase() === ctx.params.name.toLowerCase());
      if (index === -1) throw notFound('Label does not exist');
      pull.labels.splice(index, 1);
      touch(pull);
      return { status: 200, body: issueLabels(ctx, pull) };
    },
  },
  {
    operationId: 'issues/add-assignees',
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/assignees',
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.issue_number);
      // GitHub: "Only users with push access can add assignees to an issue. Assignees are silently ignored otherwise."
      for (const login of ((ctx.body ?? {}) as { assignees?: string[] }).assignees ?? []) {
        if (isCollaborator(ctx.repo, login) && !pull.assignees.includes(login)) pull.assignees.push(login);
      }
      touch(pull);
      return { status: 201, body: issue(ctx.state, ctx.repo, pull) };
    },
  },
  {
    operationId: 'issues/create-comment',
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.issue_number);
      checkBodyLength((ctx.body as { body: string }).body);
      const id = nextId(ctx.state);
      const created = now();
      const comment = {
        id,
        nodeId: nodeId('IC', ctx.repo.id, id),
        body: (ctx.body as { body: string }).body,
        user: ctx.state.login,
        createdAt: created,
        updatedAt: created,
      };
      pull.comments.push(comment);
      touch(pull);
      const body = issueComment(ctx.state, ctx.repo, pull, comment);
      return { status: 201, body, headers: { location: String(body.url) } };
    },
  },
  {
    operationId: 'issues/list-comments',
    method: 'GET',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    query: ['since', 'per_page', 'page'],
    handler: async (ctx) => {
      const pull = findPull(ctx.repo, ctx.params.issue_number);
      const since = ctx.query.get('since');
      const comments = pull.comments.filter((c) => !since || Date.parse(c.updatedAt) >= Date.parse(since));
      const { page, headers } = paginate(ctx, comments);
      return { status: 200, body: page.map((c) => issueComment(ctx.state, ctx.repo, pull, c)), headers };
    },
  },
  {
    operationId: 'issues/get-label',
    method: 'GET',
    template: '/repos/{owner}/{repo}/labels/{name}',
    handler: async (ctx) => {
      const found = findLabel(ctx.repo, ctx.params.name);
      if (!found) throw notFound();
      return { status: 200, body: label(ctx.state, ctx.repo, found) };
    },
  },
  {
    operationId: 'issues/create-label',
    method: 'POST',
    template: '/repos/{owner}/{repo}/labels',
    handler: async (ctx) => {
      const {
        name,
        color = 'ededed',
        description = null,
      } = ctx.body as { name: string; color?: string; description?: string | null };
      if (findLabel(ctx.repo, name))
        throw validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
      if (!/^[0-9a-fA-F]{6}$/.test(color))
        throw validationFailed([{ resource: 'Label', code: 'invalid', field: 'color' }]);
      const created = ensureLabel(ctx.state, ctx.repo, name, color.toLowerCase(), description);
      const body = label(ctx.state, ctx.repo, created);
      return { status: 201, body, headers: { location: String(body.url) } };
    },
  },
];
