#!/usr/bin/env node
// Extracts the operations the test emulator serves (plus every component they $ref) from GitHub's official
// OpenAPI description, so the emulator's contract checks run against GitHub's own schemas.
// Usage: node scripts/extract-github-openapi.js  (rewrites __tests__/support/github-emulator/openapi-subset.json)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const SOURCE = require.resolve('@octokit/openapi/generated/api.github.com.json');
const TARGET = fileURLToPath(new URL('../__tests__/support/github-emulator/openapi-subset.json', import.meta.url));

/** operationId → [method, GitHub path]; keep in step with the emulator's route table (rest-routes.ts). */
export const OPERATIONS = {
  'repos/get': ['get', '/repos/{owner}/{repo}'],
  'git/get-ref': ['get', '/repos/{owner}/{repo}/git/ref/{ref}'],
  'git/list-matching-refs': ['get', '/repos/{owner}/{repo}/git/matching-refs/{ref}'],
  'git/create-ref': ['post', '/repos/{owner}/{repo}/git/refs'],
  'git/update-ref': ['patch', '/repos/{owner}/{repo}/git/refs/{ref}'],
  'git/delete-ref': ['delete', '/repos/{owner}/{repo}/git/refs/{ref}'],
  'git/get-commit': ['get', '/repos/{owner}/{repo}/git/commits/{commit_sha}'],
  'git/create-commit': ['post', '/repos/{owner}/{repo}/git/commits'],
  'git/create-tree': ['post', '/repos/{owner}/{repo}/git/trees'],
  'git/get-tree': ['get', '/repos/{owner}/{repo}/git/trees/{tree_sha}'],
  'git/get-blob': ['get', '/repos/{owner}/{repo}/git/blobs/{file_sha}'],
  'git/create-blob': ['post', '/repos/{owner}/{repo}/git/blobs'],
  'repos/get-content': ['get', '/repos/{owner}/{repo}/contents/{path}'],
  'repos/list-commits': ['get', '/repos/{owner}/{repo}/commits'],
  'repos/compare-commits-with-basehead': ['get', '/repos/{owner}/{repo}/compare/{basehead}'],
  'pulls/list': ['get', '/repos/{owner}/{repo}/pulls'],
  'pulls/create': ['post', '/repos/{owner}/{repo}/pulls'],
  'pulls/get': ['get', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  'pulls/update': ['patch', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  'pulls/list-files': ['get', '/repos/{owner}/{repo}/pulls/{pull_number}/files'],
  'pulls/request-reviewers': ['post', '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers'],
  'issues/update': ['patch', '/repos/{owner}/{repo}/issues/{issue_number}'],
  'issues/add-labels': ['post', '/repos/{owner}/{repo}/issues/{issue_number}/labels'],
  'issues/remove-label': ['delete', '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}'],
  'issues/add-assignees': ['post', '/repos/{owner}/{repo}/issues/{issue_number}/assignees'],
  'issues/create-comment': ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  'issues/list-comments': ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  'issues/get-label': ['get', '/repos/{owner}/{repo}/labels/{name}'],
  'issues/create-label': ['post', '/repos/{owner}/{repo}/labels'],
};

/** Drops what validation never reads (examples, GitHub's docs metadata) to keep the extract small. */
function strip(node, namesOnly = false) {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    // Under `properties` the keys are field names (a field may be called `description`): keep them all.
    if (namesOnly) {
      out[key] = strip(value);
      continue;
    }
    if (key === 'examples' || key === 'example' || key === 'x-github' || key === 'externalDocs') continue;
    if (key === 'description' && typeof value === 'string') continue;
    out[key] = strip(value, key === 'properties' || key === 'patternProperties');
  }
  // ajv checks `enum` before honouring `nullable`, so a nullable enum must list null itself.
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  // OpenAPI 3.0 `nullable` next to oneOf/anyOf/allOf without `type` is meaningless to ajv ("nullable cannot be used
  // without type"): spell it out as JSON Schema does, anyOf [the schema, null].
  if (out.nullable === true && out.type === undefined && (out.oneOf || out.anyOf || out.allOf || out.$ref)) {
    const { nullable: _nullable, ...schema } = out;
    return { anyOf: [schema, { type: 'null' }] };
  }
  return out;
}

/** OpenAPI 3.0 requires `description` on response objects; keep those (they are short). */
function restoreResponseDescriptions(stripped, original) {
  for (const [status, response] of Object.entries(stripped ?? {})) {
    if (!response.$ref) response.description = original[status].description ?? '';
  }
}

function collectRefs(node, found) {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value);
      else collectRefs(value, found);
    }
  }
}

async function main() {
  const spec = JSON.parse(readFileSync(SOURCE, 'utf8'));
  const paths = {};
  for (const [operationId, [method, path]] of Object.entries(OPERATIONS)) {
    const operation = spec.paths[path]?.[method];
    if (!operation || operation.operationId !== operationId)
      throw new Error(`${method.toUpperCase()} ${path} is not ${operationId} in ${SOURCE}`);
    paths[path] ??= {};
    paths[path][method] = strip(operation);
    restoreResponseDescriptions(paths[path][method].responses, operation.responses);
  }
  const components = {};
  const pending = new Set();
  collectRefs(paths, pending);
  const seen = new Set();
  while (pending.size > 0) {
    const ref = pending.values().next().value;
    pending.delete(ref);
    if (seen.has(ref)) continue;
    seen.add(ref);
    const [, , kind, name] = ref.split('/'); // #/components/<kind>/<name>
    const component = strip(spec.components[kind]?.[name]);
    if (component === undefined) throw new Error(`unresolvable $ref ${ref}`);
    (components[kind] ??= {})[name] = component;
    if (kind === 'responses')
      restoreResponseDescriptions({ [name]: component }, { [name]: spec.components[kind][name] });
    collectRefs(component, pending);
  }
  for (const kind of Object.keys(components))
    components[kind] = Object.fromEntries(Object.entries(components[kind]).sort());
  const subset = {
    openapi: spec.openapi,
    info: { title: `${spec.info.title} (subset served by the Stagecoach test emulator)`, version: spec.info.version },
    paths,
    components,
  };
  // Prove the extract is valid OpenAPI and that ajv compiles every operation's validators (what the emulator relies on).
  const { OpenAPIBackend } = await import('openapi-backend');
  const { default: addFormats } = await import('ajv-formats');
  const check = new OpenAPIBackend({
    definition: structuredClone(subset),
    strict: true,
    customizeAjv: (ajv) => {
      addFormats(ajv);
      ajv.addFormat('repo.nwo', /./);
      return ajv;
    },
  });
  await check.init();
  writeFileSync(TARGET, `${JSON.stringify(subset, null, 1)}\n`);
  console.log(`wrote ${TARGET}: ${Object.keys(OPERATIONS).length} operations, ${seen.size} components`);
}

await main();
