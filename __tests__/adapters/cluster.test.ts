// The cluster adapter against a real kube-apiserver: reads, and every way a read fails, each as one line with no
// credential in it. The control plane is started once for this file.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { dirname, join } from 'node:path';
import net from 'node:net';
import {
  ClusterError,
  createClusterReader,
  loadKubeConfig,
  clusterSecrets,
  loadKubeClient,
} from '../../src/adapters/cluster.js';
import type { Cluster } from '../../src/core/config/index.js';
import {
  type ControlPlane,
  createNamespace,
  createWorkload,
  loadCrds,
  startControlPlane,
  workload,
} from '../support/kube-cluster.js';

let cp: ControlPlane;
beforeAll(async () => {
  await loadKubeClient();
  cp = await startControlPlane();
  await createNamespace(cp.api, 'shop');
  await loadCrds(cp.api, ['Kustomization']);
}, 120_000);
afterAll(async () => cp?.stop(), 60_000);

const tokenCluster = (server: string, timeout = 15): Cluster => ({
  name: 'staging',
  access: { kind: 'token', server, tokenEnv: 'STAGING_TOKEN', caEnv: 'STAGING_CA' },
  requestTimeoutSeconds: timeout,
});
const envWith = (token: string) => ({ STAGING_TOKEN: token, STAGING_CA: cp.ca });

async function failure(promise: Promise<unknown>): Promise<ClusterError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ClusterError);
    return error as ClusterError;
  }
  throw new Error('expected a ClusterError');
}

describe('cluster adapter (real kube-apiserver)', () => {
  test('reads through each way of reaching a cluster: kubeconfig file + context, kubeconfig in an env var, server + token + CA', async () => {
    await createWorkload(cp.api, 'shop', workload('Deployment', 'api', 'ghcr.io/acme/api:1.6.0'));
    const fromFile = createClusterReader({
      name: 'a',
      access: { kind: 'kubeconfig', file: cp.kubeconfig, context: 'kube-ci' },
      requestTimeoutSeconds: 15,
    });
    const fromEnv = createClusterReader(
      { name: 'b', access: { kind: 'kubeconfig-env', env: 'KC' }, requestTimeoutSeconds: 15 },
      { KC: (await import('node:fs')).readFileSync(cp.kubeconfig, 'utf8') },
    );
    const fromToken = createClusterReader(tokenCluster(cp.server), envWith('admin-token'));
    for (const reader of [fromFile, fromEnv, fromToken]) {
      expect(await reader.version()).toBe('v1.20.2');
      const list = await reader.list('Deployment', 'shop');
      expect(list.items.map((d) => [d.kind, d.metadata?.name])).toEqual([['Deployment', 'api']]);
      expect(list.resourceVersion).toMatch(/^\d+$/);
      expect((await reader.get('Deployment', 'shop', 'api')).metadata?.name).toBe('api');
      expect(reader.requests()).toBe(3);
    }
    expect((await fromToken.list('Deployment', 'shop', 'app=other')).items).toEqual([]);
  });

  test('a kubeconfig context that does not exist, and missing env vars, are named (only when the cluster is used)', async () => {
    const context = () =>
      loadKubeConfig(
        { name: 'a', access: { kind: 'kubeconfig', file: cp.kubeconfig, context: 'prod' }, requestTimeoutSeconds: 15 },
        {},
      );
    expect(context).toThrow('the kubeconfig has no context "prod" (it has kube-ci)');
    expect(() => createClusterReader(tokenCluster(cp.server), {})).toThrow(
      "STAGING_TOKEN is not set (the bearer token of cluster staging); set it in the job's env: from a secret",
    );
    expect(() =>
      createClusterReader(
        { name: 'p', access: { kind: 'kubeconfig-env', env: 'PROD_KC' }, requestTimeoutSeconds: 15 },
        {},
      ),
    ).toThrow('PROD_KC is not set (the kubeconfig of cluster p)');
  });

  test('401, 403 (naming verb and resource), not found, and a CRD the cluster does not serve', async () => {
    const bad = await failure(
      createClusterReader(tokenCluster(cp.server), envWith('wrong-token')).list('Deployment', 'shop'),
    );
    expect([bad.reason, bad.state, bad.message]).toEqual([
      'Unauthorized',
      'unreachable',
      'token rejected (401 Unauthorized: expired or wrong credentials?)',
    ]);
    const nobody = await failure(
      createClusterReader(tokenCluster(cp.server), envWith('ci-nobody-token')).list('Deployment', 'shop'),
    );
    expect(nobody.reason).toBe('Forbidden');
    expect(nobody.state).toBe('unknown');
    expect(nobody.message).toBe(
      'deployments.apps is forbidden: User "ci-nobody" cannot list resource "deployments" in API group "apps" in the namespace "shop" (Stagecoach needs get, list and watch: see the README\'s read-only ClusterRole)',
    );
    const admin = createClusterReader(tokenCluster(cp.server), envWith('admin-token'));
    const missing = await failure(admin.get('Deployment', 'shop', 'nope'));
    expect([missing.reason, missing.message]).toEqual(['NotFound', 'Deployment shop/nope not found']);
    const crd = await failure(admin.list('Application', 'argocd'));
    expect([crd.reason, crd.message]).toEqual([
      'NotServed',
      'the cluster does not serve argoproj.io/v1alpha1 Application: is Argo CD installed?',
    ]);
    expect((await admin.list('Kustomization', 'flux-system')).items).toEqual([]);
    for (const e of [bad, nobody, missing, crd])
      expect(e.message).not.toMatch(/admin-token|wrong-token|ci-nobody-token/);
  });

  test('a closed port, a server that never answers (the request timeout fires), an untrusted certificate', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await failure(
      createClusterReader(tokenCluster(`https://127.0.0.1:${closedPort}`), envWith('admin-token')).version(),
    );
    expect([refused.reason, refused.state]).toEqual(['Unreachable', 'unreachable']);
    expect(refused.message).toBe(
      `cannot reach 127.0.0.1:${closedPort} (ECONNREFUSED): is the runner able to reach the API server? (private clusters need a self-hosted runner)`,
    );

    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    const hung = await failure(
      createClusterReader(
        { ...tokenCluster(`https://127.0.0.1:${port}`), requestTimeoutSeconds: 1 },
        envWith('admin-token'),
      ).list('Pod', 'shop'),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect([hung.reason, hung.message]).toEqual([
      'Timeout',
      `127.0.0.1:${port} did not answer within 1s (clusters.staging.requestTimeout)`,
    ]);
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => silent.close(r));

    const untrusted = await failure(
      createClusterReader(
        { name: 'x', access: { kind: 'token', server: cp.server, tokenEnv: 'T' }, requestTimeoutSeconds: 5 },
        { T: 'admin-token' },
      ).version(),
    );
    expect(untrusted.reason).toBe('CertificateUntrusted');
    expect(untrusted.message).toMatch(
      /certificate not trusted \(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE\); set caEnv/,
    );
  });

  test('5xx and 429 are retried with back-off inside the deadline; a lasting 503 ends as a ServerError', async () => {
    const answers = [503, 429, 200];
    let calls = 0;
    // A TLS server with the control plane's own certificate, answering as an overloaded API server would.
    const run = dirname(cp.kubeconfig);
    const tls = { key: readFileSync(join(run, 'apiserver.key')), cert: readFileSync(join(run, 'apiserver.crt')) };
    const server = https.createServer(tls, (req, res) => {
      const code = answers[Math.min(calls++, answers.length - 1)];
      res.writeHead(code, { 'Content-Type': 'application/json', ...(code === 429 ? { 'Retry-After': '0' } : {}) });
      res.end(code === 200 ? '{"gitVersion":"v1.20.2"}' : '{"kind":"Status","message":"etcdserver: leader changed"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const reader = createClusterReader(tokenCluster(`https://127.0.0.1:${port}`), {
      STAGING_TOKEN: 't0ken-value',
      STAGING_CA: cp.ca,
    });
    expect(await reader.version()).toBe('v1.20.2');
    expect(reader.requests()).toBe(3);
    answers.splice(0, 3, 503);
    calls = 0;
    const lasting = await failure(
      createClusterReader(tokenCluster(`https://127.0.0.1:${port}`, 2), {
        STAGING_TOKEN: 't0ken-value',
        STAGING_CA: cp.ca,
      }).version(),
    );
    expect([lasting.reason, lasting.message]).toEqual([
      'ServerError',
      'the API server failed (503): etcdserver: leader changed',
    ]);
    expect(calls).toBeGreaterThan(1);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('credential values to mask: the token, and the tokens inside a kubeconfig from an env var', async () => {
    const kc = (await import('node:fs')).readFileSync(cp.kubeconfig, 'utf8');
    expect(clusterSecrets(tokenCluster(cp.server), envWith('admin-token'))).toEqual(['admin-token']);
    expect(
      clusterSecrets(
        { name: 'b', access: { kind: 'kubeconfig-env', env: 'KC' }, requestTimeoutSeconds: 15 },
        { KC: kc },
      ),
    ).toEqual([kc, 'admin-token']);
  });

  test('watch resumes from the list, sees changes, and ends when its signal aborts', async () => {
    const reader = createClusterReader(tokenCluster(cp.server), envWith('admin-token'));
    const list = await reader.list('Deployment', 'shop');
    const seen: string[] = [];
    const controller = new AbortController();
    const watching = reader.watch(
      'Deployment',
      'shop',
      list.resourceVersion,
      (e) => {
        seen.push(`${e.type} ${e.object.metadata?.name}`);
        if (e.object.metadata?.name === 'web') controller.abort();
      },
      controller.signal,
    );
    await createWorkload(cp.api, 'shop', workload('Deployment', 'web', 'ghcr.io/acme/web:2.0.0'));
    await watching;
    expect(seen).toContain('ADDED web');
  });
});
