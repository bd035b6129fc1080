// Stagecoach's version for `--version`: from the package.json beside the running file's folder (dist/cli.js, installed
// or in the repo) or two up (src/cli/ under tsx).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function packageVersion(moduleUrl: string): string | undefined {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(fileURLToPath(new URL(relative, moduleUrl)), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === 'stagecoach' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}
