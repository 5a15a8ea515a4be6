#!/usr/bin/env node
// Entry point of the `bragg` command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { main } from '../dist/cli/main.js';

// A command is done when its promise settles (long-running ones such as `bragg worker` only
// settle on shutdown). Exit then, explicitly: thread pools of the wasm backend and other
// libraries may hold handles that would otherwise keep a finished command alive.
// (stdout/stderr writes to files, pipes and TTYs are synchronous on Linux, so nothing is lost.)
main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
