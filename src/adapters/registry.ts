// OCI distribution API client: list a repository's tags and resolve a tag to its manifest digest.
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md; auth: https://distribution.github.io/distribution/spec/auth/token/
import { StagecoachError } from '../core/errors.js';
import { createHash } from 'node:crypto';
import { isDigest, isTag, parseImage } from '../core/image-reference.js';
import {
  CredentialHelperError,
  CredentialLookup,
  type DockerConfigCredentials,
  type FoundCredentials,
  normalizeRegistryHost,
  parseDockerConfig,
} from './docker-config.js';
import { proxyFailure, RegistryRoutes, type Route } from './registry-dispatcher.js';

// Thrown by createRegistry for an unreadable dockerConfig.
export { DockerConfigError } from './docker-config.js';

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

export interface ManifestInfo {
  digest: string;
  mediaType: string;
}

export interface Registry {
  /** Every tag of a repository (`ghcr.io/acme/api`), following `Link: <...>; rel="next"` pagination; order not assumed. */
  listTags(repository: string): Promise<string[]>;
  /** The manifest a tag or digest names; undefined when the tag, manifest or repository does not exist. */
  resolve(repository: string, reference: string): Promise<ManifestInfo | undefined>;
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

/** Without the OCI types an OCI manifest reads as missing, and without the index types a multi-arch tag does. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_RETRY_DELAY_MS = 60_000;
const BACKOFF_BASE_MS = 500;
const MAX_PAGES = 10_000;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|HOSTNAME|ALTNAME/;

interface Target {
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
async function describeBody(response: Response): Promise<string> {
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

function mediaTypeOf(contentType: string | null): string | undefined {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type && type !== 'application/json' && type !== 'text/plain' && type !== 'application/octet-stream'
    ? type
    : undefined;
}

class RegistryClient implements Registry {
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

  async listTags(repository: string): Promise<string[]> {
    const target = this.target(repository);
    const tags = new Set<string>();
    const seen = new Set<string>();
    let url = `${target.origin}/v2/${target.path}/tags/list`;
    for (let page = 0; page < MAX_PAGES; page++) {
      seen.add(url);
      const response = await this.send(target, url, 'GET', { accept: 'application/json' });
      if (response.status === 404) {
        const detail = await describeBody(response);
        throw new RegistryError(
          `registry ${target.registry} has no repository ${target.path}${detail ? ` (${detail})` : ''}: check the image name`,
          target.repository,
          404,
        );
      }
      if (!response.ok) throw await this.unexpected(target, response, 'listing tags of');
      let body: { tags?: unknown };
      try {
        body = (await response.json()) as { tags?: unknown };
      } catch (error) {
        throw new RegistryError(
          `registry ${target.registry} answered tags of ${target.path} with a body that is not JSON`,
          target.repository,
          response.status,
          { cause: error },
        );
      }
      // distribution answers `"tags": null` for a repository whose tags were all deleted.
      for (const tag of Array.isArray(body.tags) ? body.tags : []) if (typeof tag === 'string') tags.add(tag);
      const next = nextLink(response.headers.get('link'));
      if (!next) return [...tags];
      const resolved = new URL(next, url);
      // Following a link elsewhere would hand our token to another host.
      if (resolved.origin !== target.origin) {
        throw new RegistryError(
          `registry ${target.registry} sent a next-page link to another origin (${resolved.origin}) for ${target.path}; refusing to follow it`,
          target.repository,
        );
      }
      url = resolved.toString();
      if (seen.has(url)) return [...tags];
    }
    throw new RegistryError(
      `registry ${target.registry} paginated tags of ${target.path} past ${MAX_PAGES} pages`,
      target.repository,
    );
  }

  async resolve(repository: string, reference: string): Promise<ManifestInfo | undefined> {
    const target = this.target(repository);
    if (!isTag(reference) && !isDigest(reference)) {
      throw new RegistryError(
        `"${reference}" is neither a tag nor a digest (sha256:<64 hex digits>) for ${target.repository}`,
        target.repository,
      );
    }
    const url = `${target.origin}/v2/${target.path}/manifests/${reference}`;
    const accept = { accept: MANIFEST_MEDIA_TYPES.join(', ') };
    const head = await this.send(target, url, 'HEAD', accept);
    await head.arrayBuffer().catch(() => undefined);
    if (head.status === 404) return undefined;
    const headDigest = head.headers.get('docker-content-digest');
    const headType = mediaTypeOf(head.headers.get('content-type'));
    if (head.ok && headDigest && isDigest(headDigest) && headType) return { digest: headDigest, mediaType: headType };
    if (head.status === 429 || head.status >= 500)
      throw await this.unexpected(target, head, `resolving ${reference} in`);

    // HEAD without a digest (some registries), or a HEAD refused (405 and the like): GET tells all.
    const response = await this.send(target, url, 'GET', accept);
    if (response.status === 404) {
      await response.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    if (!response.ok) throw await this.unexpected(target, response, `resolving ${reference} in`);
    const body = Buffer.from(await response.arrayBuffer());
    const headerDigest = response.headers.get('docker-content-digest') ?? headDigest;
    const digest =
      headerDigest && isDigest(headerDigest)
        ? headerDigest
        : isDigest(reference)
          ? reference
          : `sha256:${createHash('sha256').update(body).digest('hex')}`;
    let mediaType = mediaTypeOf(response.headers.get('content-type'));
    if (!mediaType) {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: unknown };
        if (typeof parsed.mediaType === 'string') mediaType = parsed.mediaType;
      } catch {
        // leave it unknown
      }
    }
    if (!mediaType) {
      throw new RegistryError(
        `registry ${target.registry} answered ${reference} of ${target.path} without a manifest media type`,
        target.repository,
        response.status,
      );
    }
    return { digest, mediaType };
  }

  private target(repository: string): Target {
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
  private async send(target: Target, url: string, method: string, headers: Record<string, string>): Promise<Response> {
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

  private async unexpected(target: Target, response: Response, doing: string): Promise<RegistryError> {
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

/** A registry client; throws DockerConfigError when dockerConfig cannot be read. */
/** A registry made on first use: a broken Docker config then fails only the commands that reach a registry. */
export function createRegistryOnDemand(options: RegistryOptions = {}): Registry {
  let made: Registry | undefined;
  const get = () => (made ??= createRegistry(options));
  return {
    listTags: (repository) => get().listTags(repository),
    resolve: (repository, reference) => get().resolve(repository, reference),
  };
}

export function createRegistry(options: RegistryOptions = {}): Registry {
  return new RegistryClient(options);
}
