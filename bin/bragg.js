#!/usr/bin/env node
// Entry point of the `bragg` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (the CLI at dist/src/cli/main.js, and in a checkout the bench commands at dist/bench/cli.js).
//
// The exit path, the same for every command:
// - A command is done when main's promise settles (long-running ones such as `bragg worker` only
//   settle on shutdown). Then stdout and stderr are flushed — on a pipe whose reader is slower
//   than bragg, writes wait in memory, and exiting before they drain cuts the output (at 64 KiB,
//   the pipe's size) — and only then does the process exit, explicitly: thread pools of the wasm
//   backend and other libraries may hold handles that would otherwise keep it alive.
// - When the reader of stdout goes away (`bragg … | head -1`, EPIPE), the command stops quietly
//   (nothing on stderr) with exit status 141 = 128 + SIGPIPE: what `cat`, `seq` or `git log` give
//   in the same place, so that `set -o pipefail` scripts see the output was cut. The CLI aborts
//   the command's stop signal then (as Ctrl-C does: a dataset run or a training ends as
//   `interrupted` in the run registry); bin waits for main to settle, at most WIND_DOWN_MS, and
//   exits 141 in any case.
// - An error that escapes main is a bug: one line and a hint, the stack only with BRAGG_DEBUG=1.
//   So is an uncaught exception or an unhandled rejection anywhere in the process; they are
//   handled here, before any library, because tfjs-backend-wasm (emscripten) installs handlers
//   that rethrow them — Node then exits 7 and prints the line of minified wasm glue it came from.
import { existsSync, writeSync } from 'node:fs';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';

/** Exit status when stdout's reader went away: 128 + SIGPIPE, as a process killed by it. */
const BROKEN_PIPE = 141;
/** How long a command may take to wind down (finish a shard, a batch) after a broken pipe. */
const WIND_DOWN_MS = 5000;

let brokenPipe = false;
/** @type {Promise<void> | undefined} */
let exiting;

/**
 * Exits with `code` once stdout and stderr have flushed (the first call decides; after a broken
 * pipe, found before or while flushing, the status is 141 whatever the command returned).
 * @param {number} code
 */
function exitAfterFlush(code) {
  exiting ??= Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() =>
    process.exit(brokenPipe ? BROKEN_PIPE : code),
  );
}

/**
 * Resolves when everything written to `stream` so far has been handed to the OS (or the stream
 * failed: nothing more can be written then).
 * @param {NodeJS.WriteStream} stream
 * @returns {Promise<void>}
 */
function flushed(stream) {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve();
    stream.once('close', () => resolve());
    try {
      // Writes complete in order: this one's callback runs after every earlier write drained.
      stream.write('', () => resolve());
    } catch {
      resolve();
    }
  });
}

process.stdout.on('error', (err) => {
  if (/** @type {NodeJS.ErrnoException} */ (err).code === 'EPIPE') {
    if (brokenPipe) return;
    brokenPipe = true;
    // main's own listener has asked the command to stop; exit when it has, or after the bound.
    setTimeout(() => exitAfterFlush(BROKEN_PIPE), WIND_DOWN_MS);
    return;
  }
  if (!process.stderr.destroyed) {
    process.stderr.write(`bragg: cannot write the output: ${err.message}\n`);
  }
  exitAfterFlush(1);
});
process.stderr.on('error', () => {
  // Nowhere left to report to; stdout may still be fine, so the command goes on.
});

/** @param {unknown} err */
function internalErrorText(err) {
  const message = err instanceof Error ? err.message : String(err);
  const debug = Boolean(process.env.BRAGG_DEBUG);
  const detail =
    debug && err instanceof Error && err.stack
      ? `${err.stack}\n`
      : 'bragg: this is a bug; rerun with BRAGG_DEBUG=1 to see where it happened\n';
  return `bragg: internal error: ${message}\n${detail}`;
}

/** @param {unknown} err */
function internalError(err) {
  process.stderr.write(internalErrorText(err));
}

/**
 * An exception nobody caught, or a rejection nobody handled: a bug, reported in one line, and
 * the process exits now, synchronously — the handlers libraries add after this one (emscripten's
 * rethrow) must not run. An EPIPE that escaped (a write to a closed pipe) is a broken pipe.
 * @param {unknown} err
 */
function uncaught(err) {
  const epipe = /** @type {NodeJS.ErrnoException} */ (err)?.code === 'EPIPE';
  if (!epipe) {
    try {
      writeSync(2, internalErrorText(err));
    } catch {
      // stderr is gone too
    }
  }
  process.exit(epipe || brokenPipe ? BROKEN_PIPE : 1);
}
process.on('uncaughtException', uncaught);
process.on('unhandledRejection', uncaught);

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
// The bench commands are in a checkout's build only (they are not shipped).
const bench = new URL('../dist/bench/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'bragg: the compiled CLI is missing (dist/src/cli/main.js): run `npm run build`\n',
  );
  exitAfterFlush(1);
} else {
  Promise.all([import(entry.href), existsSync(bench) ? import(bench.href) : { BENCH_COMMANDS: [] }])
    .then(
      (
        /** @type {[{ main(argv: string[], o: object): Promise<number> }, { BENCH_COMMANDS: unknown[] }]} */ [
          m,
          b,
        ],
      ) => m.main(process.argv, { commands: b.BENCH_COMMANDS }),
    )
    .then(
      (code) => exitAfterFlush(code),
      (err) => {
        internalError(err);
        exitAfterFlush(1);
      },
    );
}
