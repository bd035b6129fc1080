// Worker thread for contract.ts: validates requests/responses with openapi-backend against GitHub's OpenAPI subset.
// It runs in plain Node, outside Jest's module system: openapi-backend (CommonJS) requires
// @apidevtools/json-schema-ref-parser 16, which is ESM-only, and Jest on Node < 24.9 cannot require() ESM.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import addFormats from 'ajv-formats';
import { Ajv } from 'ajv';
import { OpenAPIBackend } from 'openapi-backend';

// GitHub's custom `owner/name` format (used by pulls/create's head_repo).
const REPO_NWO = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

const api = new OpenAPIBackend({
  definition: JSON.parse(readFileSync(workerData.subset, 'utf8')),
  // Compile each operation's validators on first use: compiling all 29 up front takes seconds.
  quick: true,
  // Report every problem in a body, not just the first.
  ajvOpts: { allErrors: true },
  customizeAjv: (ajv) => {
    addFormats(ajv);
    ajv.addFormat('repo.nwo', REPO_NWO);
    return ajv;
  },
});
await api.init();

const declared = new Map(
  api.router.getOperations().map((op) => [op.operationId, new Set(Object.keys(op.responses ?? {}))]),
);
// Statuses GitHub sends without declaring them for every operation (404, 5xx…) must still carry its error shape.
const errorBody = new Ajv({ strict: false }).compile({
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string' }, documentation_url: { type: 'string' }, status: { type: 'string' } },
});

const describe = (errors) =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params ?? {})}`.trim());

function check(message) {
  if (message.kind === 'request') {
    const { method, path, query, headers, body } = message.request;
    const result = api.validator.validateRequest(
      { method: method.toLowerCase(), path: query ? `${path}?${query}` : path, headers, body },
      message.operationId,
    );
    return describe(result.errors);
  }
  const statuses = declared.get(message.operationId) ?? new Set();
  if (!statuses.has(String(message.status))) {
    if (message.status < 400)
      return [
        `status ${message.status} is not declared for ${message.operationId} (declared: ${[...statuses].join(', ')})`,
      ];
    return errorBody(message.body) ? [] : describe(errorBody.errors);
  }
  return describe(api.validator.validateResponse(message.body, message.operationId, message.status).errors);
}

parentPort.on('message', (message) => {
  try {
    parentPort.postMessage({ id: message.id, problems: check(message) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, problems: [`contract check failed: ${error?.stack ?? error}`] });
  }
});
parentPort.postMessage({ ready: true });
