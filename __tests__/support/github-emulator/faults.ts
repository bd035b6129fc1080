// Faults a test injects: each applies to the next N requests matching method + path (or GraphQL operation).

interface FaultMatch {
  /** HTTP method; any when absent. */
  method?: string;
  /** Matched against the request path both as sent and with %2F decoded; a string must equal it. Any path when absent. */
  path?: RegExp | string;
  /** For POST /graphql: the operation name (or root field, see GitHubEmulator.requests). */
  graphqlOperation?: RegExp | string;
  /** How many matching requests it applies to (default 1). */
  times?: number;
}

export type Fault = FaultMatch &
  (
    | { kind: 'status'; status: number; message?: string }
    /** 403 "You have exceeded a secondary rate limit" with `retry-after` (seconds, default 1). */
    | { kind: 'secondary-rate-limit'; retryAfter?: number }
    /** 403 (or 429) with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this many seconds ahead (default 0). GraphQL: 200 + RATE_LIMITED. */
    | { kind: 'primary-rate-limit'; resetInSeconds?: number; status?: 403 | 429 }
    /** Before the request is served, commit `files` (default: one marker file) on top of `branch` of `repo` and move the branch. */
    | { kind: 'move-base'; repo: string; branch: string; files?: Record<string, string | null>; message?: string }
  );

interface Armed {
  fault: Fault;
  remaining: number;
}

function matches(pattern: RegExp | string | undefined, values: (string | undefined)[]): boolean {
  if (pattern === undefined) return true;
  return values.some((value) => value !== undefined && (typeof pattern === 'string' ? value === pattern : new RegExp(pattern.source, pattern.flags.replace('g', '')).test(value)));
}

export class FaultQueue {
  private armed: Armed[] = [];

  add(fault: Fault): void {
    this.armed.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  /** Consumes and returns the faults this request triggers: every matching move-base, then at most one failure. */
  take(request: { method: string; rawPath: string; path: string; graphqlOperation?: string }): { moves: Fault[]; failure?: Fault } {
    const moves: Fault[] = [];
    let failure: Fault | undefined;
    for (const entry of this.armed) {
      const { fault } = entry;
      if (entry.remaining <= 0) continue;
      if (fault.method && fault.method.toUpperCase() !== request.method) continue;
      if (!matches(fault.path, [request.rawPath, request.path])) continue;
      if (fault.graphqlOperation !== undefined && !matches(fault.graphqlOperation, [request.graphqlOperation])) continue;
      if (fault.kind === 'move-base') moves.push(fault);
      else if (failure) continue;
      else failure = fault;
      entry.remaining -= 1;
    }
    this.armed = this.armed.filter((entry) => entry.remaining > 0);
    return { moves, failure };
  }
}
