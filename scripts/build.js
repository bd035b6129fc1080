// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with ncc; both are committed and checked for freshness in CI.
// tsc emits ESM JavaScript first: ncc's webpack reads .ts entries as CommonJS, which breaks ESM-only packages' exports.
import ncc from '@vercel/ncc';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const entries = [
  { input: '.build/action/index.js', output: 'index.js' },
  { input: '.build/cli/index.js', output: 'cli.js', executable: true },
];

rmSync('.build', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
for (const entry of entries) {
  const { code, assets } = await ncc(path.resolve(entry.input), {
    quiet: true,
    minify: false,
    sourceMap: false,
    license: 'licenses.txt',
    esm: true,
  });
  // Chunks: client-node, imported only when a command reads a cluster (src/adapters/kube-client.ts). ncc names every
  // chunk <id>.index.js; each entry's get its own suffix (<id>.cli.js), and the loader is told so.
  const suffix = entry.output.replace(/\.js$/, '');
  for (const [name, asset] of Object.entries(assets ?? {})) {
    if (name === 'licenses.txt' || name === 'package.json') continue;
    if (!/^\d+\.index\.js$/.test(name)) throw new Error(`${entry.input}: ncc emitted an unexpected file ${name}`);
    writeFileSync(`dist/${name.replace(/\.index\.js$/, `.${suffix}.js`)}`, asset.source);
  }
  if (assets?.['licenses.txt']) writeFileSync('dist/licenses.txt', assets['licenses.txt'].source);
  const loader = 'return "" + chunkId + ".index.js";';
  if (Object.keys(assets ?? {}).some((name) => name.endsWith('.index.js')) && !code.includes(loader))
    throw new Error(`${entry.input}: the chunk loader was not found; the chunks could not be renamed`);
  const body = code.replace(/^#!.*\n/, '').replace(loader, `return "" + chunkId + ".${suffix}.js";`);
  writeFileSync(`dist/${entry.output}`, entry.executable ? `#!/usr/bin/env node\n${body}` : body);
  if (entry.executable) chmodSync(`dist/${entry.output}`, 0o755);
}
writeFileSync('dist/package.json', '{ "type": "module" }\n');
rmSync('.build', { recursive: true, force: true });
