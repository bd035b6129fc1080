// A real CNCF distribution registry (Debian's `docker-registry`) on 127.0.0.1, in a temp dir, for adapter tests.
// Variants: anonymous, htpasswd basic auth, bearer tokens from a small ES256 token server, TLS with a self-signed CA.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent } from 'undici';

const run = promisify(execFile);

export const REGISTRY_BINARY = process.env.DOCKER_REGISTRY_BIN ?? 'docker-registry';

export interface TokenGrant {
  /** Repository path (`acme/api`) or `*`. */
  repository: string;
  actions: Array<'pull' | 'push'>;
}

export interface TokenServerLog {
  /** Set > 0 to make the next tokens already expired (past distribution's 60 s leeway), as a revoked token would be. */
  staleNext: number;
  /** Scopes asked for, one entry per token request (`repository:acme/api:pull`). */
  scopes: string[];
  /** The account that authenticated, or `anonymous`, one entry per token request. */
  accounts: string[];
}

export interface RegistryServerOptions {
  auth?: 'none' | 'htpasswd' | 'token';
  /** Users for htpasswd or the token server. */
  users?: Record<string, string>;
  /** Token server: what each user (or `anonymous`) may do; default: every user may pull and push everything. */
  grants?: Record<string, TokenGrant[]>;
  tls?: boolean;
  /** Token server: the `expires_in` it reports (seconds, default 300; the JWT itself lives 300 s). */
  tokenExpiresIn?: number;
  /** Token server: identity tokens (OAuth2 refresh tokens, POST /token) and the user each stands for. */
  identityTokens?: Record<string, string>;
}

export interface RegistryServer {
  /** `127.0.0.1:PORT`, as a registry host in a repository name. */
  host: string;
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** PEM of the CA that signed the TLS certificate (TLS variant). */
  caPem?: string;
  /** An undici dispatcher trusting caPem, for raw fetches in tests (TLS variant). */
  dispatcher?: Agent;
  /** Token server (token variant). */
  tokenHost?: string;
  tokenLog?: TokenServerLog;
  /** What the registry wrote to stderr, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Fails (never skips) when the binary is absent: CI installs it, so absence is a setup error. */
export async function requireRegistryBinary(): Promise<void> {
  try {
    await run(REGISTRY_BINARY, ['--version']);
  } catch {
    throw new Error(
      `"${REGISTRY_BINARY}" was not found: install Debian's docker-registry ` +
        '(apt-get install -y --no-install-recommends docker-registry apache2-utils openssl) to run the registry tests',
    );
  }
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    throw new Error(`openssl ${args[0]} failed (install Debian's openssl): ${(error as Error).message}`);
  }
}

async function htpasswdLine(user: string, password: string): Promise<string> {
  try {
    // -B: distribution accepts bcrypt entries only.
    const { stdout } = await run('htpasswd', ['-Bbn', user, password]);
    return stdout.trim();
  } catch (error) {
    throw new Error(`htpasswd failed (install Debian's apache2-utils): ${(error as Error).message}`);
  }
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
async function makeTlsFiles(dir: string): Promise<{ cert: string; key: string; caPem: string }> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Stagecoach Test CA',
    ],
    dir,
  );
  await openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    ],
    dir,
  );
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  return {
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
    caPem: await readFile(join(dir, 'ca.pem'), 'utf8'),
  };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

interface TokenServer {
  host: string;
  log: TokenServerLog;
  certFile: string;
  close(): Promise<void>;
}

/**
 * The Docker token protocol (https://distribution.github.io/distribution/spec/auth/token/): GET /token?service&scope,
 * optional Basic auth, answers an ES256 JWT whose `x5c` header carries the signing certificate (the registry's
 * rootcertbundle) and whose `access` claim lists what was granted.
 */
async function startTokenServer(
  dir: string,
  service: string,
  issuer: string,
  users: Record<string, string>,
  grants: Record<string, TokenGrant[]> | undefined,
  expiresIn = 300,
  identityTokens: Record<string, string> = {},
): Promise<TokenServer> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'token.key',
      '-out',
      'token.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Stagecoach Token Signer',
    ],
    dir,
  );
  const key: KeyObject = createPrivateKey(await readFile(join(dir, 'token.key')));
  const certDer = new X509Certificate(await readFile(join(dir, 'token.pem'))).raw;
  const log: TokenServerLog = { staleNext: 0, scopes: [], accounts: [] };

  const allowed = (account: string, repository: string, action: string): boolean => {
    if (!grants) return account !== 'anonymous';
    return (grants[account] ?? []).some(
      (grant) =>
        (grant.repository === '*' || grant.repository === repository) && grant.actions.includes(action as 'pull'),
    );
  };

  const handle = (req: IncomingMessage, res: ServerResponse, form?: URLSearchParams): void => {
    const url = new URL(req.url ?? '/', 'http://token');
    if (url.pathname !== '/token') return void res.writeHead(404).end();
    let account = 'anonymous';
    const header = req.headers.authorization;
    if (form) {
      // The OAuth2 flow of the token spec: grant_type=refresh_token with an identity token, parameters in the body.
      const user = identityTokens[form.get('refresh_token') ?? ''];
      if (form.get('grant_type') !== 'refresh_token' || user === undefined) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ details: 'invalid refresh token' }));
      }
      account = user;
      for (const [key, value] of form) if (key === 'scope' || key === 'service') url.searchParams.append(key, value);
    } else if (header) {
      const [scheme, value] = header.split(' ');
      const [user, ...rest] = Buffer.from(value ?? '', 'base64')
        .toString('utf8')
        .split(':');
      if (scheme !== 'Basic' || users[user] === undefined || users[user] !== rest.join(':')) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ details: 'incorrect username or password' }));
      }
      account = user;
    }
    const scopes = url.searchParams.getAll('scope');
    log.scopes.push(...(scopes.length ? scopes : ['']));
    log.accounts.push(account);
    if (url.searchParams.get('service') !== service) {
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ details: 'unknown service' }));
    }
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      if (type !== 'repository' || !name || !actions) return [];
      const granted = actions.split(',').filter((action) => allowed(account, name, action));
      return granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const lifetime = log.staleNext > 0 ? -300 : 300;
    if (log.staleNext > 0) log.staleNext--;
    const head = { alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: account === 'anonymous' ? '' : account,
      aud: service,
      exp: now + lifetime,
      nbf: now - 600,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${base64url(JSON.stringify(head))}.${base64url(JSON.stringify(claims))}`;
    // JWS wants the raw r||s signature (RFC 7518 §3.4), not DER.
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${signingInput}.${base64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: expiresIn,
        issued_at: new Date(now * 1000).toISOString(),
      }),
    );
  };

  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST') return handle(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    log,
    certFile: join(dir, 'token.pem'),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function yamlString(value: string): string {
  return JSON.stringify(value); // JSON strings are valid YAML double-quoted scalars
}

async function waitForRegistry(
  child: ChildProcess,
  url: string,
  dispatcher: Agent | undefined,
  logs: () => string,
): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) return false;
    try {
      const init: RequestInit & { dispatcher?: Agent } = dispatcher ? { dispatcher } : {};
      const response = await fetch(`${url}/v2/`, init);
      await response.arrayBuffer();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`docker-registry did not answer on ${url}:\n${logs()}`);
}

export async function startRegistry(options: RegistryServerOptions = {}): Promise<RegistryServer> {
  await requireRegistryBinary();
  const dir = await mkdtemp(join(tmpdir(), 'stagecoach-registry-'));
  const auth = options.auth ?? 'none';
  const users = options.users ?? {};
  const lines: string[] = [];
  let tokenServer: TokenServer | undefined;
  let tls: { cert: string; key: string; caPem: string } | undefined;
  if (options.tls) tls = await makeTlsFiles(dir);

  let authYaml = '';
  if (auth === 'htpasswd') {
    const entries = await Promise.all(Object.entries(users).map(([user, password]) => htpasswdLine(user, password)));
    await writeFile(join(dir, 'htpasswd'), `${entries.join('\n')}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: stagecoach-test\n    path: ${yamlString(join(dir, 'htpasswd'))}\n`;
  } else if (auth === 'token') {
    const service = 'stagecoach-test-registry';
    const issuer = 'stagecoach-test-issuer';
    tokenServer = await startTokenServer(
      dir,
      service,
      issuer,
      users,
      options.grants,
      options.tokenExpiresIn,
      options.identityTokens,
    );
    authYaml =
      `auth:\n  token:\n    realm: ${yamlString(`http://${tokenServer.host}/token`)}\n    service: ${service}\n` +
      `    issuer: ${issuer}\n    rootcertbundle: ${yamlString(tokenServer.certFile)}\n`;
  }

  const dispatcher = tls ? new Agent({ connect: { ca: tls.caPem } }) : undefined;
  // A port taken between freePort() and the registry's bind is retried with another one.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const url = `${tls ? 'https' : 'http'}://${host}`;
    const config =
      'version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n' +
      `storage:\n  filesystem:\n    rootdirectory: ${yamlString(join(dir, 'data'))}\n  delete:\n    enabled: true\n` +
      `http:\n  addr: ${host}\n  secret: ${randomBytes(16).toString('hex')}\n` +
      (tls ? `  tls:\n    certificate: ${yamlString(tls.cert)}\n    key: ${yamlString(tls.key)}\n` : '') +
      authYaml;
    const configFile = join(dir, `config-${attempt}.yml`);
    await writeFile(configFile, config);
    const child = spawn(REGISTRY_BINARY, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const logs = (): string => lines.join('');
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const ready = await Promise.race([waitForRegistry(child, url, dispatcher, logs), spawnError]);
    if (ready instanceof Error) throw new Error(`could not start ${REGISTRY_BINARY}: ${ready.message}`);
    if (!ready) {
      if (/address already in use/.test(logs())) continue;
      throw new Error(`docker-registry exited with ${child.exitCode}:\n${logs()}`);
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return {
      host,
      url,
      caPem: tls?.caPem,
      dispatcher,
      tokenHost: tokenServer?.host,
      tokenLog: tokenServer?.log,
      logs,
      async stop() {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        await tokenServer?.close();
        await dispatcher?.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error('docker-registry could not bind a free port on 127.0.0.1 after 5 attempts');
}

/** sha256 digest string of some bytes, as the registry names content. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
