// How registry requests leave the machine: straight, or through the proxy HTTPS_PROXY/HTTP_PROXY names (NO_PROXY
// excepted), trusting an extra CA when one is given. undici is loaded only when one of these is needed (~100 ms).
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';

export interface Route {
  /** What to pass as fetch's `dispatcher`; undefined: Node's default. */
  dispatcher?: Dispatcher;
  /** The fetch that matches the dispatcher's undici (Node's own fetch may bundle another major version). */
  fetch?: typeof fetch;
  /** `host:port` of the proxy and the variable that named it, for messages (never its credentials). */
  proxy?: { host: string; variable: string };
}

/** The proxy URL for a request URL from the environment, as curl reads it: lower case first, NO_PROXY wins. */
export function proxyFor(
  url: URL,
  env: Record<string, string | undefined>,
): { uri: string; variable: string } | undefined {
  const names = url.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  const variable = names.find((name) => env[name]);
  if (!variable) return undefined;
  if (bypassesProxy(url, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined;
  const uri = env[variable] as string;
  // `proxy:3128` without a scheme means http, as curl reads it.
  return { uri: /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : `http://${uri}`, variable };
}

/** NO_PROXY: `*`, or entries `host`, `.domain`/`*.domain` (the domain and below), `[v6]`, each optionally with `:port`. */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [, name, entryPort] = /^\[(.+)\](?::(\d+))?$/.exec(entry) ??
        /^([^:]+)(?::(\d+))?$/.exec(entry) ?? [entry, entry]; // a bare IPv6 address has colons and no port
      if (entryPort && entryPort !== port) return false;
      const domain = name.replace(/^\*?\./, '');
      return host === domain || host.endsWith(`.${domain}`);
    });
}

/** Picks and caches one dispatcher per proxy (and one for direct requests) for a registry client. */
export class RegistryRoutes {
  private readonly cache = new Map<string, Promise<Route>>();

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly caCertificates: string | undefined,
  ) {}

  route(url: string): Promise<Route> {
    const proxy = proxyFor(new URL(url), this.env);
    if (!proxy && this.caCertificates === undefined) return Promise.resolve({});
    const key = proxy?.uri ?? '';
    let route = this.cache.get(key);
    if (!route) {
      route = this.make(proxy);
      this.cache.set(key, route);
    }
    return route;
  }

  private async make(proxy: { uri: string; variable: string } | undefined): Promise<Route> {
    // Eager mode keeps undici inside the one bundle file.
    const undici = await import(/* webpackMode: "eager" */ 'undici');
    // `ca` replaces Node's roots, so the defaults go in too.
    const tls = this.caCertificates === undefined ? undefined : { ca: [...rootCertificates, this.caCertificates] };
    const fetch = undici.fetch as unknown as typeof globalThis.fetch;
    if (!proxy) return { dispatcher: new undici.Agent({ connect: tls }), fetch };
    const parsed = new URL(proxy.uri);
    return {
      // https targets go through a CONNECT tunnel; plain-http registries are forwarded (proxies often refuse CONNECT to
      // ports other than 443).
      dispatcher: new undici.ProxyAgent({ uri: proxy.uri, requestTls: tls, proxyTunnel: false }),
      fetch,
      proxy: { host: parsed.host, variable: proxy.variable },
    };
  }
}

/** What to tell the user when a request failed at the proxy rather than at the registry; undefined otherwise. */
export function proxyFailure(route: Route, host: string, code: string, error: unknown): string | undefined {
  if (!route.proxy) return undefined;
  const proxy = `the proxy ${route.proxy.host} (from ${route.proxy.variable})`;
  // undici: `Proxy response (407) !== 200 when HTTP Tunneling` (CONNECT), `Proxy Authentication Required (407)`.
  // Not `instanceof Error`: undici's errors come from another realm under jest, and DOMException sits in the chain.
  let messages = '';
  for (
    let cause = error as { message?: unknown; cause?: unknown } | undefined, depth = 0;
    cause && depth < 5;
    depth++
  ) {
    messages += ` ${String(cause.message)}`;
    cause = typeof cause.cause === 'object' ? (cause.cause as typeof cause) : undefined;
  }
  const status = /Proxy (?:response|Authentication Required) \((\d+)\)/.exec(messages)?.[1];
  if (status === '407')
    return `${proxy} asks for credentials (407): give them in ${route.proxy.variable} as http://user:password@host:port`;
  if (status) return `${proxy} refused the request to ${host} (${status}); to go around it, list ${host} in NO_PROXY`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `${proxy} cannot be reached (${code}): check ${route.proxy.variable}, or list ${host} in NO_PROXY`;
  return undefined;
}
