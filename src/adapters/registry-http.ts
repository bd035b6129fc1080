// HTTP to OCI registries for the registry adapter: requests authenticated (registry-auth.ts), retries with back-off,
// proxies and TLS, and errors that say what to change.
import {
  CredentialLookup,
  type DockerConfigCredentials,
  normalizeRegistryHost,
  parseDockerConfig,
} from './docker-config.js';
import { RegistryAuth } from './registry-auth.js';
import { proxyFailure, RegistryRoutes, type Route } from './registry-dispatcher.js';
import { parseTarget, RegistryError, type Target } from './registry-target.js';

/** A username and a password or token; or an identity token (OAuth2 refresh token) from the Docker config. */
export type RegistryCredentials = DockerConfigCredentials;

export interface RegistryOptions {
  /** By registry host (`ghcr.io`, `127.0.0.1:5000`); these win over dockerConfig. */
  credentials?: Record<string, RegistryCredentials>;
  /** Text of a Docker config.json: its `auths`, and the credential helpers it names (run on first use of a host). */
  dockerConfig?: string;
  /** PATH for credential helpers; HTTPS_PROXY, HTTP_PROXY, NO_PROXY (either case) for requests. Default process.env. */
  env?: Record<string, string | undefined>;
  /** PEM, trusted in addition to the default roots. */
  caCertificates?: string;
  /** Hosts reached over http instead of https. */
  plainHttp?: string[];
  fetch?: typeof fetch;
  /** Retries for 429/5xx and dropped connections (default 4). */
  maxRetries?: number;
}

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_RETRY_DELAY_MS = 60_000;
const BACKOFF_BASE_MS = 500;
export const MAX_PAGES = 10_000;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|HOSTNAME|ALTNAME/;

type Init = RequestInit & { dispatcher?: unknown };

/** The `rel="next"` target of a Link header (RFC 8288), if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(part);
    if (match && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(match[2])) return match[1];
  }
  return undefined;
}

/** Seconds or an HTTP date (RFC 9110 §10.2.3) → milliseconds from now. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (name === 'TimeoutError') return 'ETIMEDOUT';
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

/** `NAME_UNKNOWN: repository name not known to registry`, from a distribution error body, when there is one. */
export async function describeBody(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const first = body.errors?.[0];
    if (first) return [first.code, first.message].filter(Boolean).join(': ');
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200);
}

export function mediaTypeOf(contentType: string | null): string | undefined {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type && type !== 'application/json' && type !== 'text/plain' && type !== 'application/octet-stream'
    ? type
    : undefined;
}

/** Requests to registries, authenticated and retried; one per registry client (it caches challenges and tokens). */
export class RegistryHttp {
  private readonly fetch: typeof fetch | undefined;
  private readonly routes: RegistryRoutes;
  private readonly env: Record<string, string | undefined>;
  private readonly maxRetries: number;
  private readonly plainHttp: Set<string>;
  private readonly auth: RegistryAuth;

  constructor(options: RegistryOptions) {
    this.fetch = options.fetch;
    this.env = options.env ?? process.env;
    this.maxRetries = options.maxRetries ?? 4;
    this.plainHttp = new Set((options.plainHttp ?? []).map(normalizeRegistryHost));
    const dockerConfig = options.dockerConfig === undefined ? undefined : parseDockerConfig(options.dockerConfig);
    const credentials = new CredentialLookup(options.credentials ?? {}, dockerConfig, this.env);
    this.routes = new RegistryRoutes(this.env, options.caCertificates);
    this.auth = new RegistryAuth(credentials, this.plainHttp, {
      request: (target, url, method, headers, host, body) =>
        this.fetchWithRetry(target, url, method, headers, undefined, host, body),
      unexpected: (target, response, doing) => this.unexpected(target, response, doing),
    });
  }

  target(repository: string): Target {
    return parseTarget(repository, this.plainHttp);
  }

  /** One request with auth: the cached token or Basic credentials, and on a 401 a fresh challenge answered once. */
  async send(target: Target, url: string, method: string, headers: Record<string, string>): Promise<Response> {
    let authorization = await this.auth.authorization(target, false);
    let response = await this.fetchWithRetry(target, url, method, headers, authorization);
    if (response.status === 401) {
      const header = response.headers.get('www-authenticate');
      await response.arrayBuffer().catch(() => undefined);
      authorization = this.auth.challenged(target, header) ? await this.auth.authorization(target, true) : undefined;
      if (authorization === undefined) throw await this.auth.denied(target, 401);
      response = await this.fetchWithRetry(target, url, method, headers, authorization);
    }
    if (response.status === 401 || response.status === 403) {
      await response.arrayBuffer().catch(() => undefined);
      throw await this.auth.denied(target, response.status);
    }
    return response;
  }

  /** fetch with a timeout, retrying 429/5xx (Retry-After or exponential back-off) and dropped connections. */
  private async fetchWithRetry(
    target: Target,
    url: string,
    method: string,
    headers: Record<string, string>,
    authorization: string | undefined,
    host = target.apiHost,
    body?: string,
  ): Promise<Response> {
    const init: Init = {
      method,
      headers: { 'user-agent': 'stagecoach', ...headers, ...(authorization ? { authorization } : {}) },
      redirect: 'follow',
      ...(body === undefined ? {} : { body }),
    };
    const route = await this.routes.route(url);
    if (route.dispatcher) init.dispatcher = route.dispatcher;
    const send = this.fetch ?? route.fetch ?? globalThis.fetch;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await send(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) } as RequestInit);
      } catch (error) {
        const code = errorCode(error);
        if (RETRYABLE_NETWORK.has(code) && attempt < this.maxRetries) {
          await sleep(BACKOFF_BASE_MS * 2 ** attempt);
          continue;
        }
        throw this.networkError(target, host, code, error, route);
      }
      if (!RETRYABLE_STATUS.has(response.status) || attempt >= this.maxRetries) return response;
      const wait = retryAfterMs(response.headers.get('retry-after')) ?? BACKOFF_BASE_MS * 2 ** attempt;
      if (wait > MAX_RETRY_DELAY_MS) return response;
      await response.arrayBuffer().catch(() => undefined);
      await sleep(wait);
    }
  }

  private networkError(target: Target, host: string, code: string, error: unknown, route: Route): RegistryError {
    const scheme = target.origin.startsWith('https') ? 'https' : 'http';
    const proxyAdvice = proxyFailure(route, host, code, error);
    let advice: string;
    if (proxyAdvice) {
      advice = proxyAdvice;
    } else if (TLS_CODES.test(code)) {
      advice = `the TLS certificate of ${host} could not be verified (${code}): add the CA that signed it (PEM) to caCertificates`;
    } else if (
      code === 'EPROTO' ||
      /wrong version number|packet length too long/i.test(String((error as Error)?.cause ?? ''))
    ) {
      advice = `${host} does not speak TLS: if it serves plain HTTP, list ${host} in plainHttp`;
    } else if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      advice = `${host} cannot be reached (${code}): check the registry host`;
    } else if (code === 'ETIMEDOUT') {
      advice = `${host} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
    } else {
      advice = `the ${scheme} request to ${host} failed (${code || (error as Error)?.message || 'unknown error'})`;
    }
    const through = route.proxy && !proxyAdvice ? ` (through the proxy ${route.proxy.host})` : '';
    return new RegistryError(`registry ${target.registry}: ${advice}${through}`, target.repository, undefined, {
      cause: error,
    });
  }

  async unexpected(target: Target, response: Response, doing: string): Promise<RegistryError> {
    const detail = await describeBody(response);
    const retryAfter = response.headers.get('retry-after');
    const retried =
      response.status === 429 && retryAfter
        ? ` (rate limited; it asks to retry after ${retryAfter})`
        : RETRYABLE_STATUS.has(response.status)
          ? ` (after ${this.maxRetries} retries)`
          : '';
    const advice = /HTTP request to an HTTPS server/i.test(detail)
      ? `; it serves HTTPS: remove ${target.apiHost} from plainHttp`
      : '';
    return new RegistryError(
      `registry ${target.registry} answered ${response.status}${retried} when ${doing} ${target.path}${detail ? `: ${detail}` : ''}${advice}`,
      target.repository,
      response.status,
    );
  }
}
