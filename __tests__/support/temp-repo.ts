// A config repo in a temp folder, written from a map of repo-relative paths to texts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function tempRepo(files: Record<string, string>, name = 'repo'): string {
  const dir = mkdtempSync(path.join(tmpdir(), `stagecoach-${name}-`));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
