// The HTTP side: auth, one-at-a-time dispatch to REST or GraphQL, faults, contract checks, request log.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { loadContract, type ContractCheck } from './contract.js';
import { FaultQueue, type Fault } from './faults.js';
import type { TreeChange } from './git-store.js';
import { graphqlOperationOf, runGraphQL } from './graphql.js';
import { DOCS, HttpError, NotImplementedError, type RestReply } from './rest-common.js';
import { canonicalPath, matchRoute } from './rest-routes.js';
import { findRepo, now, userId, type EmulatorState, type RepoState } from './state.js';

export interface RequestLogEntry {
  method: string;
  /** The path as the client sent it (no query string). */
  path: string;
  status: number;
  graphqlOperation?: string;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  raw?: { contentType: string; data: Buffer };
}

const RATE_LIMIT = 5000;

export class EmulatorServer {
  readonly faults = new FaultQueue();
  readonly requests: RequestLogEntry[] = [];
  readonly violations: string[] = [];
  /** Test-only: rewrites a handler's body before the contract check, to prove the check catches emulator bugs. */
  readonly tampering = new Map<string, (body: unknown) => unknown>();
  private queue: Promise<unknown> = Promise.resolve();
  private served = 0;
  private moves = 0;
  /** The answer replacing the one of the request being served (a `status` fault with `after`). */
  private failAfter: Answer | undefined;
  private contract!: ContractCheck;

  constructor(readonly state: EmulatorState) {}

  async init(): Promise<void> {
    this.contract = await loadContract();
  }

  close(): void {
    this.contract.release();
  }

  /** Runs fn after everything queued before it: requests and test helpers see git and PR state one at a time. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const held = this.heldUntil(req, body);
      void held
        .then(() => this.serialize(() => this.answer(req, body)))
        .catch((error: unknown) => {
          this.violations.push(
            `emulator crashed on ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`,
          );
          return { status: 500, json: { message: 'Server Error' } } satisfies Answer;
        })
        .then((answer) => this.send(res, answer));
    });
  }

  /** A held request waits here, outside the one-at-a-time queue, so that every other request goes on meanwhile. */
  private heldUntil(req: IncomingMessage, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', this.state.url);
    let graphqlOperation: string | undefined;
    if (url.pathname === '/graphql') {
      try {
        graphqlOperation = graphqlOperationOf(JSON.parse(body.toString('utf8')) as { query?: unknown });
      } catch {
        graphqlOperation = undefined;
      }
    }
    const method = (req.method ?? 'GET').toUpperCase();
    return (
      this.faults.takeHold({
        method,
        rawPath: url.pathname,
        path: url.pathname.replace(/%2F/gi, '/'),
        graphqlOperation,
      }) ?? Promise.resolve()
    );
  }

  private send(res: ServerResponse, answer: Answer): void {
    this.served += 1;
    const headers: Record<string, string> = {
      'x-github-request-id': randomUUID().toUpperCase(),
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(RATE_LIMIT - this.served, 1)),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': String(this.served),
      'x-ratelimit-resource': 'core',
      ...answer.headers,
    };
    let data: Buffer | undefined;
    if (answer.raw) {
      headers['content-type'] = answer.raw.contentType;
      data = answer.raw.data;
    } else if (answer.json !== undefined) {
      headers['content-type'] = 'application/json; charset=utf-8';
      data = Buffer.from(JSON.stringify(answer.json));
    }
    res.writeHead(answer.status, headers);
    res.end(data);
  }

  private async answer(req: IncomingMessage, body: Buffer): Promise<Answer> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.state.url);
    const rawPath = url.pathname;
    const entry: RequestLogEntry = { method, path: rawPath, status: 0 };
    this.requests.push(entry);
    let answer = await this.dispatch(req, method, url, body, entry);
    if (this.failAfter) {
      answer = this.failAfter;
      this.failAfter = undefined;
    }
    entry.status = answer.status;
    return answer;
  }

  private async dispatch(
    req: IncomingMessage,
    method: string,
    url: URL,
    body: Buffer,
    entry: RequestLogEntry,
  ): Promise<Answer> {
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth) return error(401, 'Requires authentication');
    if (auth[1] !== this.state.token) return error(401, 'Bad credentials');

    let json: unknown;
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        this.violations.push(`${method} ${url.pathname}: the body is not JSON`);
        return error(400, 'Problems parsing JSON');
      }
    }
    const path = url.pathname.replace(/%2F/gi, '/');

    if (url.pathname === '/graphql' && method === 'POST') {
      const request = (json ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
      const probe = graphqlOperationOf(request);
      entry.graphqlOperation = probe;
      const fault = await this.applyFaults({ method, rawPath: url.pathname, path, graphqlOperation: probe }, true);
      if (fault) return fault;
      const outcome = await runGraphQL(this.state, request);
      this.violations.push(...outcome.violations);
      return { status: 200, json: outcome.body };
    }

    const match = matchRoute(method, url.pathname);
    if (!('route' in match)) {
      this.violations.push(`emulator does not implement ${method} ${url.pathname}`);
      return error(404, `emulator does not implement ${method} ${url.pathname}`);
    }
    const { route, params } = match;
    const fault = await this.applyFaults({ method, rawPath: url.pathname, path }, false);
    if (fault) return fault;
    const repo = findRepo(this.state, params.owner, params.repo);
    if (!repo) return error(404, 'Not Found');

    // The token stays here: the contract check never needs it.
    const headers = Object.fromEntries(
      Object.entries(req.headers)
        .filter(([k]) => k !== 'authorization')
        .map(([k, v]) => [k, String(v)]),
    );
    const problems = await this.contract.request(route.operationId, {
      method,
      path: canonicalPath(route, params),
      query: url.searchParams.toString(),
      headers,
      body: json,
    });
    if (problems.length > 0) {
      this.violations.push(
        `request ${method} ${url.pathname} (${route.operationId}) violates GitHub's OpenAPI description: ${problems.join('; ')}`,
      );
      // GitHub's own answer to a body that does not match the schema
      return {
        status: 422,
        json: { message: `Invalid request.\n\n${problems.join('\n')}`, documentation_url: DOCS, status: '422' },
      };
    }

    const unsupported = [...url.searchParams.keys()].filter((key) => !(route.query ?? []).includes(key));
    if (unsupported.length > 0)
      return this.notImplemented(`${route.operationId} query parameter(s) ${unsupported.join(', ')}`);

    let reply: RestReply;
    try {
      reply = await route.handler({
        state: this.state,
        repo,
        params,
        query: url.searchParams,
        body: json,
        headers: req.headers,
        requestUrl: url,
      });
    } catch (caught) {
      if (caught instanceof HttpError) reply = { status: caught.status, body: caught.body, headers: caught.headers };
      else if (caught instanceof NotImplementedError) return this.notImplemented(caught.message);
      else throw caught;
    }
    if (reply.raw) return { status: reply.status, headers: reply.headers, raw: reply.raw };
    const tamper = this.tampering.get(route.operationId);
    if (tamper) reply = { ...reply, body: tamper(reply.body) };
    const responseProblems = await this.contract.response(route.operationId, reply.status, reply.body ?? null);
    if (responseProblems.length > 0) {
      const message = `response ${reply.status} to ${method} ${url.pathname} (${route.operationId}) violates GitHub's OpenAPI description: ${responseProblems.join('; ')}`;
      this.violations.push(message);
      return { status: 500, json: { message: `emulator bug: ${message}`, documentation_url: DOCS, status: '500' } };
    }
    return { status: reply.status, headers: reply.headers, json: reply.body };
  }

  private notImplemented(what: string): Answer {
    this.violations.push(`emulator does not implement ${what}`);
    return error(422, `emulator does not implement ${what}`);
  }

  /** Runs move-base faults, then answers with the first failure fault matching this request, if any. */
  private async applyFaults(
    request: { method: string; rawPath: string; path: string; graphqlOperation?: string },
    graphql: boolean,
  ): Promise<Answer | undefined> {
    const { moves, failure } = this.faults.take(request);
    for (const move of moves) {
      if (move.kind !== 'move-base') continue;
      this.moves += 1;
      await this.commitFiles(
        move.repo,
        move.branch,
        move.files ?? { [`emulator-moved-base-${this.moves}.txt`]: `moved by the emulator (${this.moves})\n` },
        move.message ?? `Move ${move.branch} (emulator fault)`,
      );
    }
    if (failure?.kind === 'status' && failure.after) {
      this.failAfter = faultAnswer(failure, graphql, userId(this.state, this.state.login));
      return undefined;
    }
    return failure ? faultAnswer(failure, graphql, userId(this.state, this.state.login)) : undefined;
  }

  requireRepo(fullName: string): RepoState {
    const [owner, name] = fullName.split('/');
    const repo = owner && name ? findRepo(this.state, owner, name) : undefined;
    if (!repo) throw new Error(`the emulator has no repository "${fullName}"; create it with createRepo first`);
    return repo;
  }

  /** Commits files (null deletes) on top of branch (created from the default branch when missing) and moves it. */
  async commitFiles(
    fullName: string,
    branch: string,
    files: Record<string, string | null>,
    message: string,
    date?: string,
  ): Promise<string> {
    const repo = this.requireRepo(fullName);
    const ref = `refs/heads/${branch}`;
    const old = await repo.git.refSha(ref);
    const parent = old ?? (await repo.git.refSha(`refs/heads/${repo.defaultBranch}`));
    const base = parent ? (await repo.git.readCommit(parent)).tree : undefined;
    const tree = await repo.git.buildTree(base, toChanges(files));
    const identity = { name: 'Emulator Test', email: 'emulator-test@example.com', date: date ?? now() };
    const sha = await repo.git.commitTree(tree, parent ? [parent] : [], message, identity, identity);
    if (!(await repo.git.updateRef(ref, sha, old ?? '0'.repeat(40))))
      throw new Error(`${ref} of ${fullName} moved while committing`);
    repo.pushedAt = now();
    return sha;
  }
}

export function toChanges(files: Record<string, string | null>): TreeChange[] {
  return Object.entries(files).map(([path, content]) => {
    if (path.split('/').some((part) => part === '' || part === '.' || part === '..' || part === '.git')) {
      throw new Error(`"${path}" is not a repository-relative file path`);
    }
    return content === null
      ? { path, mode: '100644', type: 'blob', sha: null }
      : { path, mode: '100644', type: 'blob', content };
  });
}

function error(status: number, message: string): Answer {
  return { status, json: { message, documentation_url: DOCS, status: String(status) } };
}

/** GitHub's answers for each fault kind (messages and headers as plugin-throttling / plugin-retry read them). */
function faultAnswer(fault: Fault, graphql: boolean, user: number): Answer | undefined {
  const epoch = Math.floor(Date.now() / 1000);
  switch (fault.kind) {
    case 'status':
      return error(
        fault.status,
        fault.message ?? (fault.status >= 500 ? 'Server Error' : (STATUS_CODES[fault.status] ?? 'Error')),
      );
    case 'secondary-rate-limit':
      return {
        status: 403,
        headers: { 'retry-after': String(fault.retryAfter ?? 1) },
        json: {
          message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${randomUUID().toUpperCase()}.`,
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        },
      };
    case 'primary-rate-limit': {
      const headers = {
        'x-ratelimit-limit': String(RATE_LIMIT),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': String(RATE_LIMIT),
        'x-ratelimit-reset': String(epoch + (fault.resetInSeconds ?? 0)),
        'x-ratelimit-resource': graphql ? 'graphql' : 'core',
      };
      const message = `API rate limit exceeded for user ID ${user}.`;
      // GraphQL reports an exhausted primary limit in a 200 body (type RATE_LIMITED).
      if (graphql) return { status: 200, headers, json: { errors: [{ type: 'RATE_LIMITED', message }] } };
      return {
        status: fault.status ?? 403,
        headers,
        json: {
          message,
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
          status: String(fault.status ?? 403),
        },
      };
    }
    default:
      return undefined;
  }
}
