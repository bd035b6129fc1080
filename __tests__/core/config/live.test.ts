// clusters: (how each API server is reached) and stages[].live: (where a stage runs, its agent and scope).
import { parseConfig } from '../../../src/core/config/index.js';
import { problems, twoStages } from './helpers.js';

const withLive = (live: string, clusters = 'clusters:\n  staging: { kubeconfig: { context: kind-staging } }\n') =>
  twoStages().replace('path: envs/dev', `path: envs/dev\n    live:\n${live}`) + clusters;

describe('parseConfig: clusters', () => {
  const clustersOf = (text: string) => parseConfig(twoStages(`clusters:\n${text}`), 'f').clusters;

  test('the three ways to reach a cluster, and the request timeout', () => {
    expect(
      clustersOf(
        [
          '  staging: { kubeconfig: { context: kind-staging, file: ~/.kube/staging } }',
          '  laptop: {}',
          '  prod-eu: { kubeconfigEnv: PROD_EU_KUBECONFIG, requestTimeout: 20s }',
          '  prod-us: { server: "https://prod-us.example:6443", tokenEnv: PROD_US_TOKEN, caEnv: PROD_US_CA }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      {
        name: 'staging',
        access: { kind: 'kubeconfig', context: 'kind-staging', file: '~/.kube/staging' },
        requestTimeoutSeconds: 15,
        line: 7,
      },
      { name: 'laptop', access: { kind: 'kubeconfig' }, requestTimeoutSeconds: 15, line: 8 },
      {
        name: 'prod-eu',
        access: { kind: 'kubeconfig-env', env: 'PROD_EU_KUBECONFIG' },
        requestTimeoutSeconds: 20,
        line: 9,
      },
      {
        name: 'prod-us',
        access: {
          kind: 'token',
          server: 'https://prod-us.example:6443',
          tokenEnv: 'PROD_US_TOKEN',
          caEnv: 'PROD_US_CA',
        },
        requestTimeoutSeconds: 15,
        line: 10,
      },
    ]);
  });

  test('every problem at once, with its position; a credential value is never asked for in the file', () => {
    expect(
      problems(
        twoStages(
          [
            'clusters:',
            '  Prod: {}',
            '  a: { kubeconfigEnv: prod-kubeconfig }',
            '  b: { server: prod.example, token: abc }',
            '  c: { kubeconfig: {}, server: "https://x" , tokenEnv: T }',
            '  d: { tokenEnv: T, requestTimeout: 0 }',
            '',
          ].join('\n'),
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:7:3: clusters: cluster name "Prod" must be lower-case letters, digits and "-"',
      'stagecoach.yaml:8:23: clusters.a.kubeconfigEnv: "prod-kubeconfig" is not an environment variable name; use upper-case letters, digits and _ (the value itself never goes in the file)',
      'stagecoach.yaml:9:6: clusters.b: missing "tokenEnv:"; name the env var that holds the bearer token, e.g. PROD_TOKEN',
      'stagecoach.yaml:9:16: clusters.b.server: "prod.example" is not a URL; write it as https://host:port',
      'stagecoach.yaml:9:30: clusters.b.token: unknown key "token"; did you mean "tokenEnv"? (known keys: kubeconfig, kubeconfigEnv, server, tokenEnv, caEnv, requestTimeout)',
      'stagecoach.yaml:10:6: clusters.c: kubeconfig and server exclude each other: reach the cluster one way',
      'stagecoach.yaml:11:8: clusters.d.tokenEnv: tokenEnv goes with server: (the API server URL)',
      'stagecoach.yaml:11:37: clusters.d.requestTimeout: expected a duration above zero, e.g. 15s',
    ]);
  });
});

describe('parseConfig: stages[].live', () => {
  test('one target or a list; scope per agent', () => {
    const text = withLive(
      [
        '      - { cluster: staging, agent: flux, kustomizations: [flux-system/apps-staging] }',
        '      - { cluster: staging, agent: argocd, applications: argocd/shop, namespaces: shop }',
        '      - { cluster: staging, agent: plain, namespaces: [a, b], selector: "app: shop, tier != db" }',
        '',
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      'stagecoach.yaml:7:73: stages[0].live[2].selector: "app: shop, tier != db" is not a label selector such as app=shop,tier!=db',
    ]);
    const fixed = text.replace('app: shop, tier != db', 'app=x, tier != db');
    const [dev] = parseConfig(fixed, 'f').stages;
    expect(dev.live).toEqual([
      {
        cluster: 'staging',
        agent: 'flux',
        kustomizations: ['flux-system/apps-staging'],
        applications: [],
        namespaces: [],
        clusterAt: { line: 5, column: 20 },
      },
      {
        cluster: 'staging',
        agent: 'argocd',
        kustomizations: [],
        applications: ['argocd/shop'],
        namespaces: ['shop'],
        clusterAt: { line: 6, column: 20 },
      },
      {
        cluster: 'staging',
        agent: 'plain',
        kustomizations: [],
        applications: [],
        namespaces: ['a', 'b'],
        selector: 'app=x,tier!=db',
        clusterAt: { line: 7, column: 20 },
      },
    ]);
    const single = parseConfig(withLive('      cluster: staging\n      agent: flux\n'), 'f').stages[0].live;
    expect(single).toHaveLength(1);
    expect(parseConfig(twoStages(), 'f').stages[0].live).toEqual([]);
  });

  test('unknown clusters, mismatched scope keys, plain without namespaces, bad names: all at once', () => {
    expect(
      problems(
        withLive(
          [
            '      - { cluster: stagin, agent: flux, applications: [argocd/x] }',
            '      - { cluster: staging, agent: plain }',
            '      - { cluster: staging, agent: fluxcd, kustomizations: [apps] }',
            '      - { agent: argocd, namespaces: [Shop] }',
            '',
          ].join('\n'),
        ),
      ),
    ).toEqual([
      'stagecoach.yaml:5:20: stages[0].live[0].cluster: no cluster is named "stagin"; did you mean "staging"? (the clusters are staging)',
      "stagecoach.yaml:5:41: stages[0].live[0].applications: applications goes with agent: argocd (this target's agent is flux)",
      'stagecoach.yaml:6:9: stages[0].live[1]: agent: plain needs "namespaces:" (the namespaces the stage\'s workloads run in)',
      'stagecoach.yaml:7:36: stages[0].live[2].agent: expected one of flux, argocd, plain, got "fluxcd"; did you mean "flux"?',
      'stagecoach.yaml:7:61: stages[0].live[2].kustomizations[0]: "apps" is not namespace/name, e.g. flux-system/apps-staging',
      'stagecoach.yaml:8:9: stages[0].live[3]: missing "cluster:"; name one of the clusters: entries',
      'stagecoach.yaml:8:39: stages[0].live[3].namespaces[0]: "Shop" is not a namespace name (lower-case letters, digits and "-")',
    ]);
    expect(problems(withLive('      - { cluster: staging, agent: flux }\n', ''))).toEqual([
      'stagecoach.yaml:5:20: stages[0].live[0].cluster: no cluster is named "staging"; add it under clusters:',
    ]);
  });
});
