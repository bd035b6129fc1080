#!/usr/bin/env node
// `stagecoach` CLI entry: wiring only.
import { runCli } from './cli/run-cli.js';

const exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
});
process.exitCode = exitCode;
