// Checks requests and responses against GitHub's own OpenAPI description (the extracted subset). The validator runs in
// a worker thread (see contract-worker.mjs for why); one worker per test file, ended once no emulator uses it.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface ContractRequest {
  method: string;
  /** The path with each parameter percent-encoded into one segment. */
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface ContractCheck {
  /** Problems with a request to operationId (empty when it conforms). */
  request(operationId: string, request: ContractRequest): Promise<string[]>;
  /** Problems with a JSON response body for that status (an undeclared error status must still be in GitHub's error shape). */
  response(operationId: string, status: number, body: unknown): Promise<string[]>;
  release(): void;
}

const SUBSET = fileURLToPath(new URL('./openapi-subset.json', import.meta.url));
const WORKER = new URL('./contract-worker.mjs', import.meta.url);
// Captured at load: a test's fake timers must not keep the worker alive or end it early.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

let shared: { worker: Worker; ready: Promise<void>; users: number; idle?: ReturnType<typeof setTimeout> } | undefined;
const pending = new Map<number, { resolve: (problems: string[]) => void; reject: (error: Error) => void }>();
let nextId = 0;

function startWorker(): NonNullable<typeof shared> {
  const worker = new Worker(WORKER, { workerData: { subset: SUBSET } });
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { ready?: boolean; id?: number; problems?: string[] }) => {
      if (message.ready) return resolve();
      const waiter = pending.get(message.id!);
      pending.delete(message.id!);
      waiter?.resolve(message.problems ?? []);
    });
    const fail = (error: Error) => {
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
      if (shared?.worker === worker) shared = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the contract worker exited (${code})`)));
  });
  // After the listeners: adding a 'message' listener refs the port again, and an idle worker must not keep Jest alive.
  worker.unref();
  return { worker, ready, users: 0 };
}

function ask(message: Record<string, unknown>): Promise<string[]> {
  const current = shared;
  if (!current) return Promise.reject(new Error('the contract worker is not running'));
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    current.worker.postMessage({ ...message, id });
  });
}

/** One checker per emulator; call release() when the emulator stops. */
export async function loadContract(): Promise<ContractCheck> {
  shared ??= startWorker();
  const current = shared;
  current.users += 1;
  if (current.idle) realClearTimeout(current.idle);
  current.idle = undefined;
  // Held while it starts: outside Jest (a script) nothing else may keep the process alive yet.
  current.worker.ref();
  try {
    await current.ready;
  } finally {
    current.worker.unref();
  }
  let released = false;
  return {
    request: (operationId, request) => ask({ kind: 'request', operationId, request }),
    response: (operationId, status, body) => ask({ kind: 'response', operationId, status, body }),
    release() {
      if (released) return;
      released = true;
      current.users -= 1;
      // Kept briefly for the next test's emulator: its compiled validators are the slow part.
      if (current.users === 0) {
        current.idle = realSetTimeout(() => {
          if (shared === current) shared = undefined;
          void current.worker.terminate();
        }, 2000);
        current.idle.unref?.();
      }
    },
  };
}
