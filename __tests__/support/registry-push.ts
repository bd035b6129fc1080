// Pushes images to a registry over the distribution HTTP API, with no Docker engine: blobs, then a manifest or an index.
// Written independently of src/adapters/registry.ts so the adapter is not tested against itself.
import { randomBytes } from 'node:crypto';
import type { Agent } from 'undici';
import { sha256Digest } from './registry-server.js';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export interface PushTarget {
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** Repository path inside the registry (`acme/api`). */
  repository: string;
  /** For registries with auth: answered to Basic and Bearer challenges (asking push+pull). */
  username?: string;
  password?: string;
  dispatcher?: Agent;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface PushedManifest {
  digest: string;
  mediaType: string;
  size: number;
  platform?: Platform;
}

type Init = RequestInit & { dispatcher?: Agent };

/** Session per target: remembers the Authorization header that worked. */
class Pusher {
  private authorization: string | undefined;

  constructor(private readonly target: PushTarget) {}

  async request(url: string, init: Init): Promise<Response> {
    const send = (): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (this.authorization) headers.set('authorization', this.authorization);
      return fetch(url, {
        ...init,
        headers,
        ...(this.target.dispatcher ? { dispatcher: this.target.dispatcher } : {}),
      } as Init);
    };
    let response = await send();
    if (response.status !== 401) return response;
    await response.arrayBuffer();
    const challenge = response.headers.get('www-authenticate') ?? '';
    const basic = `Basic ${Buffer.from(`${this.target.username ?? ''}:${this.target.password ?? ''}`).toString('base64')}`;
    if (/^basic/i.test(challenge)) {
      this.authorization = basic;
    } else if (/^bearer/i.test(challenge)) {
      const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const tokenUrl = new URL(params.realm);
      tokenUrl.searchParams.set('service', params.service);
      tokenUrl.searchParams.set('scope', `repository:${this.target.repository}:pull,push`);
      const tokenResponse = await fetch(tokenUrl, {
        headers: this.target.username ? { authorization: basic } : {},
      });
      if (!tokenResponse.ok) throw new Error(`token server answered ${tokenResponse.status} for the pusher`);
      const body = (await tokenResponse.json()) as { token: string };
      this.authorization = `Bearer ${body.token}`;
    } else {
      throw new Error(`unexpected challenge: ${challenge}`);
    }
    response = await send();
    return response;
  }

  async uploadBlob(content: Buffer): Promise<{ digest: string; size: number }> {
    const { url, repository } = this.target;
    const digest = sha256Digest(content);
    const start = await this.request(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    await start.arrayBuffer();
    if (start.status !== 202) throw new Error(`starting a blob upload answered ${start.status}`);
    const location = new URL(start.headers.get('location') ?? '', url);
    location.searchParams.set('digest', digest);
    const put = await this.request(location.toString(), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(content.length) },
      body: content,
    });
    const text = await put.text();
    if (put.status !== 201) throw new Error(`blob upload answered ${put.status}: ${text}`);
    return { digest, size: content.length };
  }

  async putManifest(reference: string, mediaType: string, body: string): Promise<string> {
    const { url, repository } = this.target;
    const response = await this.request(`${url}/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body,
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`manifest PUT answered ${response.status}: ${text}`);
    const digest = sha256Digest(body);
    const answered = response.headers.get('docker-content-digest');
    if (answered !== digest) throw new Error(`registry answered digest ${answered}, computed ${digest}`);
    return digest;
  }
}

export interface PushImageOptions {
  /** `oci` (default) or `docker` (Docker v2 schema 2). */
  format?: 'oci' | 'docker';
  platform?: Platform;
  /** Tags to put the same manifest under; none pushes by digest only. */
  tags?: string[];
  /** Labels in the image config (as `docker build --label` or LABEL writes them). */
  labels?: Record<string, string>;
  /** Annotations on the manifest (as `docker buildx --annotation` writes them). */
  annotations?: Record<string, string>;
}

/** Pushes a small image (config + one layer, unique content) and tags it; returns the manifest's digest and type. */
export async function pushImage(target: PushTarget, options: PushImageOptions = {}): Promise<PushedManifest> {
  const pusher = new Pusher(target);
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const docker = options.format === 'docker';
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Labels: { nonce: randomBytes(8).toString('hex'), ...options.labels } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const layer = randomBytes(64); // content is opaque to the registry; a real gzip tar is not needed
  const configBlob = await pusher.uploadBlob(config);
  const layerBlob = await pusher.uploadBlob(layer);
  const mediaType = docker ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
      ...configBlob,
    },
    layers: [
      {
        mediaType: docker
          ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
          : 'application/vnd.oci.image.layer.v1.tar+gzip',
        ...layerBlob,
      },
    ],
    ...(options.annotations ? { annotations: options.annotations } : {}),
  });
  const tags = options.tags ?? [];
  let digest = '';
  for (const reference of tags.length ? tags : [sha256Digest(manifest)]) {
    digest = await pusher.putManifest(reference, mediaType, manifest);
  }
  return { digest, mediaType, size: Buffer.byteLength(manifest), platform };
}

/** Pushes an OCI index (or Docker manifest list) pointing at already pushed manifests, under `tag`. */
export async function pushIndex(
  target: PushTarget,
  tag: string,
  manifests: PushedManifest[],
  format: 'oci' | 'docker' = 'oci',
): Promise<PushedManifest> {
  const pusher = new Pusher(target);
  const mediaType = format === 'docker' ? MEDIA_TYPES.dockerList : MEDIA_TYPES.ociIndex;
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    manifests: manifests.map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: m.platform })),
  });
  const digest = await pusher.putManifest(tag, mediaType, body);
  return { digest, mediaType, size: Buffer.byteLength(body) };
}

/** Pushes one small image under each tag, in the order given. */
export async function pushTags(
  target: PushTarget,
  tags: string[],
  format: 'oci' | 'docker' = 'oci',
): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (const tag of tags) digests.set(tag, (await pushImage(target, { format, tags: [tag] })).digest);
  return digests;
}
