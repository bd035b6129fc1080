// The action's inputs, outputs, job summary and log, over @actions/core. Tests pass a fake that records calls.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { StagecoachError } from '../core/errors.js';
import { quoteControlInMessage } from '../core/report/terminal-text.js';

/** The runner's output file refused a write (a full disk): the step fails with this one line. */
export class OutputError extends StagecoachError {
  readonly kind = 'failure';
}

export interface Annotation {
  file: string;
  line: number;
  column?: number;
}

export interface ActionIo {
  /** The input's value, trimmed; '' when unset. */
  input(name: string): string;
  setOutput(name: string, value: string): void;
  /** Appends Markdown to the job summary. */
  summary(markdown: string): Promise<void>;
  log(level: 'debug' | 'info' | 'notice' | 'warning' | 'error', message: string, where?: Annotation): void;
  /** Ends the open `::group::` of the log, if any, and opens one named `name` (none when undefined). */
  group(name: string | undefined): void;
  /** Writes `text` to a new file in RUNNER_TEMP (the job's scratch folder) and returns its path. */
  saveFile(name: string, text: string): string;
  /** Masks a value in every later log line. */
  setSecret(value: string): void;
  /** Marks the step failed (the one place: main.ts). */
  fail(message: string): void;
}

export function createActionIo(): ActionIo {
  let open = false;
  return {
    input: (name) => core.getInput(name),
    setOutput: (name, value) => {
      try {
        core.setOutput(name, value);
      } catch (error) {
        throw new OutputError(`cannot write the step's output ${name} to GITHUB_OUTPUT: ${(error as Error).message}`);
      }
    },
    summary: async (markdown) => {
      // Outside a job (a local run, a runner that sets no summary file) the summary is skipped, never the step.
      if (!process.env.GITHUB_STEP_SUMMARY) {
        core.warning('No job summary written: GITHUB_STEP_SUMMARY is not set (not running in a GitHub Actions job?)');
        return;
      }
      try {
        await core.summary.addRaw(markdown, true).write();
      } catch (error) {
        core.summary.emptyBuffer();
        core.warning(`No job summary written: ${(error as Error).message}`);
      }
    },
    log(level, raw, where) {
      const message = quoteControlInMessage(raw);
      const properties = where
        ? { file: where.file, startLine: where.line, ...(where.column ? { startColumn: where.column } : {}) }
        : undefined;
      if (level === 'debug') core.debug(message);
      else if (level === 'info') core.info(message);
      else if (level === 'notice') core.notice(message, properties);
      else if (level === 'warning') core.warning(message, properties);
      else core.error(message, properties);
    },
    group(name) {
      if (open) core.endGroup();
      open = name !== undefined;
      if (name !== undefined) core.startGroup(quoteControlInMessage(name));
    },
    saveFile(name, text) {
      // A fresh name per run: two steps of a job never overwrite each other's files; outside a job, the system's temp.
      const file = path.join(process.env.RUNNER_TEMP || tmpdir(), `stagecoach-${randomUUID().slice(0, 8)}-${name}`);
      writeFileSync(file, text, { mode: 0o600 });
      return file;
    },
    setSecret: (value) => core.setSecret(value),
    fail: (message) => core.setFailed(quoteControlInMessage(message)),
  };
}
