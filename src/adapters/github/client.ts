// Client construction: one Octokit (getOctokit) with the retry (5xx) and throttling (rate limits) plugins, request
// counting, token scrubbing, and every failure turned into a GitHubError with advice (failure.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import { explainFailure, failureFacts, type FailureContext } from './failure.js';
import { GitHubError } from './port.js';

export interface GitHubOptions {
  token: string;
  /** REST root: GITHUB_API_URL (https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server). */
  baseUrl?: string;
  /** GraphQL endpoint: GITHUB_GRAPHQL_URL; by default derived from baseUrl the way Octokit does. */
  graphqlUrl?: string;
  /** Retries of a request answered 5xx (default 3). */
  retries?: number;
  /** Retries of a request stopped by a primary or secondary rate limit (default 3). */
  rateLimitRetries?: number;
  /** A rate limit asking to wait longer than this fails instead (default 900 s). */
  maxRateLimitWaitSeconds?: number;
  /** Unit of every back-off: retry-after seconds and the 5xx back-off are multiplied by it (default 1000; tests use 1). */
  retryAfterBaseMs?: number;
  /** Pause between mutating requests; by default the throttling plugin's (1 s, 3 s for notifying ones), as GitHub asks. */
  writeSpacingMs?: number;
  /** Warnings (rate-limit waits); the token never appears in them. */
  onWarning?: (message: string) => void;
}

/** The requests every role (branches, pull requests, tree reader) makes, counted and explained when they fail. */
export interface Client {
  rest<T = unknown>(route: string, parameters: Record<string, unknown>, context: FailureContext): Promise<T>;
  /** REST write where a 422 whose message matches `race` means a lost race (the caller decides): undefined. */
  restOr422<T>(
    route: string,
    parameters: Record<string, unknown>,
    context: FailureContext,
    race: RegExp,
  ): Promise<T | undefined>;
  graphql<T>(
    query: string,
    variables: Record<string, unknown>,
    context: FailureContext,
    options?: { retries?: number; previews?: string[] },
  ): Promise<T>;
  /** Runs `work` and counts the API requests it made (retries not counted). */
  measure<T>(work: () => Promise<T>): Promise<{ value: T; requests: number }>;
  /** Tells the user (rate-limit waits, fallbacks); the token never appears. */
  warn(message: string): void;
  /** Retries of a failed request (5xx), and the unit of every back-off in ms. */
  readonly retries: number;
  readonly backoffMs: number;
}

type Octokit = ReturnType<typeof getOctokit>;

function octokitFor(options: GitHubOptions, warn: (message: string) => void): Octokit {
  const base = options.retryAfterBaseMs ?? 1000;
  const rateLimitRetries = options.rateLimitRetries ?? 3;
  const maxWait = options.maxRateLimitWaitSeconds ?? 900;
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      if (retryCount >= rateLimitRetries || retryAfter > maxWait) return false;
      warn(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${rateLimitRetries})`,
      );
      return true;
    };
  const spacing =
    options.writeSpacingMs === undefined
      ? {}
      : {
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeSpacingMs }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeSpacingMs }),
        };
  return getOctokit(
    options.token,
    {
      ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => warn(String(message)),
        error: (message: string) => warn(String(message)),
      },
      // 429 is the throttling plugin's to retry (it honours retry-after); the retry plugin takes the 5xx.
      retry: {
        retries: options.retries ?? 3,
        retryAfterBaseValue: base,
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
      throttle: {
        retryAfterBaseValue: base,
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        ...spacing,
      },
    },
    retry,
    throttling,
  );
}

export function createClient(options: GitHubOptions): Client {
  const counter = new AsyncLocalStorage<{ requests: number }>();
  const scrub = (text: string) => (options.token ? text.split(options.token).join('***') : text);
  const warn = (message: string) => options.onWarning?.(scrub(message));
  const octokit = octokitFor(options, warn);
  const count = () => {
    const store = counter.getStore();
    if (store) store.requests += 1;
  };
  const failure = (error: unknown, context: FailureContext): GitHubError => {
    const facts = failureFacts(error);
    const said = scrub(facts.said);
    const message = explainFailure({ ...facts, said }, context, options.baseUrl ?? 'https://api.github.com');
    return new GitHubError(message, facts.status, facts.graphqlType ?? (facts.graphql ? 'ERROR' : undefined));
  };

  const client: Client = {
    retries: options.retries ?? 3,
    backoffMs: options.retryAfterBaseMs ?? 1000,
    warn,
    async rest<T>(route: string, parameters: Record<string, unknown>, context: FailureContext): Promise<T> {
      count();
      try {
        return (await octokit.request(route, parameters)).data as T;
      } catch (error) {
        throw failure(error, context);
      }
    },
    async restOr422<T>(route: string, parameters: Record<string, unknown>, context: FailureContext, race: RegExp) {
      try {
        return await client.rest<T>(route, parameters, context);
      } catch (error) {
        if (error instanceof GitHubError && error.status === 422 && race.test(error.message)) return undefined;
        throw error;
      }
    },
    async graphql<T>(
      query: string,
      variables: Record<string, unknown>,
      context: FailureContext,
      extra: { retries?: number; previews?: string[] } = {},
    ): Promise<T> {
      count();
      try {
        // The object form: `url` and `request` are options there, not (forbidden) variable names.
        return await octokit.graphql<T>({
          query,
          ...variables,
          ...(options.graphqlUrl ? { url: options.graphqlUrl } : {}),
          ...(extra.retries !== undefined ? { request: { retries: extra.retries } } : {}),
          // Enterprise Server releases where updateRefs was still a schema preview need its media type.
          ...(extra.previews ? { mediaType: { previews: extra.previews } } : {}),
        });
      } catch (error) {
        throw failure(error, context);
      }
    },
    async measure<T>(work: () => Promise<T>): Promise<{ value: T; requests: number }> {
      const store = { requests: 0 };
      const value = await counter.run(store, work);
      return { value, requests: store.requests };
    },
  };
  return client;
}
