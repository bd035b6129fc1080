// The plan's headline: one sentence that says what the plan found, or why it found nothing, for every renderer.
import type { Change, PlanOutcome } from './plan-types.js';

/** What the headline reads of a plan's input (the planner's PlanInput has these and more). */
export interface HeadlineInput {
  from: string;
  /** The target stage. */
  target: { name: string; paths: string[] };
  /** `--only` globs. */
  only?: string[];
  /** The source stage's paths, named when it holds no reference. */
  sourcePaths?: string[];
  /** Folders outside every stage that hold images, for a hint. */
  outside?: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The plan's one-sentence truth: "nothing to promote" only when something was compared and found equal. */
export function headline(input: HeadlineInput, changes: Change[], counts: Omit<PlanOutcome, 'headline'>): string {
  const { from, target } = input;
  const files = new Set(changes.map((change) => change.file)).size;
  const unmatched =
    counts.unmatched > 0
      ? `; ${plural(counts.unmatched, 'image reference')} could not be matched (see Not promoted)`
      : '';
  const hint =
    input.outside && input.outside.length > 0
      ? ` (${input.outside.join(', ')}, outside every stage, ${input.outside.length === 1 ? 'holds' : 'hold'} images: add ${input.outside.length === 1 ? 'it' : 'them'} to a stage's paths, or pin the versions in each stage)`
      : '';
  if (counts.targetReferences === 0) {
    const none =
      counts.sourceReferences === 0 && input.sourcePaths ? [...input.sourcePaths, ...target.paths] : target.paths;
    return `no image references found under ${none.join(', ')}${hint}`;
  }
  if (counts.sourceReferences === 0 && input.sourcePaths)
    return `no image references found under ${input.sourcePaths.join(', ')} (${from}), so nothing to compare${hint}`;
  if (changes.length > 0) return `${plural(changes.length, 'change')} in ${plural(files, 'file')}${unmatched}`;
  if (counts.compared > 0)
    return `nothing to promote, ${target.name} already runs what ${from} offers (${plural(counts.compared, 'reference')} compared)${unmatched}`;
  if (counts.unmatched > 0)
    return `nothing promoted: ${plural(counts.unmatched, 'image reference')} could not be matched (see Not promoted)`;
  return `nothing compared: ${target.name} and ${from} hold no image in common${input.only && input.only.length > 0 ? ` that --only ${input.only.join(', ')} selects` : ''}`;
}
