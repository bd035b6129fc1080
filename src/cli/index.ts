#!/usr/bin/env node
// `stagecoach` CLI entry: wiring only. runCli() turns every error into a message and an exit code; signals and broken
// output streams stop the run here, after the running gate is stopped and what is half done is removed.
import { handleInterrupts, handleOutputErrors, type InterruptHandlers } from '../adapters/interrupts.js';
import { runCli } from './run-cli.js';
import { packageVersion } from './version.js';

const handlers: InterruptHandlers = {
  exit: (code) => process.exit(code),
  report: (message) => process.stderr.write(`stagecoach: ${message}\n`),
};
handleInterrupts(handlers);
handleOutputErrors(handlers);

void runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  version: packageVersion(import.meta.url),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  stderrRaw: (text) => process.stderr.write(text),
}).then((exitCode) => {
  process.exitCode = exitCode;
});
