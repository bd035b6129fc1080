// Credentials from a Docker config.json: its `auths`, and the credential helpers it names (`credHelpers`, `credsStore`).
// Format: https://github.com/docker/cli/blob/master/cli/config/configfile/file.go
// Helpers: https://github.com/docker/docker-credential-helpers (protocol: `get`, the server on stdin, JSON on stdout)
import { spawn } from 'node:child_process';
import { StagecoachError } from '../core/errors.js';

export interface DockerConfigCredentials {
  username: string;
  password: string;
  /** Docker's identity token (an OAuth2 refresh token), exchanged at the registry's token service; no password then. */
  identityToken?: string;
}

export interface DockerConfig {
  /** By registry host (`ghcr.io`, `docker.io`, `127.0.0.1:5000`). */
  auths: Record<string, DockerConfigCredentials>;
  /** `credHelpers`: the helper (`ecr-login` for `docker-credential-ecr-login`) by registry host. */
  helpers: Record<string, string>;
  /** `credsStore`: the helper for every host not in `credHelpers`. */
  credsStore?: string;
}

/** A credential helper that is missing, failed or answered something unreadable. */
export class CredentialHelperError extends StagecoachError {
  readonly kind = 'failure';
}

export class DockerConfigError extends StagecoachError {
  readonly kind = 'usage';
  constructor(readonly problems: string[]) {
    super(`the Docker config.json cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `https://index.docker.io/v1/` → `docker.io`; `https://ghcr.io` → `ghcr.io`; `127.0.0.1:5000` unchanged. */
export function normalizeRegistryHost(key: string): string {
  let host = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  host = host.split('/')[0].toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com'
    ? 'docker.io'
    : host;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** Parses config.json text; throws DockerConfigError listing every problem (never echoing a secret). */
export function parseDockerConfig(text: string): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : '';
    // Node's message quotes the offending token only, which cannot be a whole secret; still keep just the reason.
    throw new DockerConfigError([`it is not valid JSON${where}: fix the syntax`]);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new DockerConfigError(['it must be a JSON object with an "auths" object']);
  }
  const root = json as Record<string, unknown>;
  const problems: string[] = [];
  const config: DockerConfig = { auths: {}, helpers: {} };

  if (
    root.auths !== undefined &&
    (root.auths === null || typeof root.auths !== 'object' || Array.isArray(root.auths))
  ) {
    problems.push('"auths" must be an object keyed by registry host');
  }
  const auths = (
    typeof root.auths === 'object' && root.auths && !Array.isArray(root.auths) ? root.auths : {}
  ) as Record<string, unknown>;
  for (const [key, entry] of Object.entries(auths)) {
    const host = normalizeRegistryHost(key);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`auths."${key}" must be an object with "auth" or "username"/"password"`);
      continue;
    }
    const { auth, username, password, identitytoken, registrytoken } = entry as Record<string, unknown>;
    if (typeof auth === 'string' && auth !== '') {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const canonical = Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '');
      if (colon <= 0 || canonical !== auth.trim().replace(/=+$/, '')) {
        problems.push(`auths."${key}".auth must be base64 of "username:password" (as \`docker login\` writes it)`);
        continue;
      }
      config.auths[host] = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } else if (typeof username === 'string' && username !== '' && typeof password === 'string') {
      config.auths[host] = { username, password };
    } else if (typeof identitytoken === 'string' && identitytoken) {
      config.auths[host] = { username: '', password: '', identityToken: identitytoken };
    } else if (typeof registrytoken === 'string' && registrytoken) {
      problems.push(
        `auths."${key}" holds only "registrytoken", which is not supported: ` +
          'use "auth" (base64 of username:password or username:token) instead',
      );
    }
    // An empty entry (`"ghcr.io": {}`) is what Docker writes next to credsStore: no credentials here.
  }

  if (typeof root.credsStore === 'string' && root.credsStore !== '') config.credsStore = root.credsStore;
  if (root.credHelpers && typeof root.credHelpers === 'object' && !Array.isArray(root.credHelpers)) {
    for (const [key, helper] of Object.entries(root.credHelpers as Record<string, unknown>)) {
      if (typeof helper === 'string' && helper !== '') config.helpers[normalizeRegistryHost(key)] = helper;
    }
  }
  // The name becomes part of a command: `docker-credential-../../x` must not run something else.
  for (const [where, helper] of [
    ['credsStore', config.credsStore],
    ...Object.entries(config.helpers).map(([host, name]) => [`credHelpers."${host}"`, name]),
  ]) {
    if (helper !== undefined && !HELPER_NAME.test(helper))
      problems.push(`${where} is "${helper}", not a credential helper name (letters, digits, ".", "_", "-")`);
  }
  if (problems.length) throw new DockerConfigError(problems);
  return config;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The helper that holds `host`'s credentials, as Docker picks it: `credHelpers` first, then `credsStore`. */
export function helperFor(
  config: DockerConfig | undefined,
  host: string,
): { name: string; source: string } | undefined {
  if (!config) return undefined;
  if (config.helpers[host]) return { name: config.helpers[host], source: `credHelpers."${host}"` };
  return config.credsStore ? { name: config.credsStore, source: 'credsStore' } : undefined;
}

const HELPER_TIMEOUT_MS = 60_000;
const HELPER_OUTPUT_LIMIT = 1024 * 1024;
// docker-credential-helpers' ErrCredentialsNotFound text, which every helper prints for an unknown server.
const NOT_FOUND = /credentials not found/i;

/** The server name Docker passes to helpers: Docker Hub under its historical index URL, others as host[:port]. */
function helperServer(host: string): string {
  return host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
}

/**
 * Runs `docker-credential-<name> get` with the registry on stdin, as Docker does; undefined when the helper has nothing
 * for it. A `<token>` username means the secret is an identity token. Errors never quote what the helper printed on
 * success, which holds the secret.
 */
export async function runCredentialHelper(
  helper: { name: string; source: string },
  host: string,
  env: Record<string, string | undefined>,
): Promise<DockerConfigCredentials | undefined> {
  const command = `docker-credential-${helper.name}`;
  const where = `the credential helper "${command}" (${helper.source} in the Docker config.json)`;
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: HELPER_TIMEOUT_MS });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > HELPER_OUTPUT_LIMIT) child.kill();
      else into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: signal ? -1 : code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    // A helper that exits before reading stdin closes the pipe: its exit status tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(helperServer(host));
  }).catch((error: NodeJS.ErrnoException) => {
    const advice =
      error.code === 'ENOENT'
        ? `is not on PATH: install it, or take ${helper.source} out of the config`
        : error.message;
    throw new CredentialHelperError(`${where} ${advice}`);
  });
  if (result.code !== 0) {
    if (NOT_FOUND.test(result.stdout) || NOT_FOUND.test(result.stderr)) return undefined;
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0].slice(0, 200);
    const how =
      result.code === -1
        ? `was stopped (after ${HELPER_TIMEOUT_MS / 1000} s or ${HELPER_OUTPUT_LIMIT} bytes)`
        : `failed (exit ${result.code})`;
    throw new CredentialHelperError(`${where} ${how} for ${host}${said ? `: ${said}` : ''}`);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(result.stdout) as typeof answer;
  } catch {
    answer = {};
  }
  if (
    typeof answer !== 'object' ||
    answer === null ||
    typeof answer.Secret !== 'string' ||
    typeof answer.Username !== 'string'
  ) {
    throw new CredentialHelperError(
      `${where} answered for ${host} with something other than {"ServerURL", "Username", "Secret"} JSON`,
    );
  }
  if (answer.Secret === '') return undefined;
  if (answer.Username === '<token>') return { username: '', password: '', identityToken: answer.Secret };
  return { username: answer.Username, password: answer.Secret };
}

/** A host's credentials and, when a credential helper was asked, its command, for messages. */
export interface FoundCredentials {
  credentials?: DockerConfigCredentials;
  helper?: string;
}

/** Credentials by registry host as Docker looks them up: given ones, else the host's helper, else `auths`; once each. */
export class CredentialLookup {
  private readonly given = new Map<string, DockerConfigCredentials>();
  private readonly found = new Map<string, Promise<FoundCredentials>>();

  constructor(
    given: Record<string, DockerConfigCredentials>,
    private readonly config: DockerConfig | undefined,
    private readonly env: Record<string, string | undefined>,
  ) {
    for (const [host, credentials] of Object.entries(given)) this.given.set(normalizeRegistryHost(host), credentials);
  }

  lookup(host: string): Promise<FoundCredentials> {
    let found = this.found.get(host);
    if (!found) {
      const given = this.given.get(host);
      const helper = helperFor(this.config, host);
      const inline = this.config?.auths[host];
      found =
        given || !helper
          ? Promise.resolve({ credentials: given ?? inline })
          : runCredentialHelper(helper, host, this.env).then((credentials) => ({
              credentials: credentials ?? inline,
              helper: `docker-credential-${helper.name}`,
            }));
      this.found.set(host, found);
    }
    return found;
  }
}

/** Where `docker login` leaves credentials: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: Record<string, string | undefined>): string | undefined {
  if (env.DOCKER_CONFIG) return `${env.DOCKER_CONFIG.replace(/\/+$/, '')}/config.json`;
  return env.HOME ? `${env.HOME.replace(/\/+$/, '')}/.docker/config.json` : undefined;
}
