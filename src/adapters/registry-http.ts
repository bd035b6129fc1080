// HTTP to OCI registries for the registry adapter: the target of a repository, auth (Basic, Bearer tokens, Docker
// credentials and helpers), retries with back-off, proxies and TLS, and errors that say what to change.
// Auth: https://distribution.github.io/distribution/spec/auth/token/
import { StagecoachError } from '../core/errors.js';
import { parseImage } from '../core/image-reference.js';
import {
  CredentialHelperError,
  CredentialLookup,
  type DockerConfigCredentials,
  type FoundCredentials,
  normalizeRegistryHost,
  parseDockerConfig,
} from './docker-config.js';
import { proxyFailure, RegistryRoutes, type Route } from './registry-dispatcher.js';

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

export class RegistryError extends StagecoachError {
  readonly kind = 'failure';
  constructor(
    message: string,
    readonly repository: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_RETRY_DELAY_MS = 60_000;
const BACKOFF_BASE_MS = 500;
export const MAX_PAGES = 10_000;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|HOSTNAME|ALTNAME/;

export interface Target {
  /** Canonical repository as given (`docker.io/library/nginx`), for messages. */
  repository: string;
  /** Registry as users name it (`docker.io`), the key for credentials. */
  registry: string;
  /** Host the API lives on (`registry-1.docker.io`). */
  apiHost: string;
  path: string;
  /** `https://host` */
  origin: string;
}

interface Challenge {
  scheme: 'basic' | 'bearer';
  realm?: string;
  service?: string;
}

interface Token {
  value: string;
  expiresAt: number;
}

type Init = RequestInit & { dispatcher?: unknown };

/** `Bearer realm="https://x",service="y"` → scheme and parameters (RFC 9110 §11.6.1 auth-param syntax). */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  for (const m of match[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return { scheme, realm: params.realm, service: params.service };
}

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
  private readonly credentials: CredentialLookup;
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, Promise<Token>>();

  constructor(options: RegistryOptions) {
    this.fetch = options.fetch;
    this.env = options.env ?? process.env;
    this.maxRetries = options.maxRetries ?? 4;
    this.plainHttp = new Set((options.plainHttp ?? []).map(normalizeRegistryHost));
    const dockerConfig = options.dockerConfig === undefined ? undefined : parseDockerConfig(options.dockerConfig);
    this.credentials = new CredentialLookup(options.credentials ?? {}, dockerConfig, this.env);
    this.routes = new RegistryRoutes(this.env, options.caCertificates);
  }

  /** The target's credentials; a credential helper that cannot answer fails the request like the registry would. */
  private async credentialsOf(target: Target): Promise<FoundCredentials> {
    try {
      return await this.credentials.lookup(target.registry);
    } catch (error) {
      if (!(error instanceof CredentialHelperError)) throw error;
      throw new RegistryError(`registry ${target.registry}: ${error.message}`, target.repository, undefined, {
        cause: error,
      });
    }
  }

  target(repository: string): Target {
    let parsed;
    try {
      parsed = parseImage(repository);
    } catch (error) {
      throw new RegistryError(`${(error as Error).message}`, repository, undefined, { cause: error });
    }
    if (parsed.tag !== undefined || parsed.digest !== undefined) {
      throw new RegistryError(`"${repository}" must name a repository without a tag or digest`, repository);
    }
    const registry = normalizeRegistryHost(parsed.registry);
    const apiHost = registry === 'docker.io' ? 'registry-1.docker.io' : parsed.registry;
    const scheme = this.plainHttp.has(registry) || this.plainHttp.has(apiHost.toLowerCase()) ? 'http' : 'https';
    return { repository, registry, apiHost, path: parsed.path, origin: `${scheme}://${apiHost}` };
  }

  /** One request with auth: the cached token or Basic credentials, and on a 401 a fresh challenge answered once. */
  async send(target: Target, url: string, method: string, headers: Record<string, string>): Promise<Response> {
    let authorization = await this.authorization(target, false);
    let response = await this.fetchWithRetry(target, url, method, headers, authorization);
    if (response.status === 401) {
      const challenge = parseChallenge(response.headers.get('www-authenticate'));
      await response.arrayBuffer().catch(() => undefined);
      if (challenge) this.challenges.set(target.apiHost, challenge);
      authorization = challenge ? await this.authorization(target, true) : undefined;
      if (authorization === undefined) throw await this.denied(target, 401);
      response = await this.fetchWithRetry(target, url, method, headers, authorization);
    }
    if (response.status === 401 || response.status === 403) {
      await response.arrayBuffer().catch(() => undefined);
      throw await this.denied(target, response.status);
    }
    return response;
  }

  /** The Authorization header for a target; `fresh` after a 401: a new token, or Basic credentials if any. */
  private async authorization(target: Target, fresh: boolean): Promise<string | undefined> {
    const challenge = this.challenges.get(target.apiHost);
    if (!challenge) return undefined;
    const { credentials } = await this.credentialsOf(target);
    if (challenge.scheme === 'basic') {
      // An identity token is only good at a token service (Docker sends no Basic header with one either).
      if (!credentials || credentials.identityToken) return undefined;
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    const scope = `repository:${target.path}:pull`;
    const key = `${target.apiHost} ${scope}`;
    const cached = this.tokens.get(key);
    if (cached && !fresh) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt > Date.now()) return `Bearer ${token.value}`;
    }
    // Share one in-flight token request between concurrent calls for the same scope.
    const pending = this.fetchToken(target, challenge, scope, credentials);
    this.tokens.set(key, pending);
    pending.catch(() => this.tokens.get(key) === pending && this.tokens.delete(key));
    return `Bearer ${(await pending).value}`;
  }

  private async fetchToken(
    target: Target,
    challenge: Challenge,
    scope: string,
    credentials?: RegistryCredentials,
  ): Promise<Token> {
    let realm: URL;
    try {
      realm = new URL(challenge.realm ?? '');
    } catch {
      throw new RegistryError(
        `registry ${target.registry} asked for a bearer token without a valid realm URL`,
        target.repository,
        401,
      );
    }
    const realmHost = normalizeRegistryHost(realm.host);
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.plainHttp.has(realmHost))) {
      throw new RegistryError(
        `registry ${target.registry} sent its token service as ${realm.origin}, which is not HTTPS; ` +
          `list ${realm.host} in plainHttp only if that is intended`,
        target.repository,
        401,
      );
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    let form: string | undefined;
    if (credentials?.identityToken) {
      // An identity token is an OAuth2 refresh token, exchanged by POST (the distribution token spec's OAuth2 flow).
      headers['content-type'] = 'application/x-www-form-urlencoded';
      form = new URLSearchParams({
        grant_type: 'refresh_token',
        ...(challenge.service ? { service: challenge.service } : {}),
        scope,
        client_id: 'stagecoach',
        refresh_token: credentials.identityToken,
      }).toString();
    } else {
      if (challenge.service) realm.searchParams.set('service', challenge.service);
      realm.searchParams.set('scope', scope);
      if (credentials) {
        headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      }
    }
    const issued = Date.now();
    const response = await this.fetchWithRetry(
      target,
      realm.toString(),
      form === undefined ? 'GET' : 'POST',
      headers,
      undefined,
      realm.host,
      form,
    );
    if (response.status === 401 || response.status === 403) {
      await response.arrayBuffer().catch(() => undefined);
      throw await this.denied(target, response.status);
    }
    if (!response.ok) throw await this.unexpected(target, response, `getting a token (from ${realm.origin}) for`);
    const body = (await response.json().catch(() => ({}))) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const value = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof value !== 'string' || !value) {
      throw new RegistryError(
        `the token service ${realm.origin} of ${target.registry} answered without a token`,
        target.repository,
      );
    }
    // The spec's default lifetime is 60 s; expire 10% early so a token is not used at its edge.
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { value, expiresAt: issued + lifetime * 900 };
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

  private async denied(target: Target, status: number): Promise<RegistryError> {
    const host = target.registry;
    const { credentials, helper } = await this.credentialsOf(target);
    const from = helper ? `the credential helper ${helper}` : `the credentials given`;
    const advice = credentials
      ? `with ${from} for ${host}: check the username and password (or token) and that they may pull ${target.path}`
      : helper
        ? `: the credential helper ${helper} has no credentials for ${host} (run \`docker login ${host}\`)`
        : `: set credentials for ${host} (input registry-credentials or a Docker config.json)`;
    return new RegistryError(
      `registry ${host} denied access to ${target.path}${advice.startsWith(':') ? '' : ' '}${advice}`,
      target.repository,
      status,
    );
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
