// Imported first by the action's entry, before anything loads @actions/github: its context parses GITHUB_EVENT_PATH
// at import and ends in a Node stack on a file that is not JSON. Such a file is set aside here (the variable moves to
// STAGECOACH_INVALID_EVENT_PATH) and the action reports it as an input problem.
import { existsSync, readFileSync } from 'node:fs';

export const INVALID_EVENT_PATH = 'STAGECOACH_INVALID_EVENT_PATH';

const file = process.env.GITHUB_EVENT_PATH;
if (file && existsSync(file)) {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    process.env[INVALID_EVENT_PATH] = file;
    delete process.env.GITHUB_EVENT_PATH;
  }
}
