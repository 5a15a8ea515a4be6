#!/usr/bin/env node
// Entry point of the `bragg` command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
