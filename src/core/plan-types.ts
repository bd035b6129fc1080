// The plan: one sorted, serialisable object that every renderer (PR body, commit message, summary, CLI, JSON) reads.
import type { ArtifactKind, Finding, ImageFormat, Skipped } from './image-reference.js';

/** One scalar edit in the target stage. */
export interface Change {
  /** Repo-relative path, `/`-separated. */
  file: string;
  line: number;
  column: number;
  /** Canonical repository (`ghcr.io/acme/api`). */
  image: string;
  /** The name as written in the file. */
  name: string;
  workload?: string;
  container?: string;
  format: ImageFormat;
  /** `chart` for a Helm chart version (`image` names the chart); absent for images. */
  kind?: ArtifactKind;
  /** Versions as written: `tag`, `tag@digest` or `@digest`. */
  old: string;
  new: string;
  /** Both versions comparable (semver, numeric) and `new` is older. */
  downgrade: boolean;
}

/** An image of the source the target stage does not hold, or one the plan will not decide on. */
export interface NotPromoted {
  image: string;
  version: string;
  reason: string;
  file?: string;
  line?: number;
}

/** One row per image: what the target moves from and to (several `old` when the stage held several versions). */
export interface ImageChange {
  image: string;
  old: string[];
  new: string;
  downgrade: boolean;
  files: number;
}

export type SourceKind = 'stage' | 'images' | 'registry';

/** What the plan compared, so no renderer can pass a blind plan off as a clean one. */
export interface PlanOutcome {
  /** Image references read in the target stage / offered by the source. */
  targetReferences: number;
  sourceReferences: number;
  /** Target references paired with a source version (changed or found equal). */
  compared: number;
  /** Target references whose image the source holds but that could not be paired (see notPromoted). */
  unmatched: number;
  /** One sentence saying what happened: changes, "nothing to promote" only after a comparison, or what is missing. */
  headline: string;
}

export interface Plan {
  /** Source stage name, or `images` when versions were named on the command line / resolved from the registry. */
  from: string;
  to: string;
  source: SourceKind;
  /** Sorted by file, line, column. */
  changes: Change[];
  /** Sorted by image. */
  images: ImageChange[];
  notPromoted: NotPromoted[];
  skipped: Skipped[];
  warnings: Finding[];
  /** Set by planPromotion; absent on plans read back from a commit. */
  outcome?: PlanOutcome;
}
