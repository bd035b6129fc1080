// REST handlers over git state: repository, git data (refs, commits, trees, blobs), contents, commits, compare.
import { posix } from 'node:path';
import { EMPTY_TREE, type TreeChange } from './git-store.js';
import {
  HttpError,
  NotImplementedError,
  conflict,
  notFound,
  paginate,
  unprocessable,
  validationFailed,
  type RestContext,
  type RouteSpec,
} from './rest-common.js';
import { base64Lines, commit, diffEntry, gitCommit, gitRef, repoApi, repoHtml, repository } from './shapes.js';
import { emailOf, now, userId, type RepoState } from './state.js';

const ZERO = '0'.repeat(40);
const enc = encodeURIComponent;

function wantsRaw(ctx: RestContext): boolean {
  return /application\/vnd\.github(\.v3)?\.raw/.test(String(ctx.headers.accept ?? ''));
}

/** `heads/main` as GitHub's `{ref}` names it. Like GitHub, `refs/heads/main` here names `refs/refs/heads/main` (not found). */
function fullRef(ref: string): string {
  return `refs/${ref}`;
}

/** Closes open pull requests whose head or base branch was deleted, as GitHub does. */
function closePullsOf(repo: RepoState, ref: string): void {
  const branch = ref.replace(/^refs\/heads\//, '');
  for (const pull of repo.pulls) {
    if (pull.state === 'open' && (pull.headRef === branch || pull.baseRef === branch)) {
      pull.state = 'closed';
      pull.closedAt = now();
      pull.updatedAt = pull.closedAt;
    }
  }
}

async function requireCommit(ctx: RestContext, rev: string, missing: () => HttpError): Promise<string> {
  const sha = await ctx.repo.git.resolveCommit(rev);
  if (!sha) throw missing();
  return sha;
}

async function assertNotEmpty(ctx: RestContext): Promise<void> {
  if ((await ctx.repo.git.listRefs()).length === 0) throw conflict('Git Repository is empty.');
}

/** A path GitHub would refuse in a tree: empty, absolute, `.`/`..`/`.git` components, doubled slashes. */
function malformedPath(path: string): boolean {
  return (
    path.split('/').some((part) => part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git') ||
    path.includes('\0')
  );
}

const DEFAULT_MODE = { blob: '100644', tree: '040000', commit: '160000' } as const;

export const gitRoutes: RouteSpec[] = [
  {
    operationId: 'repos/get',
    method: 'GET',
    template: '/repos/{owner}/{repo}',
    handler: async (ctx) => ({ status: 200, body: repository(ctx.state, ctx.repo, true) }),
  },
  {
    operationId: 'git/get-ref',
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/ref/{ref}',
    handler: async (ctx) => {
      const ref = fullRef(ctx.params.ref);
      const found = (await ctx.repo.git.listRefs()).find((r) => r.ref === ref);
      if (!found) throw notFound();
      return { status: 200, body: gitRef(ctx.state, ctx.repo, found.ref, found.sha, found.type) };
    },
  },
  {
    operationId: 'git/list-matching-refs',
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/matching-refs/{ref}',
    handler: async (ctx) => {
      const prefix = fullRef(ctx.params.ref ?? '');
      const refs = (await ctx.repo.git.listRefs()).filter((r) => r.ref.startsWith(prefix));
      return { status: 200, body: refs.map((r) => gitRef(ctx.state, ctx.repo, r.ref, r.sha, r.type)) };
    },
  },
  {
    operationId: 'git/create-ref',
    method: 'POST',
    template: '/repos/{owner}/{repo}/git/refs',
    handler: async (ctx) => {
      const { ref, sha } = ctx.body as { ref: string; sha: string };
      if (!/^refs\/[^/]+\/.+/.test(ref) || !(await ctx.repo.git.isValidRefName(ref))) {
        throw unprocessable(`${ref} is not a valid ref name.`);
      }
      const type = await ctx.repo.git.objectType(sha);
      if (type === 'missing') throw unprocessable('Object does not exist');
      if (!(await ctx.repo.git.updateRef(ref, sha, ZERO))) throw unprocessable('Reference already exists');
      ctx.repo.pushedAt = now();
      const body = gitRef(ctx.state, ctx.repo, ref, sha, type);
      return { status: 201, body, headers: { location: `${repoApi(ctx.state, ctx.repo)}/git/${ref}` } };
    },
  },
  {
    operationId: 'git/update-ref',
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/git/refs/{ref}',
    handler: async (ctx) => {
      const ref = fullRef(ctx.params.ref);
      const { sha, force } = ctx.body as { sha: string; force?: boolean };
      const old = (await ctx.repo.git.listRefs()).find((r) => r.ref === ref)?.sha;
      if (!old) throw unprocessable('Reference does not exist');
      if ((await ctx.repo.git.objectType(sha)) !== 'commit') throw unprocessable('Object does not exist');
      if (!force && !(await ctx.repo.git.isAncestor(old, sha))) throw unprocessable('Update is not a fast forward');
      // Compare-and-swap on the value just read: a concurrent move makes this fail instead of losing it.
      if (!(await ctx.repo.git.updateRef(ref, sha, old))) throw unprocessable('Reference cannot be updated');
      ctx.repo.pushedAt = now();
      return { status: 200, body: gitRef(ctx.state, ctx.repo, ref, sha) };
    },
  },
  {
    operationId: 'git/delete-ref',
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/git/refs/{ref}',
    handler: async (ctx) => {
      const ref = fullRef(ctx.params.ref);
      const old = (await ctx.repo.git.listRefs()).find((r) => r.ref === ref)?.sha;
      if (!old || !(await ctx.repo.git.deleteRef(ref, old))) throw unprocessable('Reference does not exist');
      closePullsOf(ctx.repo, ref);
      return { status: 204 };
    },
  },
  {
    operationId: 'git/get-commit',
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/commits/{commit_sha}',
    handler: async (ctx) => {
      if ((await ctx.repo.git.objectType(ctx.params.commit_sha)) !== 'commit') throw notFound();
      return {
        status: 200,
        body: gitCommit(ctx.state, ctx.repo, await ctx.repo.git.readCommit(ctx.params.commit_sha)),
      };
    },
  },
  {
    operationId: 'git/create-commit',
    method: 'POST',
    template: '/repos/{owner}/{repo}/git/commits',
    handler: async (ctx) => {
      const body = ctx.body as {
        message: string;
        tree: string;
        parents?: string[];
        author?: { name: string; email: string; date?: string };
        committer?: { name?: string; email?: string; date?: string };
        signature?: string;
      };
      if (body.signature !== undefined) throw new NotImplementedError('create-commit with a signature');
      const git = ctx.repo.git;
      if ((await git.objectType(body.tree)) !== 'tree') throw unprocessable('Tree SHA does not exist');
      const parents = body.parents ?? [];
      const types = await git.objectTypes(parents.filter((p) => /^[0-9a-f]{40}$/.test(p)));
      if (parents.some((p) => types.get(p) !== 'commit'))
        throw unprocessable('Parent SHA does not exist or is not a commit object');
      const login = ctx.state.login;
      const fallback = { name: login, email: emailOf(login, userId(ctx.state, login)), date: now() };
      const author = { ...(body.author ?? body.committer ?? fallback) } as {
        name: string;
        email: string;
        date?: string;
      };
      author.date ??= fallback.date;
      const committer = { name: author.name, email: author.email, ...body.committer } as {
        name: string;
        email: string;
        date?: string;
      };
      committer.date ??= author.date;
      const sha = await git.commitTree(body.tree, parents, body.message, author, committer);
      return {
        status: 201,
        body: gitCommit(ctx.state, ctx.repo, await git.readCommit(sha)),
        headers: { location: `${repoApi(ctx.state, ctx.repo)}/git/commits/${sha}` },
      };
    },
  },
  {
    operationId: 'git/create-tree',
    method: 'POST',
    template: '/repos/{owner}/{repo}/git/trees',
    handler: async (ctx) => {
      const body = ctx.body as { base_tree?: string; tree: Partial<TreeChange>[] };
      const git = ctx.repo.git;
      if (body.base_tree !== undefined && (await git.objectType(body.base_tree)) !== 'tree') {
        throw unprocessable('base_tree is not a valid tree oid');
      }
      const changes: TreeChange[] = [];
      for (const entry of body.tree) {
        const path = entry.path ?? '';
        if (malformedPath(path)) throw unprocessable(`tree.path contains a malformed path component`);
        if (entry.sha !== undefined && entry.content !== undefined)
          throw unprocessable('Must supply either tree.sha or tree.content, not both');
        if (entry.sha === undefined && entry.content === undefined)
          throw unprocessable('Must supply tree.sha or tree.content');
        const type = entry.type ?? (entry.mode === '040000' ? 'tree' : entry.mode === '160000' ? 'commit' : 'blob');
        const mode = entry.mode ?? DEFAULT_MODE[type];
        if ((type === 'tree') !== (mode === '040000') || (type === 'commit') !== (mode === '160000')) {
          throw unprocessable(`tree.mode ${mode} does not match tree.type ${type}`);
        }
        if (entry.content !== undefined && type !== 'blob') throw unprocessable('tree.content requires tree.type blob');
        if (typeof entry.sha === 'string' && !/^[0-9a-f]{40}$/.test(entry.sha))
          throw unprocessable(`tree.sha ${entry.sha} is not a valid ${type}`);
        if (typeof entry.sha === 'string' && type !== 'commit' && (await git.objectType(entry.sha)) !== type) {
          throw unprocessable(`tree.sha ${entry.sha} is not a valid ${type}`);
        }
        changes.push({ path, mode, type, sha: entry.sha, content: entry.content });
      }
      const sha = await git.buildTree(body.base_tree, changes);
      return {
        status: 201,
        body: await treeBody(ctx, sha, false),
        headers: { location: `${repoApi(ctx.state, ctx.repo)}/git/trees/${sha}` },
      };
    },
  },
  {
    operationId: 'git/get-tree',
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/trees/{tree_sha}',
    query: ['recursive'],
    handler: async (ctx) => {
      // A sha or a branch/tag name, as GitHub accepts both.
      const sha = await ctx.repo.git.resolve(`${ctx.params.tree_sha}^{tree}`);
      if (!sha) throw notFound();
      // GitHub: "Setting this parameter to any value returns the objects or subtrees referenced by the tree".
      return { status: 200, body: await treeBody(ctx, sha, ctx.query.has('recursive')) };
    },
  },
  {
    operationId: 'git/get-blob',
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/blobs/{file_sha}',
    handler: async (ctx) => {
      const sha = ctx.params.file_sha;
      if ((await ctx.repo.git.objectType(sha)) !== 'blob') throw notFound();
      const content = await ctx.repo.git.readBlob(sha);
      if (wantsRaw(ctx)) return { status: 200, raw: { contentType: 'text/plain; charset=utf-8', data: content } };
      return {
        status: 200,
        body: {
          sha,
          node_id: `B_kwEmu${sha}`,
          size: content.length,
          url: `${repoApi(ctx.state, ctx.repo)}/git/blobs/${sha}`,
          content: base64Lines(content),
          encoding: 'base64',
        },
      };
    },
  },
  {
    operationId: 'git/create-blob',
    method: 'POST',
    template: '/repos/{owner}/{repo}/git/blobs',
    handler: async (ctx) => {
      const { content, encoding = 'utf-8' } = ctx.body as { content: string; encoding?: string };
      if (encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'base64') {
        throw validationFailed([{ resource: 'Blob', field: 'encoding', code: 'invalid' }]);
      }
      const data = encoding === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8');
      const sha = await ctx.repo.git.writeBlob(data);
      const url = `${repoApi(ctx.state, ctx.repo)}/git/blobs/${sha}`;
      return { status: 201, body: { url, sha }, headers: { location: url } };
    },
  },
  {
    operationId: 'repos/get-content',
    method: 'GET',
    template: '/repos/{owner}/{repo}/contents/{path}',
    query: ['ref'],
    handler: getContent,
  },
  {
    operationId: 'repos/list-commits',
    method: 'GET',
    template: '/repos/{owner}/{repo}/commits',
    query: ['sha', 'path', 'per_page', 'page', 'since', 'until'],
    handler: async (ctx) => {
      await assertNotEmpty(ctx);
      const rev = ctx.query.get('sha') ?? ctx.repo.defaultBranch;
      const head = await requireCommit(ctx, rev, () => notFound(`No commit found for SHA: ${rev}`));
      const git = ctx.repo.git;
      const args = ['rev-list'];
      // --max-age/--min-age take epoch seconds: no date-format guessing
      const since = ctx.query.get('since');
      const until = ctx.query.get('until');
      if (since) args.push(`--max-age=${Math.floor(Date.parse(since) / 1000)}`);
      if (until) args.push(`--min-age=${Math.floor(Date.parse(until) / 1000)}`);
      args.push(head, '--');
      const path = ctx.query.get('path');
      if (path) args.push(path);
      const shas = (await git.text(args)).split('\n').filter(Boolean);
      const { page, headers } = paginate(ctx, shas);
      const commits = await git.readCommits(page);
      return { status: 200, body: commits.map((c) => commit(ctx.state, ctx.repo, c)), headers };
    },
  },
  {
    operationId: 'repos/compare-commits-with-basehead',
    method: 'GET',
    template: '/repos/{owner}/{repo}/compare/{basehead}',
    query: ['per_page', 'page'],
    handler: async (ctx) => {
      const match = /^(.+?)\.{2,3}(.+)$/.exec(ctx.params.basehead);
      if (!match) throw notFound();
      // `owner:branch` names a branch of this repository (forks are not emulated)
      const side = (text: string) => text.replace(new RegExp(`^${ctx.repo.owner}:`, 'i'), '');
      const git = ctx.repo.git;
      const base = await requireCommit(ctx, side(match[1]), () => notFound());
      const head = await requireCommit(ctx, side(match[2]), () => notFound());
      const mergeBase = await git.mergeBase(base, head);
      if (!mergeBase) throw notFound(`No common ancestor between ${match[1]} and ${match[2]}.`);
      const ahead = await git.revList(head, { exclude: base, reverse: true });
      const behind = await git.revList(base, { exclude: head });
      const status =
        ahead.length === 0
          ? behind.length === 0
            ? 'identical'
            : 'behind'
          : behind.length === 0
            ? 'ahead'
            : 'diverged';
      const { page, headers } = paginate(ctx, ahead.slice(0, 250), 250);
      const [baseCommit, mergeBaseCommit] = await git.readCommits([base, mergeBase]);
      const files = (await git.diff(mergeBase, head)).map((change) => diffEntry(ctx.state, ctx.repo, head, change));
      const html = `${repoHtml(ctx.state, ctx.repo)}/compare/${ctx.params.basehead}`;
      return {
        status: 200,
        headers,
        body: {
          url: `${repoApi(ctx.state, ctx.repo)}/compare/${ctx.params.basehead}`,
          html_url: html,
          permalink_url: `${repoHtml(ctx.state, ctx.repo)}/compare/${ctx.repo.owner}:${base.slice(0, 7)}...${ctx.repo.owner}:${head.slice(0, 7)}`,
          diff_url: `${html}.diff`,
          patch_url: `${html}.patch`,
          base_commit: commit(ctx.state, ctx.repo, baseCommit),
          merge_base_commit: commit(ctx.state, ctx.repo, mergeBaseCommit),
          status,
          ahead_by: ahead.length,
          behind_by: behind.length,
          total_commits: ahead.length,
          commits: (await git.readCommits(page)).map((c) => commit(ctx.state, ctx.repo, c)),
          files,
        },
      };
    },
  },
];

async function treeBody(ctx: RestContext, sha: string, recursive: boolean) {
  const api = repoApi(ctx.state, ctx.repo);
  const entries = sha === EMPTY_TREE ? [] : await ctx.repo.git.listTree(sha, { recursive });
  return {
    sha,
    url: `${api}/git/trees/${sha}`,
    tree: entries.map((e) => {
      const entry: Record<string, unknown> = { path: e.path, mode: e.mode, type: e.type, sha: e.sha };
      if (e.size !== undefined) entry.size = e.size;
      if (e.type !== 'commit') entry.url = `${api}/git/${e.type}s/${e.sha}`;
      return entry;
    }),
    truncated: false,
  };
}

/** GET contents: a file, a directory listing, a symlink (followed when it names a file inside the repo) or a submodule. */
async function getContent(ctx: RestContext) {
  const git = ctx.repo.git;
  await assertNotEmpty(ctx);
  const ref = ctx.query.get('ref') ?? ctx.repo.defaultBranch;
  const commitSha = await requireCommit(ctx, ref, () => notFound(`No commit found for the ref ${ref}`));
  const path = (ctx.params.path ?? '').replace(/\/+$/, '');
  const api = repoApi(ctx.state, ctx.repo);
  const html = repoHtml(ctx.state, ctx.repo);
  const encPath = (p: string) => p.split('/').map(enc).join('/');
  const item = (p: string, type: string, sha: string, size: number) => {
    const self = `${api}/contents/${encPath(p)}?ref=${enc(ref)}`;
    const gitUrl = type === 'dir' ? `${api}/git/trees/${sha}` : `${api}/git/blobs/${sha}`;
    const htmlUrl = `${html}/${type === 'dir' ? 'tree' : 'blob'}/${encPath(ref)}/${encPath(p)}`;
    return {
      type,
      size,
      name: posix.basename(p),
      path: p,
      sha,
      url: self,
      git_url: type === 'submodule' ? null : gitUrl,
      html_url: type === 'submodule' ? null : htmlUrl,
      download_url: type === 'file' ? `${ctx.state.url}/raw/${ctx.repo.fullName}/${encPath(ref)}/${encPath(p)}` : null,
      _links: { self, git: type === 'submodule' ? null : gitUrl, html: type === 'submodule' ? null : htmlUrl },
    };
  };
  const listDir = async (treeish: string, prefix: string) => {
    const entries = await git.listTree(treeish);
    return entries.map((e) => {
      const p = prefix ? `${prefix}/${e.path}` : e.path;
      const type =
        e.type === 'tree' ? 'dir' : e.type === 'commit' ? 'submodule' : e.mode === '120000' ? 'symlink' : 'file';
      return item(p, type, e.sha, e.size ?? 0);
    });
  };
  if (path === '') return { status: 200, body: await listDir(`${commitSha}^{tree}`, '') };
  if (malformedPath(path)) throw notFound();
  const [entry] = await git.listTree(commitSha, { paths: [path] });
  if (!entry || entry.path !== path) throw notFound();
  if (entry.type === 'tree') return { status: 200, body: await listDir(entry.sha, path) };
  if (entry.type === 'commit') {
    return { status: 200, body: { ...item(path, 'submodule', entry.sha, 0), submodule_git_url: '' } };
  }
  let file = { path, sha: entry.sha, size: entry.size ?? 0 };
  if (entry.mode === '120000') {
    const target = (await git.readBlob(entry.sha)).toString('utf8');
    const resolved = posix.normalize(posix.join(posix.dirname(path), target));
    // Only a target that stays inside the repository and is a regular file is followed.
    const [targetEntry] =
      resolved.startsWith('../') || posix.isAbsolute(target)
        ? []
        : await git.listTree(commitSha, { paths: [resolved] });
    if (!targetEntry || targetEntry.path !== resolved || targetEntry.type !== 'blob' || targetEntry.mode === '120000') {
      return { status: 200, body: { ...item(path, 'symlink', entry.sha, entry.size ?? 0), target } };
    }
    file = { path: resolved, sha: targetEntry.sha, size: targetEntry.size ?? 0 };
  }
  const content = await git.readBlob(file.sha);
  if (wantsRaw(ctx)) return { status: 200, raw: { contentType: 'text/plain; charset=utf-8', data: content } };
  // Files over 1 MB come without content (encoding "none"), as on GitHub.
  const large = content.length > 1024 * 1024;
  return {
    status: 200,
    body: {
      ...item(file.path, 'file', file.sha, file.size),
      content: large ? '' : base64Lines(content),
      encoding: large ? 'none' : 'base64',
    },
  };
}
