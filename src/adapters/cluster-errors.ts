// Why a cluster could not be read, classified once so that every use (status cell, health gate, wait) says the same
// one line. Fail closed: each of these ends a gate or a wait as failed; none is skipped.
import { StagecoachError } from '../core/errors.js';

export type ClusterErrorReason =
  | 'MissingCredentials'
  | 'Unreachable'
  | 'Timeout'
  | 'CertificateUntrusted'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotServed'
  | 'NotFound'
  | 'Gone'
  | 'TooManyRequests'
  | 'ServerError'
  | 'BadResponse';

/** The reasons under which nothing was read at all: the cell says `unreachable` (else `unknown`). */
const UNREACHABLE: ClusterErrorReason[] = [
  'MissingCredentials',
  'Unreachable',
  'Timeout',
  'CertificateUntrusted',
  'Unauthorized',
];

export class ClusterError extends StagecoachError {
  readonly kind = 'failure';
  readonly state: 'unreachable' | 'unknown';
  constructor(
    readonly cluster: string,
    readonly reason: ClusterErrorReason,
    message: string,
    readonly retryable = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.state = UNREACHABLE.includes(reason) ? 'unreachable' : 'unknown';
  }
}

const TLS = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
]);

/** A request that got no usable HTTP answer. */
export function classifyTransport(
  cluster: string,
  host: string,
  error: Error & { code?: string },
  timeoutMs: number,
  redact: (text: string) => string,
): ClusterError {
  if (error instanceof ClusterError) return error;
  if (error.name === 'AbortError' || error.name === 'TimeoutError' || error.code === 'ABORT_ERR')
    return new ClusterError(
      cluster,
      'Timeout',
      `${host} did not answer within ${timeoutMs / 1000}s (clusters.${cluster}.requestTimeout)`,
    );
  if (error.code && TLS.has(error.code))
    return new ClusterError(
      cluster,
      'CertificateUntrusted',
      `${host}: certificate not trusted (${error.code}); set caEnv or the kubeconfig's certificate-authority-data`,
    );
  if (error.code && NETWORK.has(error.code))
    return new ClusterError(
      cluster,
      'Unreachable',
      `cannot reach ${host} (${error.code}): is the runner able to reach the API server? (private clusters need a self-hosted runner)`,
      error.code === 'ECONNRESET' || error.code === 'EPIPE',
    );
  return new ClusterError(cluster, 'Unreachable', `cannot read ${host}: ${redact(error.message)}`);
}

/** The API server's own sentence, from its Status body when it sent one. */
function statusMessage(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { kind?: string; message?: string };
    return status.kind === 'Status' && status.message ? status.message : undefined;
  } catch {
    return undefined;
  }
}

/** A non-2xx answer. */
export function classifyStatus(
  cluster: string,
  code: number,
  body: string,
  path: string,
  retryAfter: string | undefined,
): ClusterError {
  const said = statusMessage(body);
  if (code === 401)
    return new ClusterError(
      cluster,
      'Unauthorized',
      'token rejected (401 Unauthorized: expired or wrong credentials?)',
    );
  if (code === 403)
    return new ClusterError(
      cluster,
      'Forbidden',
      `${said ?? `forbidden: ${path}`} (Stagecoach needs get, list and watch: see the README's read-only ClusterRole)`,
    );
  if (code === 404)
    // A kind the server does not serve answers a bare "404 page not found"; a missing object or namespace a Status.
    return said
      ? new ClusterError(cluster, 'NotFound', said)
      : new ClusterError(cluster, 'NotServed', `the cluster does not serve ${path}`);
  if (code === 410) return new ClusterError(cluster, 'Gone', said ?? 'the watch expired (410 Gone)');
  const seconds = retryAfter !== undefined ? Number(retryAfter) : NaN;
  const after = Number.isFinite(seconds) ? seconds * 1000 : undefined;
  if (code === 429)
    return new ClusterError(
      cluster,
      'TooManyRequests',
      `the API server is throttling (429)${said ? `: ${said}` : ''}`,
      true,
      after,
    );
  if (code >= 500)
    return new ClusterError(
      cluster,
      'ServerError',
      `the API server failed (${code})${said ? `: ${said}` : ''}`,
      true,
      after,
    );
  return new ClusterError(cluster, 'BadResponse', `unexpected answer ${code} for ${path}${said ? `: ${said}` : ''}`);
}
