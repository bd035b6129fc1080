// Files a stage holds but Stagecoach did not read (invalid YAML, not UTF-8, symlinks…): an image offered to the stage
// may be in one of them, so it is reported as "not read" there, never as missing from the stage.
import type { Skipped } from './image-reference.js';
import { placeOf } from './match.js';
import { HELM_TEMPLATE } from './scan.js';

/** Why an offered image was not found in `stage`, given the stage's unread files and the place the source holds it at. */
export function notFoundReason(
  stage: { name: string; paths: string[]; places?: Record<string, string>; skipped: Skipped[] },
  sourcePlace: string | undefined,
): string | undefined {
  const unread = stage.skipped.filter((item) => !item.reason.startsWith(HELM_TEMPLATE));
  if (unread.length === 0) return undefined;
  const same = unread.find((item) => sourcePlace !== undefined && placeOf(item.file, stage) === sourcePlace);
  if (same) return `not read in ${stage.name}: ${same.file}:${same.line} was skipped (${same.reason})`;
  const list = unread
    .slice(0, 3)
    .map((item) => `${item.file}:${item.line}`)
    .join(', ');
  const more = unread.length > 3 ? `, ${unread.length - 3} more` : '';
  return `not found in the files of ${stage.name} Stagecoach read; ${unread.length} of its files ${unread.length === 1 ? 'was' : 'were'} not read (${list}${more}): if it is in one of them, fix it as the skipped list says`;
}
