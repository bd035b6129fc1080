// The pipeline config (`stagecoach.yaml`, or `--stage` flags), parsed over the YAML AST so every problem carries the
// file:line:col of the node to change, and every problem in the file is reported at once. One file per key (its
// type, its KeyTree of known keys, its reader built from checker.ts); this file only assembles them.
//
// Adding a key (the schema test fails until stagecoach.schema.json and the KeyTrees name the same keys):
// - a section (`clusters:`): clusters.ts exports the type, CLUSTER_KEYS and readClusters(c, entry); here add it to
//   CONFIG_KEYS and read it in parseConfig (one line); its field and default go in Pipeline (pipeline.ts).
// - a stage key (`live:`, `files:`): add it to STAGE_KEYS and Stage (stages.ts) and read it in readStage (one line),
//   from its own file when it is more than a value (live.ts); a gate (`health:`) likewise in gates.ts.
// - then the schema's property and definition, and __tests__/core/config/<part>.test.ts.
import { LineCounter, isScalar, parseDocument } from 'yaml';
import { readCharts } from './charts.js';
import { Checker, type KeyTree, readMap } from './checker.js';
import { readClusters } from './clusters.js';
import { FIELD_KEYS, readFields } from './fields.js';
import { readFileGlobs } from './files.js';
import { IMAGE_KEYS, readImages } from './images.js';
import { type Pipeline, defaultPipeline } from './pipeline.js';
import { checkLiveClusters } from './live.js';
import { STAGE_KEYS, readStages } from './stages.js';

export { ConfigError, formatProblems } from './config-error.js';
export { suggest } from './did-you-mean.js';
export { COMMANDS, type CommandName } from './command-names.js';
export { stagesFromFlags } from './flags.js';
export type { FieldRule } from './fields.js';
export { GATE_FAILURE_MODES, type CommandGate, type GateFailureMode, type Gates, type HealthGate } from './gates.js';
export type { ImagePolicy } from './images.js';
export { findStage, nextStage, type Pipeline } from './pipeline.js';
export { DEFAULT_BRANCH, MERGE_METHODS, type PullRequestPolicy } from './pull-request.js';
export { normalizeStagePath } from './stage-paths.js';
export type { Stage } from './stages.js';
export { CLUSTER_ENTRY_KEYS, DEFAULT_REQUEST_TIMEOUT_SECONDS, type Cluster, type ClusterAccess } from './clusters.js';
export { LIVE_AGENTS, type LiveAgent, type LiveTarget } from './live.js';
export type { KeyTree } from './checker.js';

/** Every key the config file knows, as a tree (the JSON schema test holds `stagecoach.schema.json` to it). */
export const CONFIG_KEYS = {
  stages: STAGE_KEYS,
  files: null,
  fields: FIELD_KEYS,
  images: IMAGE_KEYS,
  charts: null,
  // Cluster names are the user's keys: the tree is that of one entry (the schema's additionalProperties).
  clusters: null,
} as const satisfies KeyTree;

/** Parses and validates `stagecoach.yaml`; throws ConfigError listing every problem with its position. */
export function parseConfig(text: string, file: string): Pipeline {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const c = new Checker(file, doc, lines);
  if (doc.errors.length > 0) {
    // The tree after a syntax error can mislead the schema checks, so only the YAML errors are reported.
    for (const error of doc.errors) {
      const { line, col } = lines.linePos(error.pos[0]);
      const message =
        error.code === 'MULTIPLE_DOCS'
          ? 'YAML: expected one document; remove the "---" and what follows, or merge it into the first document'
          : `YAML syntax: ${error.message}`;
      c.report({ line, column: col }, '', message);
    }
    return c.fail();
  }
  const root = c.resolve(doc.contents);
  if (root === null || (isScalar(root) && root.value === null)) {
    c.report(
      { line: 1, column: 1 },
      '',
      'the file is empty; it needs a stages: list, e.g. "stages: [{ name: dev, path: envs/dev }, { name: prod, path: envs/prod }]"',
    );
    return c.fail();
  }
  const pipeline = defaultPipeline(file);
  const top = readMap(c, root, root, '', CONFIG_KEYS, 'a mapping with a stages: list at the top level');
  if (top) {
    const stages = top.get('stages');
    if (stages) pipeline.stages = readStages(c, stages);
    else
      c.report(
        root,
        '',
        'missing "stages:"; list the stages in promotion order, e.g. "stages: [{ name: dev, path: envs/dev }]"',
      );
    const files = top.get('files');
    if (files) pipeline.files = readFileGlobs(c, files.value, files.key) ?? pipeline.files;
    const fields = top.get('fields');
    if (fields) pipeline.fields = readFields(c, fields);
    const images = top.get('images');
    if (images) pipeline.images = readImages(c, images);
    const charts = top.get('charts');
    if (charts) pipeline.charts = readCharts(c, charts);
    const clusters = top.get('clusters');
    if (clusters) pipeline.clusters = readClusters(c, clusters);
    pipeline.stages.forEach((stage, i) =>
      checkLiveClusters(
        c,
        stage.live,
        pipeline.clusters.map((cl) => cl.name),
        (t) => `stages[${i}].live[${t}]`,
      ),
    );
  }
  if (c.problems.length > 0) c.fail();
  return pipeline;
}
