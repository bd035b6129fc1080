#!/usr/bin/env node
// `stagecoach` CLI entry: wiring only. runCli() turns every error into a message and an exit code.
import { runCli } from './run-cli.js';

void runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
}).then((exitCode) => {
  process.exitCode = exitCode;
});
