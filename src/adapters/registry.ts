// OCI distribution API client: list a repository's tags, resolve a tag to its manifest digest and read an image's
// labels. Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md (HTTP: registry-http.ts, auth:
// registry-auth.ts).
import { createHash } from 'node:crypto';
import { isDigest, isTag } from '../core/image-reference.js';
import { describeBody, MAX_PAGES, mediaTypeOf, nextLink, RegistryHttp, type RegistryOptions } from './registry-http.js';
import { RegistryError, type Target } from './registry-target.js';

// Thrown by createRegistry for an unreadable dockerConfig.
export { DockerConfigError } from './docker-config.js';
export { nextLink, type RegistryCredentials, type RegistryOptions } from './registry-http.js';
export { parseChallenge } from './registry-auth.js';
export { RegistryError } from './registry-target.js';

export interface ManifestInfo {
  digest: string;
  mediaType: string;
}

export interface Registry {
  /** Every tag of a repository (`ghcr.io/acme/api`), following `Link: <...>; rel="next"` pagination; order not assumed. */
  listTags(repository: string): Promise<string[]>;
  /** The manifest a tag or digest names; undefined when the tag, manifest or repository does not exist. */
  resolve(repository: string, reference: string): Promise<ManifestInfo | undefined>;
  /** The image's labels (its config's `Labels`, then the manifest's annotations; for an index, its linux/amd64 image
   *  or the first); undefined when the image does not exist. */
  labels(repository: string, reference: string): Promise<Record<string, string> | undefined>;
}

/** Without the OCI types an OCI manifest reads as missing, and without the index types a multi-arch tag does. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/** Manifests and image configs are a few KiB; anything past this is not one. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** The string-valued entries of an object (labels and annotations); nothing else. */
function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

class RegistryClient implements Registry {
  private readonly http: RegistryHttp;

  constructor(options: RegistryOptions) {
    this.http = new RegistryHttp(options);
  }

  async listTags(repository: string): Promise<string[]> {
    const target = this.http.target(repository);
    const tags = new Set<string>();
    const seen = new Set<string>();
    let url = `${target.origin}/v2/${target.path}/tags/list`;
    for (let page = 0; page < MAX_PAGES; page++) {
      seen.add(url);
      const response = await this.http.send(target, url, 'GET', { accept: 'application/json' });
      if (response.status === 404) {
        const detail = await describeBody(response);
        throw new RegistryError(
          `registry ${target.registry} has no repository ${target.path}${detail ? ` (${detail})` : ''}: check the image name`,
          target.repository,
          404,
        );
      }
      if (!response.ok) throw await this.http.unexpected(target, response, 'listing tags of');
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
    const target = this.http.target(repository);
    if (!isTag(reference) && !isDigest(reference)) {
      throw new RegistryError(
        `"${reference}" is neither a tag nor a digest (sha256:<64 hex digits>) for ${target.repository}`,
        target.repository,
      );
    }
    const url = `${target.origin}/v2/${target.path}/manifests/${reference}`;
    const accept = { accept: MANIFEST_MEDIA_TYPES.join(', ') };
    const head = await this.http.send(target, url, 'HEAD', accept);
    await head.arrayBuffer().catch(() => undefined);
    if (head.status === 404) return undefined;
    const headDigest = head.headers.get('docker-content-digest');
    const headType = mediaTypeOf(head.headers.get('content-type'));
    if (head.ok && headDigest && isDigest(headDigest) && headType) return { digest: headDigest, mediaType: headType };
    if (head.status === 429 || head.status >= 500)
      throw await this.http.unexpected(target, head, `resolving ${reference} in`);

    // HEAD without a digest (some registries), or a HEAD refused (405 and the like): GET tells all.
    const response = await this.http.send(target, url, 'GET', accept);
    if (response.status === 404) {
      await response.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    if (!response.ok) throw await this.http.unexpected(target, response, `resolving ${reference} in`);
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

  async labels(repository: string, reference: string): Promise<Record<string, string> | undefined> {
    const target = this.http.target(repository);
    let manifest = await this.readJson(target, `manifests/${reference}`, MANIFEST_MEDIA_TYPES.join(', '));
    if (!manifest) return undefined;
    const annotations = stringRecord(manifest.annotations);
    if (Array.isArray(manifest.manifests)) {
      const entries = manifest.manifests as { digest?: unknown; platform?: { os?: unknown; architecture?: unknown } }[];
      const chosen =
        entries.find((entry) => entry.platform?.os === 'linux' && entry.platform.architecture === 'amd64') ??
        entries[0];
      if (typeof chosen?.digest !== 'string' || !isDigest(chosen.digest)) return annotations;
      manifest = await this.readJson(target, `manifests/${chosen.digest}`, MANIFEST_MEDIA_TYPES.join(', '));
      if (!manifest) return annotations;
    }
    const digest = (manifest.config as { digest?: unknown } | undefined)?.digest;
    const config =
      typeof digest === 'string' && isDigest(digest)
        ? await this.readJson(target, `blobs/${digest}`, '*/*')
        : undefined;
    const labels = stringRecord((config?.config as { Labels?: unknown } | undefined)?.Labels);
    return { ...labels, ...stringRecord(manifest.annotations), ...annotations };
  }

  /** A manifest or a config blob as JSON; undefined when missing. Bodies are bounded: labels never need more. */
  private async readJson(
    target: Target,
    resource: string,
    accept: string,
  ): Promise<Record<string, unknown> | undefined> {
    const url = `${target.origin}/v2/${target.path}/${resource}`;
    const response = await this.http.send(target, url, 'GET', { accept });
    if (response.status === 404) {
      await response.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    if (!response.ok) throw await this.http.unexpected(target, response, `reading ${resource} of`);
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > MAX_JSON_BYTES)
      throw new RegistryError(
        `registry ${target.registry} sent ${resource} of ${target.path} over ${MAX_JSON_BYTES} bytes`,
        target.repository,
      );
    try {
      const value = JSON.parse(body.toString('utf8')) as unknown;
      return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
    } catch (error) {
      throw new RegistryError(
        `registry ${target.registry} sent ${resource} of ${target.path} that is not JSON`,
        target.repository,
        response.status,
        { cause: error },
      );
    }
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
    labels: (repository, reference) => get().labels(repository, reference),
  };
}

export function createRegistry(options: RegistryOptions = {}): Registry {
  return new RegistryClient(options);
}
