// The action's entry (dist/index.js): wiring only. run() handles every error itself and fails the step.
import { run } from './run-action.js';

void run();
