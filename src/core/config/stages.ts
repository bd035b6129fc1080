// `stages:`: the stages in promotion order, each with its name, folders, pull-request policy and gates.
import { isSeq } from 'yaml';
import {
  type Checker,
  type Entry,
  type KeyTree,
  type Where,
  type YamlNode,
  readList,
  readMap,
  readNonEmptyString,
} from './checker.js';
import { readFileGlobs } from './files.js';
import { LIVE_KEYS, type LiveTarget, readLive } from './live.js';
import { GATE_KEYS, type Gates, defaultGates, readGates } from './gates.js';
import {
  PULL_REQUEST_KEYS,
  type PullRequestPolicy,
  branchNode,
  checkBranches,
  defaultPullRequest,
  readPullRequest,
} from './pull-request.js';
import { type OwnedPath, checkOverlaps, readStagePaths } from './stage-paths.js';

export interface Stage {
  name: string;
  /** Repo-relative folders, files or globs of them, normalised (`envs/dev`, no `./` or trailing `/`; `.` is the whole
   *  repo; `components/*\/dev`). */
  paths: string[];
  /** This stage's own `files:` globs, used together with the top-level ones. */
  files?: string[];
  pullRequest: PullRequestPolicy;
  gates: Gates;
  /** Where the stage runs (empty: git only). */
  live: LiveTarget[];
  line?: number;
}

/** A stage's keys; `path:` is the one-folder spelling of `paths:`. */
export const STAGE_KEYS = {
  name: null,
  paths: null,
  path: null,
  files: null,
  pullRequest: PULL_REQUEST_KEYS,
  gates: GATE_KEYS,
  live: LIVE_KEYS,
} as const satisfies KeyTree;

const STAGE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const STAGE_NAME_MAX = 63;

/** Why a stage name is refused (it becomes part of branch names and labels), or undefined. */
export function stageNameProblem(name: string): string | undefined {
  if (STAGE_NAME.test(name) && name.length <= STAGE_NAME_MAX) return undefined;
  const fixed = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '');
  const hint = fixed && fixed !== name && STAGE_NAME.test(fixed) ? `; for example "${fixed}"` : '';
  if (name.length > STAGE_NAME_MAX) return `stage name "${name}" is longer than ${STAGE_NAME_MAX} characters`;
  return `stage name "${name}" must be lower-case letters, digits and "-", starting with a letter or digit (it is used in branch names)${hint}`;
}

/** A stage name as written, for the duplicate check. */
export interface NamedAt {
  name: string;
  where: Where;
  label: string;
}

export function checkDuplicateNames(c: Checker, stages: NamedAt[]): void {
  const seen = new Map<string, Where>();
  for (const stage of stages) {
    const first = seen.get(stage.name);
    if (first)
      c.report(
        stage.where,
        stage.label,
        `stage "${stage.name}" is defined twice (first at ${c.lineName(c.position(first).line)}); stage names must be unique`,
      );
    else seen.set(stage.name, stage.where);
  }
}

/** What the checks across stages need: names, folders and branch templates as written. */
interface Across {
  names: NamedAt[];
  owned: OwnedPath[];
  branches: { name: string; branch: string; where: YamlNode }[];
}

export function readStages(c: Checker, entry: Entry): Stage[] {
  if (isSeq(entry.value) && entry.value.items.length === 0) {
    c.report(entry.value, 'stages', 'expected at least one stage, e.g. "- { name: dev, path: envs/dev }"');
    return [];
  }
  const across: Across = { names: [], owned: [], branches: [] };
  const stages = readList(c, entry, 'stages', 'a list of stages in promotion order', (item, list, path, i) =>
    readStage(c, item, list, path, i, across),
  );
  checkDuplicateNames(c, across.names);
  checkOverlaps(c, across.owned);
  checkBranches(c, across.branches);
  return stages;
}

function readStage(
  c: Checker,
  item: YamlNode | null,
  list: YamlNode,
  path: string,
  i: number,
  across: Across,
): Stage | undefined {
  const fields = readMap(c, item, list, path, STAGE_KEYS, 'a stage such as "{ name: dev, path: envs/dev }"');
  if (!fields || !item) return undefined;
  const name = readStageName(c, fields, item, path, across.names);
  const paths = readStagePaths(c, fields, item, path, { index: i, stage: name ?? `#${i + 1}` }, across.owned);
  const stage: Stage = {
    name: name ?? '',
    paths,
    pullRequest: defaultPullRequest(name ?? ''),
    gates: defaultGates(),
    live: [],
    line: c.position(item).line,
  };
  const files = fields.get('files');
  const globs = files && readFileGlobs(c, files.value, files.key, `${path}.files`, 'the stage folder', true);
  if (globs) stage.files = globs;
  const pullRequest = fields.get('pullRequest');
  if (pullRequest) stage.pullRequest = readPullRequest(c, pullRequest, `${path}.pullRequest`, stage.pullRequest);
  across.branches.push({ name: stage.name, branch: stage.pullRequest.branch, where: branchNode(pullRequest) ?? item });
  const gates = fields.get('gates');
  if (gates) stage.gates = readGates(c, gates, `${path}.gates`);
  const live = fields.get('live');
  if (live) stage.live = readLive(c, live, `${path}.live`);
  return stage;
}

function readStageName(
  c: Checker,
  fields: Map<string, Entry>,
  item: YamlNode,
  path: string,
  names: NamedAt[],
): string | undefined {
  const entry = fields.get('name');
  if (!entry) {
    c.report(item, path, 'missing "name:"; give the stage a name such as dev');
    return undefined;
  }
  const name = readNonEmptyString(c, entry.value, entry.key, `${path}.name`, 'a stage name such as dev');
  const problem = name === undefined ? undefined : stageNameProblem(name);
  if (problem) c.report(entry.value ?? entry.key, `${path}.name`, problem);
  else if (name !== undefined) names.push({ name, where: entry.value ?? entry.key, label: `${path}.name` });
  return name;
}
