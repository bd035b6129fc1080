// `files:`: which files of each stage are scanned, as globs relative to the stage folder (`!` excludes); top-level, and
// per stage (added to the top-level list).
import { Minimatch } from 'minimatch';
import { isSeq } from 'yaml';
import { type Checker, type YamlNode, readStringList } from './checker.js';

export const DEFAULT_FILES = ['**/*.yaml', '**/*.yml'];

/** Why a glob is refused, or undefined. `!` negates; globs are relative, never absolute or climbing with `..`. */
export function globProblem(glob: string, relativeTo: string): string | undefined {
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

/** A list of globs (or one), at least one of them not a negation; undefined when the list itself is refused. */
export function readFileGlobs(
  c: Checker,
  node: YamlNode | null,
  where: YamlNode,
  path = 'files',
  relativeTo = 'each stage folder',
  /** A stage's own list adds to the top-level one, so `!` globs alone narrow it. */
  addsTo = false,
): string[] | undefined {
  const globs = readStringList(c, node, where, path, 'globs', (text, item, p) => {
    const problem = globProblem(text, relativeTo);
    if (!problem) return text;
    c.report(item, p, problem);
    return undefined;
  });
  if (!addsTo && globs && globs.length > 0 && globs.every((g) => g.startsWith('!'))) {
    c.report(node ?? where, path, 'every glob starts with "!", so no file is read; add one such as **/*.yaml');
  }
  if (globs && globs.length === 0 && isSeq(node) && node.items.length === 0) {
    c.report(
      node,
      path,
      'expected at least one glob, e.g. ["**/*.yaml", "**/*.yml"] (leave files: out for that default)',
    );
    return undefined;
  }
  return globs;
}
