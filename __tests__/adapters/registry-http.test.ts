// What distribution 2.8 cannot show: Link pagination (it ignores `?n=`), 429/5xx with Retry-After, registries whose HEAD
// lacks a digest, and the docker.io host mapping. A small 127.0.0.1 server plays those registries.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistry, RegistryError } from '../../src/adapters/registry.js';
import { MEDIA_TYPES } from '../support/registry-push.js';

interface Seen {
  method: string;
  url: string;
  at: number;
  authorization?: string;
}

let server: Server;
let host: string;
let seen: Seen[];
let handler: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      at: Date.now(),
      authorization: req.headers.authorization,
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  seen = [];
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Serves `tags` in pages of `size`, the way GHCR and Docker Hub do: `?n=&last=` and a Link to the next page. */
function pagedTags(tags: string[], size: number, link: (last: string) => string): typeof handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname !== '/v2/acme/api/tags/list')
      return json(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'no' }] });
    const last = url.searchParams.get('last');
    const start = last === null ? 0 : tags.indexOf(last) + 1;
    const page = tags.slice(start, start + size);
    const more = start + size < tags.length;
    json(res, 200, { name: 'acme/api', tags: page }, more ? { link: link(page[page.length - 1]) } : {});
  };
}

const registry = (options: Parameters<typeof createRegistry>[0] = {}) =>
  createRegistry({ plainHttp: [host], ...options });

describe('Link pagination', () => {
  const tags = ['v10', 'v2', 'latest', 'v1', 'v3', 'beta', 'v9', 'v11', 'v4', 'alpha', 'v7'];

  test('follows relative rel="next" links until the last page and returns every tag', async () => {
    handler = pagedTags(tags, 3, (last) => `</v2/acme/api/tags/list?last=${last}&n=3>; rel="next"`);
    const listed = await registry().listTags(`${host}/acme/api`);
    expect([...listed].sort()).toEqual([...tags].sort());
    expect(seen.map((s) => s.url)).toEqual([
      '/v2/acme/api/tags/list',
      '/v2/acme/api/tags/list?last=latest&n=3',
      '/v2/acme/api/tags/list?last=beta&n=3',
      '/v2/acme/api/tags/list?last=v4&n=3',
    ]);
  });

  test('follows absolute links on the same origin, with other link relations around', async () => {
    handler = pagedTags(
      tags,
      4,
      (last) => `<http://${host}/v2/acme/api/tags/list?last=${last}&n=4>; rel="next", <http://${host}/>; rel="first"`,
    );
    expect([...(await registry().listTags(`${host}/acme/api`))].sort()).toEqual([...tags].sort());
    expect(seen).toHaveLength(3);
  });

  test('refuses a next link to another origin (it would carry our token there)', async () => {
    handler = pagedTags(tags, 3, (last) => `<http://127.0.0.2:1/v2/acme/api/tags/list?last=${last}>; rel="next"`);
    const error = await registry()
      .listTags(`${host}/acme/api`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toContain('next-page link to another origin (http://127.0.0.2:1)');
  });

  test('a link back to a page already read ends the listing instead of looping', async () => {
    handler = (req, res) =>
      json(res, 200, { name: 'acme/api', tags: ['a', 'b'] }, { link: '</v2/acme/api/tags/list>; rel="next"' });
    expect(await registry().listTags(`${host}/acme/api`)).toEqual(['a', 'b']);
    expect(seen).toHaveLength(1);
  });

  test('`"tags": null` (all tags deleted) is an empty list', async () => {
    handler = (req, res) => json(res, 200, { name: 'acme/api', tags: null });
    expect(await registry().listTags(`${host}/acme/api`)).toEqual([]);
  });
});

describe('retries', () => {
  test('429 with Retry-After is retried after the delay it asks for, then succeeds', async () => {
    let calls = 0;
    handler = (req, res) => {
      calls++;
      if (calls === 1)
        return json(res, 429, { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }, { 'retry-after': '1' });
      json(res, 200, { name: 'acme/api', tags: ['1.0'] });
    };
    expect(await registry().listTags(`${host}/acme/api`)).toEqual(['1.0']);
    expect(seen).toHaveLength(2);
    // Correctness of honouring the header, not speed: the retry did not come before the second it asked for.
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(950);
  });

  test('503 is retried with back-off up to maxRetries, then a clear error with the status', async () => {
    handler = (req, res) => json(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'maintenance' }] });
    const error = await registry({ maxRetries: 2 })
      .listTags(`${host}/acme/api`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(503);
    expect((error as Error).message).toBe(
      `registry ${host} answered 503 (after 2 retries) when listing tags of acme/api: UNAVAILABLE: maintenance`,
    );
    expect(seen).toHaveLength(3);
  });

  test('a Retry-After longer than a minute is not waited for', async () => {
    handler = (req, res) =>
      json(res, 429, { errors: [{ code: 'TOOMANYREQUESTS', message: 'quota' }] }, { 'retry-after': '3600' });
    const error = await registry()
      .resolve(`${host}/acme/api`, '1.0')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(429);
    expect((error as Error).message).toContain('rate limited; it asks to retry after 3600');
    expect(seen.map((s) => s.method)).toEqual(['HEAD']);
  });

  test('a 404 is not retried', async () => {
    handler = (req, res) => json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] });
    expect(await registry().resolve(`${host}/acme/api`, '1.0')).toBeUndefined();
    expect(seen).toHaveLength(1);
  });
});

describe('registries that differ from distribution', () => {
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] });
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

  test('a HEAD without Docker-Content-Digest falls back to GET and hashes the body', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': MEDIA_TYPES.ociIndex });
      res.end(req.method === 'GET' ? manifest : undefined);
    };
    expect(await registry().resolve(`${host}/acme/api`, '1.0')).toEqual({ digest, mediaType: MEDIA_TYPES.ociIndex });
    expect(seen.map((s) => s.method)).toEqual(['HEAD', 'GET']);
  });

  test('a refused HEAD (405) falls back to GET; the media type comes from the body when the header is generic', async () => {
    handler = (req, res) => {
      if (req.method === 'HEAD') return void res.writeHead(405).end();
      res.writeHead(200, { 'content-type': 'application/json', 'docker-content-digest': digest });
      res.end(manifest);
    };
    expect(await registry().resolve(`${host}/acme/api`, '1.0')).toEqual({ digest, mediaType: MEDIA_TYPES.ociIndex });
  });

  test('docker.io repositories go to registry-1.docker.io, and its token realm gets the repository pull scope', async () => {
    const urls: string[] = [];
    handler = (req, res) => {
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (url.pathname === '/token') return json(res, 200, { access_token: 'anon-token', expires_in: 300 });
      if (req.headers.authorization !== 'Bearer anon-token') {
        res.writeHead(401, {
          'www-authenticate':
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
        });
        return void res.end();
      }
      json(res, 200, { name: 'library/nginx', tags: ['1.27', 'latest'] });
    };
    // The one place a fetch is wrapped: it records the real URLs and sends them to the local server instead.
    const hub = createRegistry({
      fetch: async (input, init) => {
        const url = new URL(String(input));
        urls.push(url.toString());
        return fetch(`http://${host}${url.pathname}${url.search}`, init);
      },
    });
    expect(await hub.listTags('docker.io/library/nginx')).toEqual(['1.27', 'latest']);
    expect(urls).toEqual([
      'https://registry-1.docker.io/v2/library/nginx/tags/list',
      'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnginx%3Apull',
      'https://registry-1.docker.io/v2/library/nginx/tags/list',
    ]);
    expect(seen[1].authorization).toBeUndefined(); // no credentials: an anonymous token request
  });

  test('credentials for docker.io are found under any of its names', async () => {
    handler = (req, res) => {
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="hub"' });
        return void res.end();
      }
      const [user, password] = Buffer.from(req.headers.authorization.split(' ')[1], 'base64').toString().split(':');
      json(res, 200, { name: 'acme/api', tags: [`${user}/${password}`] });
    };
    const forward: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      return fetch(`http://${host}${url.pathname}${url.search}`, init);
    };
    const auth = Buffer.from('hubuser:hubtoken').toString('base64');
    const viaConfig = createRegistry({
      fetch: forward,
      dockerConfig: JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth } } }),
    });
    expect(await viaConfig.listTags('docker.io/acme/api')).toEqual(['hubuser/hubtoken']);
    const viaInput = createRegistry({
      fetch: forward,
      credentials: { 'docker.io': { username: 'u2', password: 'p2' } },
    });
    expect(await viaInput.listTags('docker.io/acme/api')).toEqual(['u2/p2']);
  });
});
