// The action's entry (dist/index.js): wiring only.
import { run } from './main.js';

await run();
