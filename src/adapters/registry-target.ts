// The target of a registry request (which registry, which API host, which repository) and the error that names it.
import { StagecoachError } from '../core/errors.js';
import { parseImage } from '../core/image-reference.js';
import { normalizeRegistryHost } from './docker-config.js';

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

/** The target of `repository` (no tag or digest); http for the hosts in `plainHttp` (normalized), https otherwise. */
export function parseTarget(repository: string, plainHttp: Set<string>): Target {
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
  const scheme = plainHttp.has(registry) || plainHttp.has(apiHost.toLowerCase()) ? 'http' : 'https';
  return { repository, registry, apiHost, path: parsed.path, origin: `${scheme}://${apiHost}` };
}
