// Faults a test injects: each applies to the next N requests matching method + path (or GraphQL operation).

export interface FaultMatch {
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
  /** `after`: the request is carried out, then answered with the failure (a response lost on the way back). */
  (
    | { kind: 'status'; status: number; message?: string; after?: boolean }
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
  return values.some(
    (value) =>
      value !== undefined &&
      (typeof pattern === 'string'
        ? value === pattern
        : new RegExp(pattern.source, pattern.flags.replace('g', '')).test(value)),
  );
}

/** A request held in flight (as if the network delayed it) until the test releases it; other requests go on. */
export interface Hold {
  /** Resolves when the held request has arrived. */
  arrived: Promise<void>;
  /** Lets the held request reach the emulator. */
  release(): void;
}

interface ArmedHold {
  match: FaultMatch;
  arrive: () => void;
  released: Promise<void>;
}

function applies(
  match: FaultMatch,
  request: { method: string; rawPath: string; path: string; graphqlOperation?: string },
): boolean {
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (!matches(match.path, [request.rawPath, request.path])) return false;
  return match.graphqlOperation === undefined || matches(match.graphqlOperation, [request.graphqlOperation]);
}

export class FaultQueue {
  private armed: Armed[] = [];
  private holds: ArmedHold[] = [];

  /** Holds the next request matching `match` (one request). */
  hold(match: Omit<FaultMatch, 'times'>): Hold {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ match, arrive, released });
    return { arrived, release };
  }

  /** When this request is to be held: the promise it must wait for (the hold is consumed). */
  takeHold(request: {
    method: string;
    rawPath: string;
    path: string;
    graphqlOperation?: string;
  }): Promise<void> | undefined {
    const index = this.holds.findIndex(({ match }) => applies(match, request));
    if (index === -1) return undefined;
    const [held] = this.holds.splice(index, 1);
    held.arrive();
    return held.released;
  }

  add(fault: Fault): void {
    this.armed.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
    this.holds = [];
  }

  /** Consumes and returns the faults this request triggers: every matching move-base, then at most one failure. */
  take(request: { method: string; rawPath: string; path: string; graphqlOperation?: string }): {
    moves: Fault[];
    failure?: Fault;
  } {
    const moves: Fault[] = [];
    let failure: Fault | undefined;
    for (const entry of this.armed) {
      const { fault } = entry;
      if (entry.remaining <= 0 || !applies(fault, request)) continue;
      if (fault.kind === 'move-base') moves.push(fault);
      else if (failure) continue;
      else failure = fault;
      entry.remaining -= 1;
    }
    this.armed = this.armed.filter((entry) => entry.remaining > 0);
    return { moves, failure };
  }
}
