// The pipeline config (`stagecoach.yaml`, or `--stage` flags): parsed over the YAML AST so every problem carries the
// file:line:col of the node to change, and every problem in the file is reported at once.
import { StagecoachError } from '../errors.js';
import { Minimatch } from 'minimatch';
import semver from 'semver';
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import { parseDuration } from '../duration.js';
import { tryParseImage, type Finding } from '../image-reference.js';
import { compileFilterPattern, normalizeSemverRange, patternGroups } from '../tag-policy.js';
import type { FieldRule } from '../scan.js';

export interface PullRequestPolicy {
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  assignees: string[];
  draft: boolean;
  autoMerge: false | 'merge' | 'squash' | 'rebase';
  /** Branch name template; `{from}` and `{to}` are the stage names. */
  branch: string;
}
export interface CommandGate {
  name: string;
  run: string;
  timeoutSeconds: number;
  env: Record<string, string>;
}
export interface Gates {
  registry: false | { pin: boolean };
  soakSeconds: number;
  commands: CommandGate[];
  onFailure: 'fail' | 'draft';
}
export interface Stage {
  name: string;
  /** Repo-relative folders, normalised (`envs/dev`, no `./` or trailing `/`; `.` is the whole repo). */
  paths: string[];
  pullRequest: PullRequestPolicy;
  gates: Gates;
  line?: number;
}
export interface TagPolicy {
  semver?: { range: string; prerelease: boolean };
  numerical?: 'asc' | 'desc';
  alphabetical?: 'asc' | 'desc';
  filterTags?: { pattern: string; extract: string };
}
export interface ImagePolicy {
  /** Canonical repository. */
  image: string;
  policy: TagPolicy;
  line?: number;
}
/** A custom field holding an image version: the scanner owns the shape. */
export type { FieldRule };
export interface Pipeline {
  /** Config file path, for messages. */
  configFile?: string;
  stages: Stage[];
  files: string[];
  fields: FieldRule[];
  images: ImagePolicy[];
}

export const DEFAULT_FILES = ['**/*.yaml', '**/*.yml'];
export const DEFAULT_BRANCH = 'stagecoach/{from}-to-{to}';
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 600;
const FLAGS_FILE = '<flags>';

/** Every problem found, in file order. The message lists them all, one `file:line:col: ...` per line. */
export class ConfigError extends StagecoachError {
  readonly kind = 'usage';
  constructor(readonly problems: Finding[]) {
    super(
      `Invalid pipeline configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        formatProblems(problems),
    );
  }
}

/** One line per problem: `file:line:col: message`; line 0 stands for the whole file (or the command line). */
export function formatProblems(problems: Finding[]): string {
  return problems
    .map(
      (p) => `${p.file}${p.line > 0 ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : ''}: ${p.message}`,
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Problem collection and AST reading

interface Position {
  line: number;
  column?: number;
}
type Where = YamlNode | Position;

class Checker {
  readonly problems: Finding[] = [];
  constructor(
    readonly file: string,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  position(where: Where): Position {
    if ('line' in where && typeof where.line === 'number') return where as Position;
    const offset = (where as YamlNode).range?.[0];
    if (offset === undefined || !this.lines) return { line: 1, column: 1 };
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** How to point at another line in a message. */
  lineName(line: number): string {
    return this.file === FLAGS_FILE ? `--stage number ${line}` : `line ${line}`;
  }

  report(where: Where, path: string, message: string): void {
    const { line, column } = this.position(where);
    this.problems.push({
      file: this.file,
      line,
      ...(column !== undefined ? { column } : {}),
      message: path ? `${path}: ${message}` : message,
    });
  }

  /** The node an alias points at (anchors let users share lists such as reviewers). */
  resolve(node: unknown): YamlNode | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (this.doc && node.resolve(this.doc)) ?? null;
    return node as YamlNode;
  }

  fail(): never {
    const sorted = [...this.problems].sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(sorted);
  }
}

function describe(node: YamlNode | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    if (node.value === null) return node.source ? 'null' : 'nothing';
    if (typeof node.value === 'string') return JSON.stringify(node.value);
    return String(node.source ?? node.value);
  }
  return 'an unexpected node';
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate when it is plausibly a typo: same letters ignoring case, `-` and `_`, or a few edits away. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const same = candidates.find((c) => squash(c) === squash(word));
  if (same) return same;
  const extended = candidates.find((c) => c.length >= 3 && squash(word).startsWith(squash(c)));
  if (extended) return extended;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(squash(word), squash(candidate));
    if (d < bestDistance && d <= Math.max(1, Math.floor(candidate.length / 3))) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const close = suggest(word, candidates);
  return close ? `; did you mean "${close}"?` : '';
}

interface Entry {
  key: YamlNode;
  value: YamlNode | null;
}

/** The entries of a mapping with known keys; reports a non-mapping and every unknown key. */
function readMap(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  known: readonly string[],
  expected: string,
) {
  const entries = new Map<string, Entry>();
  if (!isMap(node)) {
    c.report(node ?? where, path, `expected ${expected}, got ${describe(node)}`);
    return undefined;
  }
  for (const pair of node.items) {
    const key = c.resolve(pair.key);
    const name = isScalar(key) && key.value !== null && typeof key.value !== 'object' ? String(key.value) : undefined;
    const at = key ?? node;
    if (name === undefined) {
      c.report(at, path, `keys must be plain names, got ${describe(key)}`);
    } else if (name === '<<') {
      c.report(at, path, 'merge keys (<<) are not supported; write the keys out');
    } else if (!known.includes(name)) {
      c.report(
        at,
        joinPath(path, name),
        `unknown key "${name}"${didYouMean(name, known)} (known keys: ${known.join(', ')})`,
      );
    } else {
      entries.set(name, { key: at, value: c.resolve(pair.value) });
    }
  }
  return entries;
}

function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A text scalar. Plain numbers are read as written (`1.10` stays `1.10`); booleans and null are refused. */
function readString(c: Checker, node: YamlNode | null, where: Where, path: string, what = 'text'): string | undefined {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  if (isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'bigint'))
    return node.source ?? String(node.value);
  const hint =
    isScalar(node) && typeof node.value === 'boolean'
      ? `; quote it ("${node.source ?? node.value}") if you mean the text`
      : '';
  c.report(node ?? where, path, `expected ${what}, got ${describe(node)}${hint}`);
  return undefined;
}

function readNonEmptyString(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  what = 'text',
): string | undefined {
  const text = readString(c, node, where, path, what);
  if (text !== undefined && text.trim() === '') {
    c.report(node ?? where, path, `expected ${what}, got an empty string`);
    return undefined;
  }
  return text;
}

function readBoolean(c: Checker, node: YamlNode | null, where: Where, path: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  c.report(node ?? where, path, `expected true or false, got ${describe(node)}`);
  return undefined;
}

/** A list of text items, each checked by `check` (which reports and returns undefined to drop an item). A lone string is a list of one. */
function readStringList(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  what: string,
  check: (text: string, node: YamlNode, path: string) => string | undefined = (t) => t,
): string[] | undefined {
  if (isScalar(node) && typeof node.value === 'string') {
    const checked = check(node.value, node, path);
    return checked === undefined ? undefined : [checked];
  }
  if (!isSeq(node)) {
    c.report(node ?? where, path, `expected a list of ${what}, got ${describe(node)}`);
    return undefined;
  }
  const out: string[] = [];
  node.items.forEach((raw, i) => {
    const item = c.resolve(raw);
    const itemPath = `${path}[${i}]`;
    const text = readNonEmptyString(c, item, node, itemPath, what.replace(/s$/, ''));
    const checked = text === undefined ? undefined : check(text, item ?? node, itemPath);
    if (checked !== undefined) out.push(checked);
  });
  return out;
}

function readEnum<T extends string>(
  c: Checker,
  node: YamlNode | null,
  where: Where,
  path: string,
  values: readonly T[],
): T | undefined {
  const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
  if (text !== undefined && (values as readonly string[]).includes(text)) return text as T;
  const hint = text !== undefined ? didYouMean(text, values) : '';
  c.report(node ?? where, path, `expected one of ${values.join(', ')}, got ${describe(node)}${hint}`);
  return undefined;
}

function readDuration(c: Checker, node: YamlNode | null, where: Where, path: string): number | undefined {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
    try {
      return parseDuration(String(node.source ?? node.value));
    } catch (error) {
      c.report(node, path, (error as Error).message);
      return undefined;
    }
  }
  c.report(node ?? where, path, `expected a duration such as 30m or 1h30m, got ${describe(node)}`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules shared by the config file and the --stage flags

const STAGE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const STAGE_NAME_MAX = 63;

/** Why a stage name is refused, or undefined. */
function stageNameProblem(name: string): string | undefined {
  if (STAGE_NAME.test(name) && name.length <= STAGE_NAME_MAX) return undefined;
  const fixed = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '');
  const hint = fixed && fixed !== name && STAGE_NAME.test(fixed) ? `; for example "${fixed}"` : '';
  if (name.length > STAGE_NAME_MAX) return `stage name "${name}" is longer than ${STAGE_NAME_MAX} characters`;
  return `stage name "${name}" must be lower-case letters, digits and "-", starting with a letter or digit (it is used in branch names)${hint}`;
}

function hasControl(text: string): boolean {
  return [...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
}

/** The normalised folder (`./envs/dev/` → `envs/dev`, `.` for the whole repo), or the reason it is refused. */
export function normalizeStagePath(raw: string): { path: string } | { problem: string } {
  const shown = JSON.stringify(raw);
  if (raw.trim() === '') return { problem: 'expected a folder such as envs/dev, got an empty string' };
  if (hasControl(raw)) return { problem: `path ${shown} contains a control character` };
  if (raw.includes('\\')) return { problem: `path ${shown} uses "\\"; separate folders with "/"` };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) {
    return {
      problem: `path ${shown} is absolute; write it relative to the repository root, e.g. "${raw.replace(/^([A-Za-z]:)?\/+/, '') || 'envs/dev'}"`,
    };
  }
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    return { problem: `path ${shown} contains ".."; stage folders must stay inside the repository` };
  if (/[*?[\]{}]/.test(raw)) return { problem: `path ${shown} is a glob; stages own folders (use files: for globs)` };
  if (segments[0] === '.git') return { problem: `path ${shown} is inside .git, which Stagecoach never writes` };
  return { path: segments.length === 0 ? '.' : segments.join('/') };
}

function contains(outer: string, inner: string): boolean {
  return outer === '.' || inner === outer || inner.startsWith(`${outer}/`);
}

interface OwnedPath {
  /** Position of the stage in the list: two stages may share a (duplicate) name. */
  index: number;
  stage: string;
  path: string;
  where: Where;
  label: string;
}

/** A folder belongs to one stage: no repeats, no folder inside another (in the same stage or another one). */
function checkOverlaps(c: Checker, owned: OwnedPath[]): void {
  for (let j = 0; j < owned.length; j++) {
    for (let i = 0; i < j; i++) {
      const [a, b] = [owned[i], owned[j]];
      if (!contains(a.path, b.path) && !contains(b.path, a.path)) continue;
      const at = c.lineName(c.position(a.where).line);
      const [x, y] = [JSON.stringify(a.path), JSON.stringify(b.path)];
      const message =
        a.index === b.index
          ? a.path === b.path
            ? `${y} is listed twice in this stage (${at}); list it once`
            : `${y} and ${x} (${at}) overlap; list only ${contains(a.path, b.path) ? x : y}`
          : `${a.path === b.path ? `${y} is also` : contains(a.path, b.path) ? `${y} is inside ${x},` : `${y} contains ${x},`}` +
            ` owned by stage "${a.stage}" (${at}); each folder belongs to one stage`;
      c.report(b.where, b.label, message);
      break;
    }
  }
}

function defaultPullRequest(stage: string): PullRequestPolicy {
  return {
    labels: ['promotion', `stage:${stage}`],
    reviewers: [],
    teamReviewers: [],
    assignees: [],
    draft: false,
    autoMerge: false,
    branch: DEFAULT_BRANCH,
  };
}

function defaultGates(): Gates {
  return { registry: false, soakSeconds: 0, commands: [], onFailure: 'fail' };
}

function checkDuplicateNames(c: Checker, stages: { name: string; where: Where; label: string }[]): void {
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

// ---------------------------------------------------------------------------------------------------------------
// The config file

const TOP_KEYS = ['stages', 'files', 'fields', 'images'] as const;
const STAGE_KEYS = ['name', 'paths', 'path', 'pullRequest', 'gates'] as const;
const PULL_REQUEST_KEYS = [
  'labels',
  'reviewers',
  'teamReviewers',
  'assignees',
  'draft',
  'autoMerge',
  'branch',
] as const;
const GATE_KEYS = ['registry', 'soak', 'commands', 'onFailure'] as const;
const REGISTRY_KEYS = ['pin'] as const;
const COMMAND_KEYS = ['name', 'run', 'timeout', 'env'] as const;
const FIELD_KEYS = ['files', 'tag', 'image', 'repository', 'digest'] as const;
const IMAGE_KEYS = ['image', 'policy', 'filterTags'] as const;
const POLICY_KEYS = ['semver', 'prerelease', 'numerical', 'alphabetical'] as const;
const SEMVER_KEYS = ['range'] as const;
const ORDER_KEYS = ['order'] as const;
const FILTER_KEYS = ['pattern', 'extract'] as const;
const AUTO_MERGE = ['merge', 'squash', 'rebase'] as const;
const ORDERS = ['asc', 'desc'] as const;
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const LABEL_MAX = 50; // GitHub refuses longer label names
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEY_PATH = /^[^.\s]+(?:\.[^.\s]+)*$/;

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
  const top = readMap(c, root, root, '', TOP_KEYS, 'a mapping with a stages: list at the top level');
  const pipeline: Pipeline = { configFile: file, stages: [], files: [...DEFAULT_FILES], fields: [], images: [] };
  if (top) {
    const stages = top.get('stages');
    if (!stages)
      c.report(
        root,
        '',
        'missing "stages:"; list the stages in promotion order, e.g. "stages: [{ name: dev, path: envs/dev }]"',
      );
    else pipeline.stages = readStages(c, stages);
    const files = top.get('files');
    if (files) pipeline.files = readFileGlobs(c, files.value, files.key) ?? pipeline.files;
    const fields = top.get('fields');
    if (fields) pipeline.fields = readFields(c, fields.value, fields.key);
    const images = top.get('images');
    if (images) pipeline.images = readImages(c, images.value, images.key);
  }
  if (c.problems.length > 0) c.fail();
  return pipeline;
}

function readStages(c: Checker, entry: Entry): Stage[] {
  const node = entry.value;
  if (!isSeq(node)) {
    c.report(node ?? entry.key, 'stages', `expected a list of stages in promotion order, got ${describe(node)}`);
    return [];
  }
  if (node.items.length === 0) {
    c.report(node, 'stages', 'expected at least one stage, e.g. "- { name: dev, path: envs/dev }"');
    return [];
  }
  const stages: Stage[] = [];
  const names: { name: string; where: Where; label: string }[] = [];
  const owned: OwnedPath[] = [];
  const branches: { stage: Stage; where: YamlNode }[] = [];
  node.items.forEach((raw, i) => {
    const item = c.resolve(raw);
    const path = `stages[${i}]`;
    const fields = readMap(c, item, node, path, STAGE_KEYS, 'a stage such as "{ name: dev, path: envs/dev }"');
    if (!fields || !item) return;
    const nameEntry = fields.get('name');
    let name: string | undefined;
    if (!nameEntry) c.report(item, path, 'missing "name:"; give the stage a name such as dev');
    else {
      name = readNonEmptyString(c, nameEntry.value, nameEntry.key, `${path}.name`, 'a stage name such as dev');
      const problem = name === undefined ? undefined : stageNameProblem(name);
      if (problem) c.report(nameEntry.value ?? nameEntry.key, `${path}.name`, problem);
      if (name !== undefined && !problem)
        names.push({ name, where: nameEntry.value ?? nameEntry.key, label: `${path}.name` });
    }
    const label = name ?? `#${i + 1}`;
    const paths = readStagePaths(c, fields, item, path, { index: i, stage: label }, owned);
    const stage: Stage = {
      name: name ?? '',
      paths,
      pullRequest: defaultPullRequest(name ?? ''),
      gates: defaultGates(),
      line: c.position(item).line,
    };
    const pr = fields.get('pullRequest');
    if (pr) stage.pullRequest = readPullRequest(c, pr, `${path}.pullRequest`, stage.pullRequest);
    const branch = pr && isMap(pr.value) ? pr.value.get('branch', true) : undefined;
    branches.push({ stage, where: (branch as YamlNode | undefined) ?? item });
    const gates = fields.get('gates');
    if (gates) stage.gates = readGates(c, gates, `${path}.gates`);
    stages.push(stage);
  });
  checkDuplicateNames(c, names);
  checkOverlaps(c, owned);
  checkBranches(c, branches);
  return stages;
}

function readStagePaths(
  c: Checker,
  fields: Map<string, Entry>,
  item: YamlNode,
  path: string,
  { index, stage }: { index: number; stage: string },
  owned: OwnedPath[],
): string[] {
  const plural = fields.get('paths');
  const single = fields.get('path');
  if (plural && single) {
    c.report(single.key, `${path}.path`, 'give either path: or paths:, not both');
    return [];
  }
  const entry = plural ?? single;
  const key = plural ? 'paths' : 'path';
  if (!entry) {
    c.report(
      item,
      path,
      `missing "paths:"; list the folders stage "${stage}" owns, e.g. "paths: [envs/${/^[a-z0-9-]+$/.test(stage) ? stage : 'dev'}]"`,
    );
    return [];
  }
  const list = readStringList(c, entry.value, entry.key, `${path}.${key}`, 'folders', (text, node, itemPath) => {
    const normalized = normalizeStagePath(text);
    if ('problem' in normalized) {
      c.report(node, itemPath, normalized.problem);
      return undefined;
    }
    owned.push({ index, stage, path: normalized.path, where: node, label: itemPath });
    return normalized.path;
  });
  if (list && list.length === 0 && isSeq(entry.value) && entry.value.items.length === 0) {
    c.report(entry.value, `${path}.${key}`, `expected at least one folder, e.g. [envs/${stage}]`);
  }
  return list ?? [];
}

function readPullRequest(c: Checker, entry: Entry, path: string, defaults: PullRequestPolicy): PullRequestPolicy {
  const fields = readMap(
    c,
    entry.value,
    entry.key,
    path,
    PULL_REQUEST_KEYS,
    'a mapping such as "{ labels: [promotion], reviewers: [alice] }"',
  );
  const policy = { ...defaults };
  if (!fields) return policy;
  const get = (key: string) => fields.get(key);
  const labels = get('labels');
  if (labels) {
    policy.labels =
      readStringList(c, labels.value, labels.key, `${path}.labels`, 'labels', (text, node, p) => {
        if (text.length <= LABEL_MAX) return text;
        c.report(node, p, `label "${text}" is longer than ${LABEL_MAX} characters, which GitHub refuses`);
        return undefined;
      }) ?? policy.labels;
  }
  for (const key of ['reviewers', 'assignees'] as const) {
    const e = get(key);
    if (!e) continue;
    policy[key] =
      readStringList(c, e.value, e.key, `${path}.${key}`, 'GitHub user names', (text, node, p) => {
        if (GITHUB_LOGIN.test(text)) return text;
        const bare = text.replace(/^@/, '');
        const hint =
          bare !== text && GITHUB_LOGIN.test(bare)
            ? `; write it without the "@": ${bare}`
            : bare.includes('/')
              ? '; teams go under teamReviewers:'
              : '';
        c.report(node, p, `"${text}" is not a GitHub user name${hint}`);
        return undefined;
      }) ?? [];
  }
  const teams = get('teamReviewers');
  if (teams) {
    policy.teamReviewers =
      readStringList(c, teams.value, teams.key, `${path}.teamReviewers`, 'team slugs', (text, node, p) => {
        const slug = text.replace(/^@/, '');
        if (/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(text)) return text;
        const tail = slug.split('/').pop() ?? '';
        const hint =
          slug.includes('/') && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(tail)
            ? `; give the team slug without the organisation: ${tail}`
            : '; give the team slug, e.g. platform-team';
        c.report(node, p, `"${text}" is not a team slug${hint}`);
        return undefined;
      }) ?? [];
  }
  const draft = get('draft');
  if (draft) policy.draft = readBoolean(c, draft.value, draft.key, `${path}.draft`) ?? policy.draft;
  const autoMerge = get('autoMerge');
  if (autoMerge) {
    const node = autoMerge.value;
    if (isScalar(node) && node.value === false) policy.autoMerge = false;
    else if (isScalar(node) && node.value === true) {
      c.report(
        node,
        `${path}.autoMerge`,
        `expected false or a merge method (${AUTO_MERGE.join(', ')}), got true; name the method, e.g. autoMerge: squash`,
      );
    } else {
      const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
      if (text !== undefined && (AUTO_MERGE as readonly string[]).includes(text))
        policy.autoMerge = text as PullRequestPolicy['autoMerge'];
      else {
        const hint = text !== undefined ? didYouMean(text, AUTO_MERGE) : '';
        c.report(
          node ?? autoMerge.key,
          `${path}.autoMerge`,
          `expected false, ${AUTO_MERGE.join(', ')}, got ${describe(node)}${hint}`,
        );
      }
    }
  }
  const branch = get('branch');
  if (branch) {
    const template = readNonEmptyString(
      c,
      branch.value,
      branch.key,
      `${path}.branch`,
      'a branch name template such as "stagecoach/{from}-to-{to}"',
    );
    if (template !== undefined) {
      const problem = branchTemplateProblem(template);
      if (problem) c.report(branch.value ?? branch.key, `${path}.branch`, problem);
      else policy.branch = template;
    }
  }
  return policy;
}

/** Why a branch template would not give a valid branch name (git check-ref-format rules), or undefined. */
function branchTemplateProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)]
    .map((m) => m[1])
    .filter((name) => name !== 'from' && name !== 'to');
  if (unknown.length > 0)
    return `unknown placeholder {${unknown[0]}}${didYouMean(unknown[0], ['from', 'to'])}; the branch template knows {from} and {to}`;
  const sample = template.replace(/\{from\}/g, 'dev').replace(/\{to\}/g, 'prod');
  // https://git-scm.com/docs/git-check-ref-format
  const bad =
    hasControl(sample) || /[ ~^:?*[\\]/.test(sample)
      ? 'it contains a space or one of ~ ^ : ? * [ \\'
      : sample.includes('..')
        ? 'it contains ".."'
        : sample.includes('@{')
          ? 'it contains "@{"'
          : sample.includes('//') || sample.startsWith('/') || sample.endsWith('/')
            ? 'it has an empty folder ("//" or a leading or trailing "/")'
            : sample.endsWith('.')
              ? 'it ends with "."'
              : sample.split('/').some((s) => s.startsWith('.') || s.endsWith('.lock'))
                ? 'a part starts with "." or ends with ".lock"'
                : sample === '@'
                  ? 'it is "@"'
                  : /[{}]/.test(sample)
                    ? 'it has an unmatched "{" or "}"'
                    : undefined;
  return bad && `"${template}" does not make a valid git branch name: ${bad}`;
}

/** Two target stages must not push to the same branch. */
function checkBranches(c: Checker, branches: { stage: Stage; where: YamlNode }[]): void {
  const seen = new Map<string, string>();
  branches.forEach(({ stage, where }, i) => {
    if (!stage.name) return;
    const from = i === 0 ? 'registry' : branches[i - 1].stage.name;
    const branch = stage.pullRequest.branch.replace(/\{from\}/g, from).replace(/\{to\}/g, stage.name);
    const other = seen.get(branch);
    if (other !== undefined) {
      c.report(
        where,
        `stages[${i}].pullRequest.branch`,
        `promotions into "${stage.name}" and "${other}" would both use branch "${branch}"; put {to} in the template`,
      );
    } else seen.set(branch, stage.name);
  });
}

function readGates(c: Checker, entry: Entry, path: string): Gates {
  const gates = defaultGates();
  const fields = readMap(
    c,
    entry.value,
    entry.key,
    path,
    GATE_KEYS,
    'a mapping such as "{ registry: true, soak: 1h }"',
  );
  if (!fields) return gates;
  const registry = fields.get('registry');
  if (registry) {
    const node = registry.value;
    if (isScalar(node) && typeof node.value === 'boolean') gates.registry = node.value ? { pin: false } : false;
    else if (isMap(node)) {
      const options = readMap(c, node, registry.key, `${path}.registry`, REGISTRY_KEYS, 'true, false or { pin: true }');
      const pin = options?.get('pin');
      gates.registry = { pin: pin ? (readBoolean(c, pin.value, pin.key, `${path}.registry.pin`) ?? false) : false };
    } else
      c.report(
        node ?? registry.key,
        `${path}.registry`,
        `expected true, false or { pin: true }, got ${describe(node)}`,
      );
  }
  const soak = fields.get('soak');
  if (soak) gates.soakSeconds = readDuration(c, soak.value, soak.key, `${path}.soak`) ?? 0;
  const commands = fields.get('commands');
  if (commands) gates.commands = readCommands(c, commands, `${path}.commands`);
  const onFailure = fields.get('onFailure');
  if (onFailure)
    gates.onFailure =
      readEnum(c, onFailure.value, onFailure.key, `${path}.onFailure`, ['fail', 'draft'] as const) ?? 'fail';
  return gates;
}

function readCommands(c: Checker, entry: Entry, path: string): CommandGate[] {
  const node = entry.value;
  if (!isSeq(node)) {
    c.report(
      node ?? entry.key,
      path,
      `expected a list of commands such as "- { name: build, run: kustomize build envs/prod }", got ${describe(node)}`,
    );
    return [];
  }
  const out: CommandGate[] = [];
  node.items.forEach((raw, i) => {
    const item = c.resolve(raw);
    const itemPath = `${path}[${i}]`;
    const fields = readMap(
      c,
      item,
      node,
      itemPath,
      COMMAND_KEYS,
      'a command such as "{ name: build, run: kustomize build envs/prod }"',
    );
    if (!fields || !item) return;
    const run = fields.get('run');
    const command = run ? readNonEmptyString(c, run.value, run.key, `${itemPath}.run`, 'a command line') : undefined;
    if (!run)
      c.report(item, itemPath, 'missing "run:"; give the command to run, e.g. "run: kustomize build envs/prod"');
    const name = fields.get('name');
    const timeout = fields.get('timeout');
    const env = fields.get('env');
    const gate: CommandGate = {
      name:
        (name && readNonEmptyString(c, name.value, name.key, `${itemPath}.name`, 'a name for the check')) ||
        command ||
        '',
      run: command ?? '',
      timeoutSeconds: DEFAULT_COMMAND_TIMEOUT_SECONDS,
      env: {},
    };
    if (timeout) {
      const seconds = readDuration(c, timeout.value, timeout.key, `${itemPath}.timeout`);
      if (seconds === 0)
        c.report(timeout.value ?? timeout.key, `${itemPath}.timeout`, 'expected a duration above zero, e.g. 5m');
      else if (seconds !== undefined) gate.timeoutSeconds = seconds;
    }
    if (env) gate.env = readEnv(c, env, `${itemPath}.env`);
    out.push(gate);
  });
  return out;
}

function readEnv(c: Checker, entry: Entry, path: string): Record<string, string> {
  const env: Record<string, string> = {};
  const node = entry.value;
  if (!isMap(node)) {
    c.report(
      node ?? entry.key,
      path,
      `expected a mapping of variable names to values, such as "{ FOO: bar }", got ${describe(node)}`,
    );
    return env;
  }
  for (const pair of node.items) {
    const key = c.resolve(pair.key);
    const name = isScalar(key) ? String(key.value) : '';
    if (!ENV_NAME.test(name)) {
      c.report(
        key ?? node,
        path,
        `"${name}" is not a variable name; use letters, digits and _, not starting with a digit`,
      );
      continue;
    }
    const value = c.resolve(pair.value);
    if (isScalar(value) && value.value !== null && typeof value.value !== 'object') {
      env[name] = typeof value.value === 'string' ? value.value : String(value.source ?? value.value);
    } else c.report(value ?? key ?? node, `${path}.${name}`, `expected a value, got ${describe(value)}`);
  }
  return env;
}

/** Why a glob is refused, or undefined. `!` negates; globs are relative, never absolute or climbing with `..`. */
function globProblem(glob: string, relativeTo: string): string | undefined {
  const shown = JSON.stringify(glob);
  const body = glob.startsWith('!') ? glob.slice(1) : glob;
  if (body.trim() === '') return `expected a glob such as **/*.yaml, got ${shown}`;
  if (body.startsWith('#'))
    return `${shown} starts with "#", which minimatch reads as a comment; write \\# for a literal #`;
  if (body.startsWith('/') || /^[A-Za-z]:/.test(body))
    return `${shown} is absolute; globs are relative to ${relativeTo}`;
  if (body.split('/').includes('..')) return `${shown} contains ".."; globs must stay inside ${relativeTo}`;
  const unbalanced = unbalancedBracket(body);
  if (unbalanced) return `${shown} has an unclosed "${unbalanced}"`;
  try {
    // minimatch reads nearly any text as a glob; this catches the few it refuses (e.g. over-long patterns).
    new Minimatch(glob, { dot: true });
  } catch (error) {
    return `${shown} is not a valid glob: ${(error as Error).message}`;
  }
  return undefined;
}

function unbalancedBracket(glob: string): string | undefined {
  let braces = 0;
  let inClass = false;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '{') braces++;
    else if (ch === '}') braces = Math.max(0, braces - 1);
  }
  return inClass ? '[' : braces > 0 ? '{' : undefined;
}

function readFileGlobs(c: Checker, node: YamlNode | null, where: YamlNode): string[] | undefined {
  const globs = readStringList(c, node, where, 'files', 'globs', (text, item, p) => {
    const problem = globProblem(text, 'each stage folder');
    if (!problem) return text;
    c.report(item, p, problem);
    return undefined;
  });
  if (globs && globs.length > 0 && globs.every((g) => g.startsWith('!'))) {
    c.report(node ?? where, 'files', 'every glob starts with "!", so no file is read; add one such as **/*.yaml');
  }
  if (globs && globs.length === 0 && isSeq(node) && node.items.length === 0) {
    c.report(
      node,
      'files',
      'expected at least one glob, e.g. ["**/*.yaml", "**/*.yml"] (leave files: out for that default)',
    );
    return undefined;
  }
  return globs;
}

function readKeyPath(c: Checker, entry: Entry, path: string): string | undefined {
  const text = readNonEmptyString(c, entry.value, entry.key, path, 'a key path such as app.image.tag');
  if (text === undefined) return undefined;
  if (KEY_PATH.test(text)) return text;
  c.report(
    entry.value ?? entry.key,
    path,
    `"${text}" is not a key path; write the keys joined by dots, e.g. app.image.tag`,
  );
  return undefined;
}

function readFields(c: Checker, node: YamlNode | null, where: YamlNode): FieldRule[] {
  if (!isSeq(node)) {
    c.report(
      node ?? where,
      'fields',
      `expected a list such as "- { files: envs/*/versions.yaml, tag: image_tag, image: ghcr.io/acme/api }", got ${describe(node)}`,
    );
    return [];
  }
  const out: FieldRule[] = [];
  node.items.forEach((raw, i) => {
    const item = c.resolve(raw);
    const path = `fields[${i}]`;
    const fields = readMap(c, item, node, path, FIELD_KEYS, 'a mapping with files:, tag: and image: (or repository:)');
    if (!fields || !item) return;
    const rule: FieldRule = { files: '', tag: '' };
    const files = fields.get('files');
    if (!files) c.report(item, path, 'missing "files:"; give a glob of repo-relative paths, e.g. envs/*/versions.yaml');
    else {
      const glob = readNonEmptyString(
        c,
        files.value,
        files.key,
        `${path}.files`,
        'a glob such as envs/*/versions.yaml',
      );
      const problem = glob === undefined ? undefined : globProblem(glob, 'the repository');
      if (problem) c.report(files.value ?? files.key, `${path}.files`, problem);
      else if (glob !== undefined) rule.files = glob;
    }
    const tag = fields.get('tag');
    if (!tag) c.report(item, path, 'missing "tag:"; give the key path of the tag, e.g. image_tag');
    else rule.tag = readKeyPath(c, tag, `${path}.tag`) ?? '';
    const image = fields.get('image');
    const repository = fields.get('repository');
    if (image && repository)
      c.report(
        repository.key,
        `${path}.repository`,
        'give either image: (the image name) or repository: (the key path holding it), not both',
      );
    else if (!image && !repository)
      c.report(
        item,
        path,
        'missing "image:" (the image name, e.g. ghcr.io/acme/api) or "repository:" (the key path holding it)',
      );
    else if (image) {
      const name = readNonEmptyString(
        c,
        image.value,
        image.key,
        `${path}.image`,
        'an image name such as ghcr.io/acme/api',
      );
      const unknown = name === undefined ? undefined : /\{(?!name\})([^}]*)\}/.exec(name)?.[1];
      if (unknown !== undefined) {
        c.report(
          image.value ?? image.key,
          `${path}.image`,
          `unknown placeholder {${unknown}}; the image template knows {name} (the file name without extension)`,
        );
      } else if (name !== undefined) {
        // The scanner fills {name} in; check the rest follows the image grammar.
        const parsed = tryParseImage(name.replace(/\{name\}/g, 'x'));
        if (!parsed)
          c.report(
            image.value ?? image.key,
            `${path}.image`,
            `"${name}" is not an image name such as ghcr.io/acme/api`,
          );
        else if (parsed.tag !== undefined || parsed.digest !== undefined) {
          const message = `"${name}" names a version; give the image without tag or digest (the tag: field holds the version)`;
          c.report(image.value ?? image.key, `${path}.image`, message);
        } else rule.image = name;
      }
    } else if (repository) {
      const keyPath = readKeyPath(c, repository, `${path}.repository`);
      if (keyPath !== undefined) rule.repository = keyPath;
    }
    const digest = fields.get('digest');
    if (digest) {
      const keyPath = readKeyPath(c, digest, `${path}.digest`);
      if (keyPath !== undefined) rule.digest = keyPath;
    }
    out.push(rule);
  });
  return out;
}

function readImages(c: Checker, node: YamlNode | null, where: YamlNode): ImagePolicy[] {
  if (!isSeq(node)) {
    c.report(
      node ?? where,
      'images',
      `expected a list such as "- { image: ghcr.io/acme/api, policy: { semver: '>=1.0.0' } }", got ${describe(node)}`,
    );
    return [];
  }
  const out: ImagePolicy[] = [];
  const seen = new Map<string, number>();
  node.items.forEach((raw, i) => {
    const item = c.resolve(raw);
    const path = `images[${i}]`;
    const fields = readMap(c, item, node, path, IMAGE_KEYS, 'a mapping with image: and policy:');
    if (!fields || !item) return;
    const line = c.position(item).line;
    const entry: ImagePolicy = { image: '', policy: {}, line };
    const image = fields.get('image');
    if (!image)
      c.report(item, path, 'missing "image:"; give the repository as written in manifests, e.g. ghcr.io/acme/api');
    else {
      const name = readNonEmptyString(
        c,
        image.value,
        image.key,
        `${path}.image`,
        'an image repository such as ghcr.io/acme/api',
      );
      const parsed = name === undefined ? undefined : tryParseImage(name);
      const at = image.value ?? image.key;
      if (name !== undefined && !parsed)
        c.report(at, `${path}.image`, `"${name}" is not an image repository such as ghcr.io/acme/api`);
      else if (parsed && (parsed.tag !== undefined || parsed.digest !== undefined)) {
        c.report(at, `${path}.image`, `"${name}" names a version; give the repository only: ${parsed.name}`);
      } else if (parsed) {
        const first = seen.get(parsed.repository);
        if (first !== undefined)
          c.report(at, `${path}.image`, `"${name}" already has a policy on line ${first}; give each image one policy`);
        else seen.set(parsed.repository, line);
        entry.image = parsed.repository;
      }
    }
    const policy = fields.get('policy');
    if (!policy)
      c.report(
        item,
        path,
        'missing "policy:"; e.g. "policy: { semver: \'>=1.0.0\' }", "{ numerical: asc }" or "{ alphabetical: asc }"',
      );
    else entry.policy = readPolicy(c, policy, `${path}.policy`);
    const filter = fields.get('filterTags');
    if (filter) {
      const filterTags = readFilterTags(c, filter, `${path}.filterTags`);
      if (filterTags) entry.policy.filterTags = filterTags;
    }
    out.push(entry);
  });
  return out;
}

function readOrder(c: Checker, entry: Entry, path: string): 'asc' | 'desc' | undefined {
  if (!isMap(entry.value)) return readEnum(c, entry.value, entry.key, path, ORDERS);
  // Flux spelling: { order: asc }.
  const fields = readMap(c, entry.value, entry.key, path, ORDER_KEYS, 'asc, desc or { order: asc }');
  const order = fields?.get('order');
  return order ? readEnum(c, order.value, order.key, `${path}.order`, ORDERS) : 'asc';
}

function readPolicy(c: Checker, entry: Entry, path: string): TagPolicy {
  const policy: TagPolicy = {};
  const fields = readMap(
    c,
    entry.value,
    entry.key,
    path,
    POLICY_KEYS,
    'a mapping such as "{ semver: \'>=1.0.0\' }", "{ numerical: asc }" or "{ alphabetical: asc }"',
  );
  if (!fields || !entry.value) return policy;
  const kinds = (['semver', 'numerical', 'alphabetical'] as const).filter((k) => fields.has(k));
  if (kinds.length === 0) c.report(entry.value, path, 'expected one of semver:, numerical: or alphabetical:');
  if (kinds.length > 1)
    c.report(
      fields.get(kinds[1])!.key,
      `${path}.${kinds[1]}`,
      `give one ordering, not both ${kinds[0]}: and ${kinds[1]}:`,
    );
  const prerelease = fields.get('prerelease');
  if (prerelease && !fields.has('semver'))
    c.report(prerelease.key, `${path}.prerelease`, 'prerelease: only applies with semver:');
  const sv = fields.get('semver');
  if (sv) {
    let rangeEntry: Entry | undefined = sv;
    if (isMap(sv.value)) {
      // Flux spelling: { range: ... }.
      rangeEntry = readMap(c, sv.value, sv.key, `${path}.semver`, SEMVER_KEYS, 'a range')?.get('range');
      if (!rangeEntry) c.report(sv.value, `${path}.semver`, 'missing "range:", e.g. ">=1.0.0 <2"');
    }
    const rangePath = rangeEntry === sv ? `${path}.semver` : `${path}.semver.range`;
    const range = rangeEntry
      ? readNonEmptyString(c, rangeEntry.value, rangeEntry.key, rangePath, 'a semver range such as ">=1.0.0 <2"')
      : undefined;
    if (range !== undefined && semver.validRange(normalizeSemverRange(range)) === null) {
      c.report(
        rangeEntry!.value ?? rangeEntry!.key,
        rangePath,
        `expected a semver range such as ">=1.0.0 <2", "^1.2" or "1.4.x", got ${JSON.stringify(range)}`,
      );
    }
    const allow = prerelease ? readBoolean(c, prerelease.value, prerelease.key, `${path}.prerelease`) : false;
    if (range !== undefined && kinds.length === 1) policy.semver = { range, prerelease: allow ?? false };
  }
  for (const kind of ['numerical', 'alphabetical'] as const) {
    const e = fields.get(kind);
    if (!e) continue;
    const order = readOrder(c, e, `${path}.${kind}`);
    if (order && kinds.length === 1) policy[kind] = order;
  }
  return policy;
}

function readFilterTags(c: Checker, entry: Entry, path: string): TagPolicy['filterTags'] {
  const fields = readMap(
    c,
    entry.value,
    entry.key,
    path,
    FILTER_KEYS,
    "a mapping such as \"{ pattern: '^main-(?<ts>[0-9]+)$', extract: '$ts' }\"",
  );
  if (!fields || !entry.value) return undefined;
  const patternEntry = fields.get('pattern');
  const extractEntry = fields.get('extract');
  if (!patternEntry) {
    c.report(entry.value, path, 'missing "pattern:", the regular expression tags must match');
    return undefined;
  }
  const pattern = readNonEmptyString(
    c,
    patternEntry.value,
    patternEntry.key,
    `${path}.pattern`,
    'a regular expression',
  );
  const extract = extractEntry
    ? readString(c, extractEntry.value, extractEntry.key, `${path}.extract`, 'a template such as $ts')
    : '';
  if (pattern === undefined || extract === undefined) return undefined;
  let regex: RegExp;
  try {
    regex = compileFilterPattern(pattern);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    c.report(patternEntry.value ?? patternEntry.key, `${path}.pattern`, `not a valid regular expression: ${reason}`);
    return undefined;
  }
  const groups = patternGroups(regex);
  for (const [, braced, bare] of extract.matchAll(/\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g)) {
    const name = braced ?? bare;
    if (name === undefined) continue;
    const known = /^[0-9]+$/.test(name) ? Number(name) <= groups.count : groups.names.includes(name);
    if (!known) {
      const hint =
        groups.names.length > 0
          ? ` (the pattern has ${groups.names.map((n) => `$${n}`).join(', ')})`
          : ' (the pattern has no named groups; add one such as (?<ts>[0-9]+))';
      c.report(
        extractEntry?.value ?? entry.value,
        `${path}.extract`,
        `"$${name}" names no group of the pattern${hint}`,
      );
    }
  }
  return { pattern, extract };
}

// ---------------------------------------------------------------------------------------------------------------
// Stages from flags, and lookups

/** Stages from `--stage NAME=PATH[,PATH...]` values, in the order given; throws ConfigError (file `<flags>`, line = flag number). */
export function stagesFromFlags(flags: string[]): Pipeline {
  const c = new Checker(FLAGS_FILE);
  const stages: Stage[] = [];
  const names: { name: string; where: Where; label: string }[] = [];
  const owned: OwnedPath[] = [];
  if (flags.length === 0)
    c.report({ line: 0 }, '', 'no stages given; pass --stage NAME=PATH for each stage, in promotion order');
  flags.forEach((flag, i) => {
    const line = i + 1;
    const label = `--stage ${JSON.stringify(flag)}`;
    const eq = flag.indexOf('=');
    if (eq === -1) {
      c.report({ line, column: 1 }, label, 'expected NAME=PATH[,PATH...], e.g. --stage dev=envs/dev');
      return;
    }
    const name = flag.slice(0, eq).trim();
    const problem = name === '' ? 'the stage name before "=" is missing' : stageNameProblem(name);
    if (problem) c.report({ line, column: 1 }, label, problem);
    else names.push({ name, where: { line, column: 1 }, label });
    const paths: string[] = [];
    let column = eq + 2;
    for (const part of flag.slice(eq + 1).split(',')) {
      const normalized = normalizeStagePath(part.trim());
      if ('problem' in normalized) c.report({ line, column }, label, normalized.problem);
      else {
        paths.push(normalized.path);
        // A flag without a name is already refused; its folders would only add confusing overlaps.
        if (name !== '') owned.push({ index: i, stage: name, path: normalized.path, where: { line, column }, label });
      }
      column += part.length + 1;
    }
    stages.push({ name, paths, pullRequest: defaultPullRequest(name), gates: defaultGates(), line });
  });
  checkDuplicateNames(c, names);
  checkOverlaps(c, owned);
  if (c.problems.length > 0) c.fail();
  return { configFile: FLAGS_FILE, stages, files: [...DEFAULT_FILES], fields: [], images: [] };
}

/** The stage named `name`; ConfigError naming the known stages (and the closest one) otherwise. */
export function findStage(pipeline: Pipeline, name: string): Stage {
  const stage = pipeline.stages.find((s) => s.name === name);
  if (stage) return stage;
  const known = pipeline.stages.map((s) => s.name);
  throw new ConfigError([
    {
      file: pipeline.configFile ?? FLAGS_FILE,
      line: 0,
      message: `no stage is named "${name}"${didYouMean(name, known)} (the stages are ${known.join(', ') || 'none'})`,
    },
  ]);
}

/** The stage after `name` in promotion order, undefined for the last one; ConfigError for an unknown name. */
export function nextStage(pipeline: Pipeline, name: string): Stage | undefined {
  const stage = findStage(pipeline, name);
  return pipeline.stages[pipeline.stages.indexOf(stage) + 1];
}
