// The action's entry (dist/index.js): wiring only. run() handles every error itself and fails the step; a cancelled job
// (SIGINT, then SIGTERM from the runner) stops the running gate and removes what is half done before the step ends.
import '../adapters/event-file.js'; // first: sets aside an event file @actions/github would crash on at import
import { handleInterrupts, handleOutputErrors, type InterruptHandlers } from '../adapters/interrupts.js';
import { run } from './run-action.js';

const handlers: InterruptHandlers = {
  exit: (code) => process.exit(code),
  report: (message) => process.stderr.write(`stagecoach: ${message}\n`),
};
handleInterrupts(handlers);
handleOutputErrors(handlers);

void run();
