// Plans and policy for the PR-step tests, built the way core/plan.ts shapes them (sorted changes, one ImageChange per image).
import type { PullRequestPolicy } from '../../src/core/config/index.js';
import type { Change, Plan } from '../../src/core/plan-types.js';

/** The default policy of a dev → staging promotion, and the branch it names. */
export const policy: PullRequestPolicy = {
  labels: ['promotion', 'stage:staging'],
  reviewers: [],
  teamReviewers: [],
  assignees: [],
  draft: false,
  autoMerge: false,
  branch: 'stagecoach/{from}-to-{to}',
};
export const BRANCH = 'stagecoach/dev-to-staging';

/** A clock fixed at `iso`: the build time of a run, so the later of two runs is known. */
export const clock = (iso: string) => () => new Date(iso);

export interface ChangeSpec {
  file: string;
  image: string;
  old: string;
  new: string;
  line?: number;
  workload?: string;
  downgrade?: boolean;
}

export function makePlan(from: string, to: string, specs: ChangeSpec[]): Plan {
  const changes: Change[] = specs
    .map((spec) => ({
      file: spec.file,
      line: spec.line ?? 7,
      column: 16,
      image: spec.image,
      name: spec.image,
      ...(spec.workload ? { workload: spec.workload, container: spec.workload.split('/')[1] } : {}),
      format: 'workload' as const,
      old: spec.old,
      new: spec.new,
      downgrade: spec.downgrade ?? false,
    }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const images = [...new Set(changes.map((change) => change.image))].sort().map((image) => {
    const mine = changes.filter((change) => change.image === image);
    return {
      image,
      old: [...new Set(mine.map((change) => change.old))].sort(),
      new: mine[0].new,
      downgrade: mine.some((change) => change.downgrade),
      files: new Set(mine.map((change) => change.file)).size,
    };
  });
  return { from, to, source: 'stage', changes, images, notPromoted: [], skipped: [], warnings: [] };
}
