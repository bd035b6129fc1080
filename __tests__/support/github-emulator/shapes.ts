// REST JSON bodies in GitHub's shapes (components/schemas of the OpenAPI description); the contract check verifies them.
import type { CommitObject } from './git-store.js';
import {
  emailOf,
  nodeId,
  userId,
  type CommentState,
  type EmulatorState,
  type LabelState,
  type PullState,
  type RepoState,
} from './state.js';

type Json = Record<string, unknown>;

const enc = encodeURIComponent;

export function repoApi(state: EmulatorState, repo: RepoState): string {
  return `${state.url}/repos/${repo.owner}/${repo.name}`;
}

export function repoHtml(state: EmulatorState, repo: RepoState): string {
  return `${state.url}/${repo.owner}/${repo.name}`;
}

export function simpleUser(state: EmulatorState, login: string): Json {
  const id = userId(state, login);
  const api = `${state.url}/users/${enc(login)}`;
  const bot = login.endsWith('[bot]');
  return {
    login,
    id,
    node_id: nodeId(bot ? 'BOT' : 'U', id),
    avatar_url: `${state.url}/avatars/u/${id}`,
    gravatar_id: '',
    url: api,
    html_url: bot ? `${state.url}/apps/${enc(login.slice(0, -5))}` : `${state.url}/${enc(login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: bot ? 'Bot' : 'User',
    user_view_type: 'public',
    site_admin: false,
  };
}

/** GitHub links a commit to an account by e-mail; unknown addresses give null. */
function commitUser(state: EmulatorState, email: string): Json | null {
  for (const [login, id] of state.userIds) {
    if (email.toLowerCase() === emailOf(login, id).toLowerCase()) return simpleUser(state, login);
  }
  return null;
}

export function repository(state: EmulatorState, repo: RepoState, full = false): Json {
  const api = repoApi(state, repo);
  const templates: Record<string, string> = {
    archive_url: '/{archive_format}{/ref}',
    assignees_url: '/assignees{/user}',
    blobs_url: '/git/blobs{/sha}',
    branches_url: '/branches{/branch}',
    collaborators_url: '/collaborators{/collaborator}',
    comments_url: '/comments{/number}',
    commits_url: '/commits{/sha}',
    compare_url: '/compare/{base}...{head}',
    contents_url: '/contents/{+path}',
    contributors_url: '/contributors',
    deployments_url: '/deployments',
    downloads_url: '/downloads',
    events_url: '/events',
    forks_url: '/forks',
    git_commits_url: '/git/commits{/sha}',
    git_refs_url: '/git/refs{/sha}',
    git_tags_url: '/git/tags{/sha}',
    hooks_url: '/hooks',
    issue_comment_url: '/issues/comments{/number}',
    issue_events_url: '/issues/events{/number}',
    issues_url: '/issues{/number}',
    keys_url: '/keys{/key_id}',
    labels_url: '/labels{/name}',
    languages_url: '/languages',
    merges_url: '/merges',
    milestones_url: '/milestones{/number}',
    notifications_url: '/notifications{?since,all,participating}',
    pulls_url: '/pulls{/number}',
    releases_url: '/releases{/id}',
    stargazers_url: '/stargazers',
    statuses_url: '/statuses/{sha}',
    subscribers_url: '/subscribers',
    subscription_url: '/subscription',
    tags_url: '/tags',
    teams_url: '/teams',
    trees_url: '/git/trees{/sha}',
  };
  const body: Json = {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: repo.fullName,
    private: true,
    owner: simpleUser(state, repo.owner),
    html_url: repoHtml(state, repo),
    description: null,
    fork: false,
    url: api,
    ...Object.fromEntries(Object.entries(templates).map(([key, suffix]) => [key, `${api}${suffix}`])),
    git_url: `${repoHtml(state, repo)}.git`,
    ssh_url: `git@127.0.0.1:${repo.fullName}.git`,
    clone_url: `${repoHtml(state, repo)}.git`,
    svn_url: repoHtml(state, repo),
    mirror_url: null,
    homepage: null,
    language: null,
    size: 0,
    default_branch: repo.defaultBranch,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    open_issues: repo.pulls.filter((p) => p.state === 'open').length,
    open_issues_count: repo.pulls.filter((p) => p.state === 'open').length,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    license: null,
    pushed_at: repo.pushedAt,
    created_at: repo.createdAt,
    updated_at: repo.pushedAt,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: true,
    delete_branch_on_merge: false,
    allow_forking: false,
    web_commit_signoff_required: false,
  };
  if (full) Object.assign(body, { network_count: 0, subscribers_count: 0 });
  return body;
}

export function gitRef(state: EmulatorState, repo: RepoState, ref: string, sha: string, type = 'commit'): Json {
  const api = repoApi(state, repo);
  return {
    ref,
    node_id: nodeId('REF', repo.id, ref),
    url: `${api}/git/${ref}`,
    object: { sha, type, url: `${api}/git/${type === 'tag' ? 'tags' : 'commits'}/${sha}` },
  };
}

const UNSIGNED = { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null };

/** Stored messages end with a newline when written by git itself; GitHub shows them without it. */
export function displayMessage(message: string): string {
  return message.replace(/\n$/, '');
}

export function gitCommit(state: EmulatorState, repo: RepoState, commit: CommitObject): Json {
  const api = repoApi(state, repo);
  return {
    sha: commit.sha,
    node_id: nodeId('C', repo.id, commit.sha),
    url: `${api}/git/commits/${commit.sha}`,
    html_url: `${repoHtml(state, repo)}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.committer,
    tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
    message: displayMessage(commit.message),
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/git/commits/${sha}`,
      html_url: `${repoHtml(state, repo)}/commit/${sha}`,
    })),
    verification: UNSIGNED,
  };
}

/** The "commit" schema (list commits, compare). */
export function commit(state: EmulatorState, repo: RepoState, c: CommitObject, files?: Json[]): Json {
  const api = repoApi(state, repo);
  const body: Json = {
    url: `${api}/commits/${c.sha}`,
    sha: c.sha,
    node_id: nodeId('C', repo.id, c.sha),
    html_url: `${repoHtml(state, repo)}/commit/${c.sha}`,
    comments_url: `${api}/commits/${c.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: displayMessage(c.message),
      comment_count: 0,
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      verification: UNSIGNED,
    },
    author: commitUser(state, c.author.email),
    committer: commitUser(state, c.committer.email),
    parents: c.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${repoHtml(state, repo)}/commit/${sha}`,
    })),
  };
  if (files) body.files = files;
  return body;
}

export function diffEntry(
  state: EmulatorState,
  repo: RepoState,
  headSha: string,
  change: {
    status: string;
    path: string;
    oldSha: string;
    newSha: string;
    additions: number;
    deletions: number;
    patch?: string;
  },
): Json {
  const statuses: Record<string, string> = { A: 'added', D: 'removed', M: 'modified', T: 'changed' };
  const removed = change.status === 'D';
  const path = change.path.split('/').map(enc).join('/');
  const body: Json = {
    sha: removed ? change.oldSha : change.newSha,
    filename: change.path,
    status: statuses[change.status] ?? 'modified',
    additions: change.additions,
    deletions: change.deletions,
    changes: change.additions + change.deletions,
    blob_url: `${repoHtml(state, repo)}/blob/${headSha}/${path}`,
    raw_url: `${repoHtml(state, repo)}/raw/${headSha}/${path}`,
    contents_url: `${repoApi(state, repo)}/contents/${path}?ref=${headSha}`,
  };
  if (change.patch !== undefined) body.patch = change.patch;
  return body;
}

export function label(state: EmulatorState, repo: RepoState, l: LabelState): Json {
  return {
    id: l.id,
    node_id: l.nodeId,
    url: `${repoApi(state, repo)}/labels/${enc(l.name)}`,
    name: l.name,
    color: l.color,
    default: false,
    description: l.description,
  };
}

function pullLabels(state: EmulatorState, repo: RepoState, pull: PullState): Json[] {
  return pull.labels.flatMap((name) => {
    const found = repo.labels.find((l) => l.name === name);
    return found ? [label(state, repo, found)] : [];
  });
}

export function team(state: EmulatorState, repo: RepoState, slug: string): Json {
  const id = userId(state, `team:${repo.owner}/${slug}`);
  const api = `${state.url}/organizations/1/team/${id}`;
  return {
    id,
    node_id: nodeId('T', id),
    url: api,
    html_url: `${state.url}/orgs/${repo.owner}/teams/${enc(slug)}`,
    name: slug,
    slug,
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: 'pull',
    members_url: `${api}/members{/member}`,
    repositories_url: `${api}/repos`,
    type: 'organization',
    parent: null,
  };
}

/** pull-request-simple (list) or, with `counts`, the full pull-request (get, create, update). */
export function pullRequest(
  state: EmulatorState,
  repo: RepoState,
  pull: PullState,
  baseSha: string,
  counts?: { commits: number; additions: number; deletions: number; changedFiles: number },
): Json {
  const api = repoApi(state, repo);
  const html = `${repoHtml(state, repo)}/pull/${pull.number}`;
  const issue = `${api}/issues/${pull.number}`;
  const side = (ref: string, sha: string) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: simpleUser(state, repo.owner),
    repo: repository(state, repo),
  });
  const body: Json = {
    url: `${api}/pulls/${pull.number}`,
    id: pull.id,
    node_id: pull.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${api}/pulls/${pull.number}/commits`,
    review_comments_url: `${api}/pulls/${pull.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: simpleUser(state, pull.user),
    body: pull.body,
    // pull-request-simple declares label descriptions as non-null strings
    labels: pullLabels(state, repo, pull).map((l) => (counts ? l : { ...l, description: l.description ?? '' })),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: pull.assignees.length > 0 ? simpleUser(state, pull.assignees[0]) : null,
    assignees: pull.assignees.map((login) => simpleUser(state, login)),
    requested_reviewers: pull.reviewers.map((login) => simpleUser(state, login)),
    requested_teams: pull.teamReviewers.map((slug) => team(state, repo, slug)),
    head: side(pull.headRef, pull.headSha),
    base: side(pull.baseRef, baseSha),
    _links: {
      self: { href: `${api}/pulls/${pull.number}` },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${api}/pulls/${pull.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${pull.number}/commits` },
      statuses: { href: `${api}/statuses/${pull.headSha}` },
    },
    author_association: 'MEMBER',
    auto_merge: pull.autoMerge
      ? {
          enabled_by: simpleUser(state, pull.autoMerge.enabledBy),
          merge_method: pull.autoMerge.mergeMethod.toLowerCase(),
          commit_title: pull.autoMerge.commitHeadline ?? '',
          commit_message: pull.autoMerge.commitBody ?? '',
        }
      : null,
    draft: pull.draft,
  };
  if (counts) {
    Object.assign(body, {
      merged: false,
      mergeable: null,
      rebaseable: null,
      mergeable_state: 'unknown',
      merged_by: null,
      comments: pull.comments.length,
      review_comments: 0,
      maintainer_can_modify: pull.maintainerCanModify,
      commits: counts.commits,
      additions: counts.additions,
      deletions: counts.deletions,
      changed_files: counts.changedFiles,
    });
  }
  return body;
}

/** A pull request seen through the issues API. */
export function issue(state: EmulatorState, repo: RepoState, pull: PullState): Json {
  const api = repoApi(state, repo);
  const html = `${repoHtml(state, repo)}/pull/${pull.number}`;
  const url = `${api}/issues/${pull.number}`;
  return {
    id: pull.id,
    node_id: pull.nodeId,
    url,
    repository_url: api,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    number: pull.number,
    state: pull.state,
    state_reason: null,
    title: pull.title,
    body: pull.body,
    user: simpleUser(state, pull.user),
    labels: pullLabels(state, repo, pull),
    assignee: pull.assignees.length > 0 ? simpleUser(state, pull.assignees[0]) : null,
    assignees: pull.assignees.map((login) => simpleUser(state, login)),
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: pull.comments.length,
    pull_request: {
      url: `${api}/pulls/${pull.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: null,
    },
    closed_at: pull.closedAt,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    draft: pull.draft,
    author_association: 'MEMBER',
    timeline_url: `${url}/timeline`,
  };
}

export function issueComment(state: EmulatorState, repo: RepoState, pull: PullState, comment: CommentState): Json {
  const api = repoApi(state, repo);
  return {
    id: comment.id,
    node_id: comment.nodeId,
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${repoHtml(state, repo)}/pull/${pull.number}#issuecomment-${comment.id}`,
    issue_url: `${api}/issues/${pull.number}`,
    body: comment.body,
    user: simpleUser(state, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: 'MEMBER',
  };
}

/** GitHub wraps base64 at 60 characters with `\n`, as git/blobs and contents answer. */
export function base64Lines(content: Buffer): string {
  const b64 = content.toString('base64');
  return b64.length === 0 ? '' : `${b64.match(/.{1,60}/g)!.join('\n')}\n`;
}
