// An in-memory GitHub port with GitHub's race semantics: the PR step's table tests run on it, and the port's contract test
// (__tests__/adapters/github-contract.test.ts) holds it to the same behaviour as the real adapter over the emulator.
import type {
  BranchExpectation,
  CommitInput,
  Decorations,
  GitHub,
  PullRequestUpdate,
  RepoRef,
  Snapshot,
  WrittenPullRequest,
} from '../../src/adapters/github/index.js';

export interface FakeCommit {
  parent?: string;
  files: Record<string, string>;
  message: string;
}
export interface FakePull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  open: boolean;
  comments: string[];
  decorations?: Decorations;
}

/** Git objects, refs and pull requests in memory, with the same race semantics as GitHub's endpoints. */
export class FakeGitHub implements GitHub {
  commits = new Map<string, FakeCommit>();
  refs = new Map<string, string>();
  pulls: FakePull[] = [];
  calls: string[] = [];
  /** Runs (and is awaited) before a call takes effect: lets a test move the base, or run a whole concurrent promotion. */
  before?: (call: string) => void | Promise<void>;
  private next = 1;

  constructor(files: Record<string, string>) {
    this.refs.set('main', this.addCommit({ files, message: 'init' }));
  }

  addCommit(commit: FakeCommit): string {
    const sha = (this.next++).toString(16).padStart(40, '0');
    this.commits.set(sha, commit);
    return sha;
  }

  pushToMain(files: Record<string, string>): string {
    const head = this.refs.get('main') as string;
    const sha = this.addCommit({
      parent: head,
      files: { ...this.commits.get(head)?.files, ...files },
      message: 'push',
    });
    this.refs.set('main', sha);
    return sha;
  }

  filesAt(ref: string): Record<string, string> {
    return this.commits.get(this.refs.get(ref) as string)?.files ?? {};
  }

  private async call(name: string): Promise<void> {
    this.calls.push(name);
    await this.before?.(name);
  }

  async measure<T>(work: () => Promise<T>): Promise<{ value: T; requests: number }> {
    const start = this.calls.length;
    const value = await work();
    return { value, requests: this.calls.length - start };
  }

  async snapshot(_repo: RepoRef, base: string | undefined, branch: string): Promise<Snapshot> {
    await this.call('snapshot');
    const baseName = base ?? 'main';
    const head = this.refs.get(baseName) as string;
    const snapshot: Snapshot = { repositoryId: 'R_1', base: { name: baseName, head, tree: `tree:${head}` } };
    const branchHead = this.refs.get(branch);
    if (branchHead) {
      const commit = this.commits.get(branchHead) as FakeCommit;
      snapshot.branch = { head: branchHead, parents: commit.parent ? [commit.parent] : [], message: commit.message };
    }
    const pr = this.pulls.find((pull) => pull.open && pull.head === branch && pull.base === baseName);
    if (pr)
      snapshot.pullRequest = {
        number: pr.number,
        nodeId: `PR_${pr.number}`,
        url: `https://x/pull/${pr.number}`,
        title: pr.title,
        body: pr.body,
        draft: pr.draft,
        labels: pr.decorations?.labels ?? [],
        assignees: pr.decorations?.assignees ?? [],
        reviewers: pr.decorations?.reviewers ?? [],
        teamReviewers: pr.decorations?.teamReviewers ?? [],
        autoMerge: Boolean(pr.decorations?.autoMerge),
      };
    return snapshot;
  }

  executable = new Map<string, string[]>();

  async commitFiles(_repo: RepoRef, input: CommitInput): Promise<string> {
    await this.call('tree');
    await this.call('commit');
    expect(input.baseTree).toBe(`tree:${input.parent}`);
    const sha = this.addCommit({
      parent: input.parent,
      files: { ...this.commits.get(input.parent)?.files, ...input.files },
      message: input.message,
    });
    this.executable.set(sha, input.executable ?? []);
    return sha;
  }

  async setBranch(_repo: RepoRef, branch: string, sha: string, expected: BranchExpectation): Promise<boolean> {
    await this.call(expected.head ? 'ref:update' : 'ref:create');
    expect(expected.repositoryId).toBe('R_1');
    // Compare-and-swap, as POST git/refs (must not exist) and GraphQL updateRefs (beforeOid) do.
    if (this.refs.get(branch) !== expected.head) return false;
    this.refs.set(branch, sha);
    return true;
  }

  private written(pull: FakePull): WrittenPullRequest {
    return {
      number: pull.number,
      nodeId: `PR_${pull.number}`,
      url: `https://x/pull/${pull.number}`,
      baseSha: this.refs.get(pull.base) as string,
    };
  }

  async openPullRequest(
    _repo: RepoRef,
    input: { head: string; base: string; title: string; body: string; draft: boolean },
  ) {
    await this.call('pull:create');
    if (this.pulls.some((pull) => pull.open && pull.head === input.head && pull.base === input.base)) return undefined;
    const pull: FakePull = { number: this.pulls.length + 1, ...input, open: true, comments: [] };
    this.pulls.push(pull);
    return this.written(pull);
  }

  async updatePullRequest(_repo: RepoRef, pr: { number: number }, update: PullRequestUpdate) {
    const pull = this.pulls.find((item) => item.number === pr.number) as FakePull;
    if (update.close) {
      await this.call('comment');
      pull.comments.push(update.close.comment);
      pull.open = false;
    }
    if (update.draft !== undefined) {
      await this.call('graphql:draft');
      pull.draft = update.draft;
    }
    await this.call('pull:update');
    if (update.title !== undefined) pull.title = update.title;
    if (update.body !== undefined) pull.body = update.body;
    return this.written(pull);
  }

  async decoratePullRequest(_repo: RepoRef, pr: { number: number }, decorations: Decorations): Promise<string[]> {
    const pull = this.pulls.find((item) => item.number === pr.number) as FakePull;
    if (decorations.labels.length + decorations.assignees.length > 0) await this.call('issue:update');
    if (decorations.reviewers.length + decorations.teamReviewers.length > 0) await this.call('reviewers');
    if (decorations.autoMerge) await this.call('graphql:automerge');
    const had = pull.decorations;
    const union = (a: string[] = [], b: string[]) => [...new Set([...a, ...b])];
    pull.decorations = {
      labels: union(had?.labels, decorations.labels),
      assignees: union(had?.assignees, decorations.assignees),
      reviewers: union(had?.reviewers, decorations.reviewers),
      teamReviewers: union(had?.teamReviewers, decorations.teamReviewers),
      autoMerge: decorations.autoMerge || had?.autoMerge || false,
      ...(decorations.headSha ? { headSha: decorations.headSha } : {}),
    };
    return [];
  }
}
