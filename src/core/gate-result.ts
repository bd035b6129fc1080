// What every gate reports: rendered in the job summary and the PR body, pass or fail, with its duration.

export type GateKind = 'registry' | 'soak' | 'commands' | 'health';

export interface GateResult {
  gate: GateKind;
  /** `registry`, `soak`, or the command's name. */
  name: string;
  passed: boolean;
  durationMs: number;
  /** One line per finding: which image and why (`ghcr.io/acme/api 1.5.0: tag not found in the registry`). */
  details: string[];
  /** Per-image failures, so a check can annotate the exact file and line that set the version. */
  failures?: { image: string; version: string; message: string }[];
  /** Tail of a command's output (commands gate), for the summary and PR body. */
  output?: string;
}
