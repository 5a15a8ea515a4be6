// A stand-in for the compiled CLI's `main` (see redirect-main.mjs): behaves as BRAGG_TEST_MAIN
// says, so that tests of bin/bragg.js's exit path do not depend on any real command.
//   throw       rejects with a TypeError (a bug escaping main)
//   stream      writes a line to stdout every millisecond and never settles (a long-running command)
//   code        resolves to exit code 3
//   wind-down   streams like `stream`; when stdout's reader goes away (EPIPE) it takes 300 ms to
//               wind down (a shard, a batch), writes the file BRAGG_TEST_MARKER and resolves to 1
//   emscripten  installs the handlers tfjs-backend-wasm's emscripten glue installs (they rethrow
//               uncaught exceptions and unhandled rejections), then throws from a timer
//   rejection   the same handlers, then leaves a rejected promise unhandled
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { clearInterval, setInterval, setTimeout } from 'node:timers';

/** What tfjs-backend-wasm's emscripten module does when it loads in Node. */
function emscriptenHandlers() {
  process.on('uncaughtException', (ex) => {
    throw ex;
  });
  process.on('unhandledRejection', (reason) => {
    throw reason;
  });
}

export async function main() {
  switch (process.env.BRAGG_TEST_MAIN) {
    case 'throw':
      throw new TypeError('a fake bug');
    case 'stream':
      return new Promise(() => {
        let i = 0;
        setInterval(() => process.stdout.write(`line ${i++}\n`), 1);
      });
    case 'code':
      return 3;
    case 'wind-down':
      return new Promise((resolve) => {
        let i = 0;
        const timer = setInterval(() => process.stdout.write(`line ${i++}\n`), 1);
        process.stdout.once('error', () => {
          clearInterval(timer);
          setTimeout(() => {
            writeFileSync(process.env.BRAGG_TEST_MARKER ?? '', 'wound down\n');
            resolve(1);
          }, 300);
        });
      });
    case 'emscripten':
      emscriptenHandlers();
      return new Promise(() => {
        setTimeout(() => {
          throw new TypeError('a fake bug in a timer');
        }, 10);
      });
    case 'rejection':
      emscriptenHandlers();
      return new Promise(() => {
        void Promise.reject(new TypeError('a fake unhandled rejection'));
      });
    default:
      throw new Error(`unknown BRAGG_TEST_MAIN: ${process.env.BRAGG_TEST_MAIN}`);
  }
}
