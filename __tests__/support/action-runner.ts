// Runs the bundled action (dist/index.js) the way GitHub runs it: INPUT_* and GITHUB_* variables, output and summary files.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses a GITHUB_OUTPUT file: `name=value` lines and `name<<DELIM ... DELIM` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return outputs;
}

/** The action's entry: the bundle GitHub runs, or (STAGECOACH_ACTION_ENTRY=source, or `source: true`) the TypeScript
 *  entry through tsx, so that a change is tested before dist/ is rebuilt. */
function entry(source = process.env.STAGECOACH_ACTION_ENTRY === 'source'): string[] {
  return source ? ['--import', 'tsx', path.resolve('src/action/index.ts')] : [path.resolve('dist/index.js')];
}

export interface RunOptions {
  source?: boolean;
}

function prepare(inputs: Record<string, string>, env: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-action-'));
  const outputFile = path.join(dir, 'output');
  const summaryFile = path.join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]),
  );
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('INPUT_') && !name.startsWith('GITHUB_')),
  );
  const childEnv = {
    ...clean,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
    ...inputEnv,
    ...env,
  };
  const collect = (status: number | null, stdout: string, stderr: string): ActionRun => ({
    status,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
  });
  return { childEnv, collect };
}

export function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  options: RunOptions = {},
): ActionRun {
  const { childEnv, collect } = prepare(inputs, env);
  const result = spawnSync(process.execPath, entry(options.source), { encoding: 'utf8', env: childEnv });
  return collect(result.status, result.stdout, result.stderr);
}

/** Like runAction, without blocking the event loop: for servers running in the test's own process (the GitHub emulator). */
export function runActionAsync(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  options: RunOptions = {},
): Promise<ActionRun> {
  const { childEnv, collect } = prepare(inputs, env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, entry(options.source), { env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve(collect(status, stdout, stderr)));
  });
}
