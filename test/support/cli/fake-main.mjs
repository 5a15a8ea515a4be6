// A stand-in for the compiled CLI's `main` (see redirect-main.mjs): behaves as BRAGG_TEST_MAIN
// says, so that tests of bin/bragg.js's exit path do not depend on any real command.
//   throw   rejects with a TypeError (a bug escaping main)
//   stream  writes a line to stdout every millisecond and never settles (a long-running command)
//   code    resolves to exit code 3
import process from 'node:process';
import { setInterval } from 'node:timers';

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
    default:
      throw new Error(`unknown BRAGG_TEST_MAIN: ${process.env.BRAGG_TEST_MAIN}`);
  }
}
