// What the action writes for a big config repo, against GitHub's limits: the job summary (1 MiB) and the step outputs
// (1 MB each). Runs the action's entry as GitHub does (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP).
// Usage: npx tsx scripts/bench-sizes.ts [--workloads 10000] [--source]  (--source: the TypeScript entry via tsx)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from './bench-repo.js';

export interface Sizes {
  command: string;
  summary: number;
  outputs: Record<string, number>;
  files: Record<string, number>;
}

function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (!heredoc) continue;
    const end = lines.indexOf(heredoc[2], i + 1);
    outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

export function measureSizes(repo: string, source: boolean): Sizes[] {
  const entry = source ? ['--import', 'tsx', path.resolve('src/action/index.ts')] : [path.resolve('dist/index.js')];
  return (['plan', 'status'] as const).map((command) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagecoach-sizes-'));
    const output = path.join(dir, 'output');
    const summary = path.join(dir, 'summary');
    writeFileSync(output, '');
    writeFileSync(summary, '');
    const run = spawnSync(process.execPath, entry, {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_WORKSPACE: repo,
        RUNNER_TEMP: dir,
        INPUT_COMMAND: command,
        INPUT_FROM: command === 'plan' ? 'dev' : '',
        INPUT_TO: command === 'plan' ? 'staging' : '',
      },
    });
    if (run.status !== 0) throw new Error(`${command} failed:\n${run.stdout}\n${run.stderr}`);
    const outputs = parseOutputs(readFileSync(output, 'utf8'));
    return {
      command,
      summary: statSync(summary).size,
      outputs: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, Buffer.byteLength(value)])),
      files: Object.fromEntries(
        Object.entries(outputs)
          .filter(([name]) => name.endsWith('-file'))
          .map(([name, file]) => [name, statSync(file).size]),
      ),
    };
  });
}

export function printSizes(sizes: Sizes[], workloads: number): void {
  console.log(
    `\nAction output sizes at ${workloads.toLocaleString('en-US')} workloads (bytes; GitHub drops a summary over 1,048,576 and refuses an output over 1,000,000):\n`,
  );
  for (const size of sizes) {
    const outputs = Object.entries(size.outputs)
      .map(([name, bytes]) => `${name} ${bytes.toLocaleString('en-US')}`)
      .join(', ');
    const files = Object.entries(size.files)
      .map(([name, bytes]) => `${name} → ${bytes.toLocaleString('en-US')}`)
      .join(', ');
    console.log(
      `  ${size.command.padEnd(7)} summary ${size.summary.toLocaleString('en-US')}; outputs: ${outputs}${files ? `; files: ${files}` : ''}`,
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { workloads: { type: 'string', default: '10000' }, source: { type: 'boolean', default: false } },
  });
  const workloads = Number(values.workloads);
  printSizes(measureSizes(generate(path.resolve('.bench'), workloads), values.source), workloads);
}
