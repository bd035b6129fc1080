// Registry requests through the proxy that HTTPS_PROXY/HTTP_PROXY name, as on self-hosted runners: a small forward
// proxy written here (absolute-URI requests and CONNECT tunnels) on 127.0.0.1 in front of real registries.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { bypassesProxy, proxyFor } from '../../src/adapters/registry-dispatcher.js';
import { createRegistry, RegistryError } from '../../src/adapters/registry.js';
import { pushImage } from '../support/registry-push.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';

interface Proxy {
  host: string;
  /** `GET http://host/path` for forwarded requests, `CONNECT host:port` for tunnels. */
  log: string[];
  close(): Promise<void>;
}

/** A forward proxy; with `credentials` (`user:password`) it answers 407 to requests without them. */
async function startProxy(credentials?: string): Promise<Proxy> {
  const log: string[] = [];
  const sockets = new Set<Socket>();
  const authorized = (req: IncomingMessage): boolean =>
    !credentials || req.headers['proxy-authorization'] === `Basic ${Buffer.from(credentials).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    if (!authorized(req)) return void res.writeHead(407, { 'proxy-authenticate': 'Basic realm="proxy"' }).end();
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    log.push(`CONNECT ${req.url}`);
    if (!authorized(req)) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe('which requests go through a proxy', () => {
  const url = (text: string): URL => new URL(text);

  test('HTTPS_PROXY for https, HTTP_PROXY for http, lower case first; a bare host:port is http', () => {
    const env = { HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128', HTTP_PROXY: 'proxy:8080' };
    expect(proxyFor(url('https://ghcr.io/v2/'), env)).toEqual({ uri: 'http://lower:3128', variable: 'https_proxy' });
    expect(proxyFor(url('http://127.0.0.1:5000/v2/'), env)).toEqual({
      uri: 'http://proxy:8080',
      variable: 'HTTP_PROXY',
    });
    expect(proxyFor(url('http://127.0.0.1:5000/v2/'), { HTTPS_PROXY: 'http://p:1' })).toBeUndefined();
    expect(proxyFor(url('https://ghcr.io/v2/'), {})).toBeUndefined();
  });

  test.each([
    ['ghcr.io', 'https://ghcr.io/v2/', true],
    ['ghcr.io', 'https://pkg.ghcr.io/v2/', true],
    ['.example.com', 'https://registry.example.com/v2/', true],
    ['*.example.com', 'https://registry.example.com/v2/', true],
    ['example.com', 'https://notexample.com/v2/', false],
    ['registry.local:5000', 'http://registry.local:5000/v2/', true],
    ['registry.local:5000', 'http://registry.local:5001/v2/', false],
    ['127.0.0.1', 'http://127.0.0.1:5000/v2/', true],
    ['[::1]:443', 'https://[::1]/v2/', true],
    ['::1', 'https://[::1]:8443/v2/', true],
    ['*', 'https://anything.example/v2/', true],
    ['a.example, GHCR.IO b.example', 'https://ghcr.io/v2/', true],
    ['', 'https://ghcr.io/v2/', false],
  ])('NO_PROXY=%j for %s: bypass %s', (noProxy, target, bypass) => {
    expect(bypassesProxy(url(target), noProxy)).toBe(bypass);
    expect(
      proxyFor(url(target), { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:1', NO_PROXY: noProxy }) === undefined,
    ).toBe(bypass);
  });
});

describe('a plain-http registry through HTTP_PROXY', () => {
  let server: RegistryServer;
  let proxy: Proxy;
  beforeAll(async () => {
    server = await startRegistry();
    await pushImage({ url: server.url, repository: 'acme/api' }, { tags: ['1.0', '1.1'] });
    proxy = await startProxy();
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });
  beforeEach(() => {
    proxy.log.length = 0;
  });

  test('requests are forwarded by the proxy (absolute URI, no tunnel)', async () => {
    const registry = createRegistry({ plainHttp: [server.host], env: { HTTP_PROXY: `http://${proxy.host}` } });
    expect((await registry.listTags(`${server.host}/acme/api`)).sort()).toEqual(['1.0', '1.1']);
    expect(await registry.resolve(`${server.host}/acme/api`, '1.0')).toMatchObject({ digest: expect.any(String) });
    expect(proxy.log).toEqual([
      `GET http://${server.host}/v2/acme/api/tags/list`,
      `HEAD http://${server.host}/v2/acme/api/manifests/1.0`,
    ]);
  });

  test('NO_PROXY sends them straight', async () => {
    const registry = createRegistry({
      plainHttp: [server.host],
      env: { HTTP_PROXY: `http://${proxy.host}`, NO_PROXY: 'localhost,127.0.0.1' },
    });
    expect((await registry.listTags(`${server.host}/acme/api`)).sort()).toEqual(['1.0', '1.1']);
    expect(proxy.log).toEqual([]);
  });

  test('a proxy that cannot be reached is named, with the variable that named it', async () => {
    const closed = await startProxy();
    await closed.close();
    const registry = createRegistry({ plainHttp: [server.host], env: { http_proxy: `http://${closed.host}` } });
    const error = await rejection(registry.listTags(`${server.host}/acme/api`));
    expect(error.message).toBe(
      `registry ${server.host}: the proxy ${closed.host} (from http_proxy) cannot be reached (ECONNREFUSED): ` +
        `check http_proxy, or list ${server.host} in NO_PROXY`,
    );
  });
});

describe('a TLS registry with token auth through HTTPS_PROXY', () => {
  const USER = 'ci';
  const PASSWORD = 'registry-pass';
  let server: RegistryServer;
  let open: Proxy;
  let guarded: Proxy;
  beforeAll(async () => {
    server = await startRegistry({ tls: true, auth: 'htpasswd', users: { [USER]: PASSWORD } });
    await pushImage(
      { url: server.url, repository: 'acme/web', username: USER, password: PASSWORD, dispatcher: server.dispatcher },
      { tags: ['3.0'] },
    );
    open = await startProxy();
    guarded = await startProxy('proxy-user:proxy-pa55');
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    await server?.stop();
  });

  test('a CONNECT tunnel carries TLS to the registry, trusting the given CA end to end', async () => {
    const registry = createRegistry({
      caCertificates: server.caPem,
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
      env: { HTTPS_PROXY: `http://${open.host}` },
    });
    expect(await registry.listTags(`${server.host}/acme/web`)).toEqual(['3.0']);
    expect(open.log.length).toBeGreaterThan(0);
    expect(new Set(open.log)).toEqual(new Set([`CONNECT ${server.host}`]));
  });

  test("the proxy's own credentials come from the URL in HTTPS_PROXY", async () => {
    const registry = createRegistry({
      caCertificates: server.caPem,
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
      env: { HTTPS_PROXY: `http://proxy-user:proxy-pa55@${guarded.host}` },
    });
    expect(await registry.listTags(`${server.host}/acme/web`)).toEqual(['3.0']);
  });

  test('a 407 from the proxy says where its credentials go, and shows none', async () => {
    const registry = createRegistry({
      caCertificates: server.caPem,
      credentials: { [server.host]: { username: USER, password: PASSWORD } },
      env: { https_proxy: `http://proxy-user:wrong-pa55@${guarded.host}` },
    });
    const error = await rejection(registry.listTags(`${server.host}/acme/web`));
    expect(error.message).toBe(
      `registry ${server.host}: the proxy ${guarded.host} (from https_proxy) asks for credentials (407): ` +
        'give them in https_proxy as http://user:password@host:port',
    );
    const text = `${error.message} ${String(error.stack)} ${JSON.stringify(error)}`;
    expect(text).not.toContain('wrong-pa55');
    expect(text).not.toContain(PASSWORD);
  });
});
