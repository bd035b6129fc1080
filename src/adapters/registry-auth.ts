// Auth to OCI registries: the challenge a registry answers 401 with, Basic credentials, and Bearer tokens from its
// token service (cached per scope, one request in flight), and the advice when access is denied.
// https://distribution.github.io/distribution/spec/auth/token/
import {
  CredentialHelperError,
  type CredentialLookup,
  type DockerConfigCredentials,
  type FoundCredentials,
  normalizeRegistryHost,
} from './docker-config.js';
import { RegistryError, type Target } from './registry-target.js';

export interface Challenge {
  scheme: 'basic' | 'bearer';
  realm?: string;
  service?: string;
}

interface Token {
  value: string;
  expiresAt: number;
}

/** How the auth reaches a token service: a request (retried like any other) and the message for an answer not 2xx. */
export interface TokenTransport {
  request(
    target: Target,
    url: string,
    method: string,
    headers: Record<string, string>,
    host: string,
    body?: string,
  ): Promise<Response>;
  unexpected(target: Target, response: Response, doing: string): Promise<RegistryError>;
}

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

const basic = (credentials: DockerConfigCredentials) =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

/** One registry client's auth state: the challenge each host sent, and the tokens issued by scope. */
export class RegistryAuth {
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, Promise<Token>>();

  constructor(
    private readonly credentials: CredentialLookup,
    private readonly plainHttp: Set<string>,
    private readonly transport: TokenTransport,
  ) {}

  /** Remembers the challenge of a 401; false when the header names no scheme Stagecoach answers. */
  challenged(target: Target, header: string | null): boolean {
    const challenge = parseChallenge(header);
    if (challenge) this.challenges.set(target.apiHost, challenge);
    return challenge !== undefined;
  }

  /** The target's credentials; a credential helper that cannot answer fails the request like the registry would. */
  async credentialsOf(target: Target): Promise<FoundCredentials> {
    try {
      return await this.credentials.lookup(target.registry);
    } catch (error) {
      if (!(error instanceof CredentialHelperError)) throw error;
      throw new RegistryError(`registry ${target.registry}: ${error.message}`, target.repository, undefined, {
        cause: error,
      });
    }
  }

  /** The Authorization header for a target; `fresh` after a 401: a new token, or Basic credentials if any. */
  async authorization(target: Target, fresh: boolean): Promise<string | undefined> {
    const challenge = this.challenges.get(target.apiHost);
    if (!challenge) return undefined;
    const { credentials } = await this.credentialsOf(target);
    if (challenge.scheme === 'basic') {
      // An identity token is only good at a token service (Docker sends no Basic header with one either).
      if (!credentials || credentials.identityToken) return undefined;
      return basic(credentials);
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
    credentials?: DockerConfigCredentials,
  ): Promise<Token> {
    const realm = this.realmOf(target, challenge);
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
      if (credentials) headers.authorization = basic(credentials);
    }
    const issued = Date.now();
    const response = await this.transport.request(
      target,
      realm.toString(),
      form === undefined ? 'GET' : 'POST',
      headers,
      realm.host,
      form,
    );
    if (response.status === 401 || response.status === 403) {
      await response.arrayBuffer().catch(() => undefined);
      throw await this.denied(target, response.status);
    }
    if (!response.ok)
      throw await this.transport.unexpected(target, response, `getting a token (from ${realm.origin}) for`);
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

  /** The token service's URL: valid, and HTTPS unless its host is listed in plainHttp. */
  private realmOf(target: Target, challenge: Challenge): URL {
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
    return realm;
  }

  /** Access denied (401/403), with what to change: the credentials given, the helper's, or none at all. */
  async denied(target: Target, status: number): Promise<RegistryError> {
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
}
