import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the installed bragg package (works from src/ under vitest and from dist/). */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Bundled sample files used by `bragg demo` and the tests. */
export function samplesDir(): string {
  return join(packageRoot(), 'data', 'samples');
}

/** `../shared/data` beside the checkout, where the conformance corpus lives (may be absent). */
export function sharedDataDir(): string {
  return process.env.BRAGG_SHARED_DATA ?? resolve(packageRoot(), '..', 'shared', 'data');
}
