// Stages from `--stage NAME=PATH[,PATH...]` flags, checked by the same rules as the config file's stages.
import { Checker, type Where } from './checker.js';
import { defaultGates } from './gates.js';
import { FLAGS_FILE, type Pipeline, defaultPipeline } from './pipeline.js';
import { defaultPullRequest } from './pull-request.js';
import { type OwnedPath, checkOverlaps, normalizeStagePath } from './stage-paths.js';
import { type NamedAt, type Stage, checkDuplicateNames, stageNameProblem } from './stages.js';

/** Stages from `--stage` values, in the order given; throws ConfigError (file `<flags>`, line = flag number). */
export function stagesFromFlags(flags: string[]): Pipeline {
  const c = new Checker(FLAGS_FILE, undefined, undefined, (line) => `--stage number ${line}`);
  const names: NamedAt[] = [];
  const owned: OwnedPath[] = [];
  if (flags.length === 0)
    c.report({ line: 0 }, '', 'no stages given; pass --stage NAME=PATH for each stage, in promotion order');
  const stages = flags.flatMap((flag, i) => readFlag(c, flag, i, names, owned));
  checkDuplicateNames(c, names);
  checkOverlaps(c, owned);
  if (c.problems.length > 0) c.fail();
  return { ...defaultPipeline(FLAGS_FILE), stages };
}

/** `a,b` → `a`, `b`; a comma inside a glob's braces (`envs/{dev,qa}`) separates nothing. */
function splitPaths(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') depth = Math.max(0, depth - 1);
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** One flag as a stage (line = its number, column = the place in the flag), or nothing when it has no `=`. */
function readFlag(c: Checker, flag: string, i: number, names: NamedAt[], owned: OwnedPath[]): Stage[] {
  const line = i + 1;
  const label = `--stage ${JSON.stringify(flag)}`;
  const eq = flag.indexOf('=');
  if (eq === -1) {
    c.report({ line, column: 1 }, label, 'expected NAME=PATH[,PATH...], e.g. --stage dev=envs/dev');
    return [];
  }
  const name = flag.slice(0, eq).trim();
  const problem = name === '' ? 'the stage name before "=" is missing' : stageNameProblem(name);
  const nameAt: Where = { line, column: 1 };
  if (problem) c.report(nameAt, label, problem);
  else names.push({ name, where: nameAt, label });
  const paths: string[] = [];
  let column = eq + 2;
  for (const part of splitPaths(flag.slice(eq + 1))) {
    const normalized = normalizeStagePath(part.trim());
    if ('problem' in normalized) c.report({ line, column }, label, normalized.problem);
    else {
      paths.push(normalized.path);
      // A flag without a name is already refused; its folders would only add confusing overlaps.
      if (name !== '') owned.push({ index: i, stage: name, path: normalized.path, where: { line, column }, label });
    }
    column += part.length + 1;
  }
  return [{ name, paths, pullRequest: defaultPullRequest(name), gates: defaultGates(), live: [], line }];
}
