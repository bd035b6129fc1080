// The outcome of `verify`: every version a pull request sets, and what is wrong with each.
import type { GateResult } from './gate-result.js';
import type { Skipped } from './image-reference.js';

/** One version the pull request sets, where, and what was found wrong with it (empty when it passes). */
export interface VerifiedChange {
  stage: string;
  upstream?: string;
  file: string;
  line: number;
  column: number;
  image: string;
  old?: string;
  new: string;
  problems: string[];
}

export interface VerifyResult {
  base: string;
  head: string;
  stages: string[];
  changes: VerifiedChange[];
  /** Changed files in a checked stage that verify could not read: a required check fails closed on each. */
  skipped: Skipped[];
  gates: GateResult[];
  passed: boolean;
}
