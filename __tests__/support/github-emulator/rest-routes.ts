// The REST route table: GitHub path templates (as in the OpenAPI description) matched to handlers.
import type { Route, RouteSpec } from './rest-common.js';
import { gitRoutes } from './rest-git.js';
import { pullRoutes } from './rest-pulls.js';

/** Clients may send `/` inside `{ref}`, `{path}`, `{basehead}` and `{name}` raw or as %2F: these match greedily. */
const GREEDY = new Set(['ref', 'path', 'basehead', 'name']);

function compile(spec: RouteSpec): Route {
  const names: string[] = [];
  const source = spec.template.replace(/\/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    if (name === 'path' || (name === 'ref' && spec.operationId === 'git/list-matching-refs')) return '(?:/(.*))?';
    return GREEDY.has(name) ? '/(.+)' : '/([^/]+)';
  });
  return { ...spec, names, pattern: new RegExp(`^${source}/?$`) };
}

export const ROUTES: Route[] = [...gitRoutes, ...pullRoutes].map(compile);

export function matchRoute(
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string> } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? '');
    });
    return { route, params };
  }
  return { allowed };
}

/** The path with every parameter percent-encoded into one segment, which is how the OpenAPI router expects it. */
export function canonicalPath(route: Route, params: Record<string, string>): string {
  return route.template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}
