// Credentials from the text of a Docker config.json (`auths` only; credential helpers are out of scope).
// Format: https://github.com/docker/cli/blob/master/cli/config/configfile/file.go
import { StagecoachError } from '../core/errors.js';

export interface DockerConfigCredentials {
  username: string;
  password: string;
}

export interface DockerConfig {
  /** By registry host (`ghcr.io`, `docker.io`, `127.0.0.1:5000`). */
  auths: Record<string, DockerConfigCredentials>;
  /** Hosts whose credentials live in a helper we cannot run: `credHelpers` entries, or every host when `credsStore` is set. */
  helpers: Record<string, string>;
  /** `credsStore`, when set. */
  credsStore?: string;
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
    } else if (
      (typeof identitytoken === 'string' && identitytoken) ||
      (typeof registrytoken === 'string' && registrytoken)
    ) {
      const field = typeof identitytoken === 'string' && identitytoken ? 'identitytoken' : 'registrytoken';
      problems.push(
        `auths."${key}" holds only "${field}", which is not supported: ` +
          'use "auth" (base64 of username:password or username:token) instead',
      );
    }
    // An empty entry (`"ghcr.io": {}`) is what Docker writes next to credsStore: no credentials here.
  }

  if (typeof root.credsStore === 'string' && root.credsStore !== '') config.credsStore = root.credsStore;
  if (root.credHelpers && typeof root.credHelpers === 'object' && !Array.isArray(root.credHelpers)) {
    for (const [key, helper] of Object.entries(root.credHelpers as Record<string, unknown>)) {
      if (typeof helper === 'string') config.helpers[normalizeRegistryHost(key)] = helper;
    }
  }
  if (problems.length) throw new DockerConfigError(problems);
  return config;
}

/**
 * Why no credentials were found for `host` although the config names a helper for it; undefined when no helper applies.
 * Used to turn a bare 401 into an actionable message.
 */
export function helperHint(config: DockerConfig | undefined, host: string): string | undefined {
  if (!config || config.auths[host]) return undefined;
  const helper = config.helpers[host] ?? config.credsStore;
  if (!helper) return undefined;
  const source = config.helpers[host] ? `credHelpers."${host}"` : 'credsStore';
  return (
    `the Docker config.json keeps the credentials for ${host} in the credential helper "docker-credential-${helper}" ` +
    `(${source}); credential helpers are not supported: put auths."${host}".auth (base64 of username:password) in the config, ` +
    `or use input registry-credentials`
  );
}

/** Where `docker login` leaves credentials: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: Record<string, string | undefined>): string | undefined {
  if (env.DOCKER_CONFIG) return `${env.DOCKER_CONFIG.replace(/\/+$/, '')}/config.json`;
  return env.HOME ? `${env.HOME.replace(/\/+$/, '')}/.docker/config.json` : undefined;
}
