// What every REST handler shares: context, reply and route types, GitHub-shaped errors, pagination.
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorState, RepoState } from './state.js';

export const DOCS = 'https://docs.github.com/rest';

export interface RestContext {
  state: EmulatorState;
  repo: RepoState;
  params: Record<string, string>;
  query: URLSearchParams;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are checked against the OpenAPI schema first
  body: any;
  headers: IncomingHttpHeaders;
  /** The request URL as the client sent it, for Link headers. */
  requestUrl: URL;
}

export interface RestReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON answer (e.g. `Accept: application/vnd.github.raw`); skips the JSON contract check. */
  raw?: { contentType: string; data: Buffer };
}

export type Handler = (ctx: RestContext) => Promise<RestReply>;

export interface RouteSpec {
  operationId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** GitHub's path template, as in the OpenAPI description. */
  template: string;
  /** Query parameters the handler honours; any other one the client sends is reported as not implemented. */
  query?: string[];
  handler: Handler;
}

export interface Route extends RouteSpec {
  pattern: RegExp;
  names: string[];
}

/** An error answer in GitHub's body shape; handlers throw it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message));
  }
}

export function notFound(message = 'Not Found'): HttpError {
  return new HttpError(404, { message, documentation_url: DOCS, status: '404' });
}

export function unprocessable(message: string): HttpError {
  return new HttpError(422, { message, documentation_url: DOCS, status: '422' });
}

export function validationFailed(
  errors: { resource: string; code: string; field?: string; message?: string; value?: unknown }[],
): HttpError {
  return new HttpError(422, { message: 'Validation Failed', errors, documentation_url: DOCS, status: '422' });
}

export function conflict(message: string): HttpError {
  return new HttpError(409, { message, documentation_url: DOCS, status: '409' });
}

/** Thrown for requests GitHub would serve but the emulator does not; recorded as a violation so the test fails. */
export class NotImplementedError extends Error {}

/** Slices a list as `?per_page=&page=` asks (GitHub: 30 by default, 100 at most) and builds the Link header. */
export function paginate<T>(
  ctx: RestContext,
  items: T[],
  defaultPerPage = 30,
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(ctx.query.get('per_page') ?? defaultPerPage) || defaultPerPage, 1), 100);
  const page = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number, rel: string) => {
    const url = new URL(ctx.requestUrl);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(n));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}
