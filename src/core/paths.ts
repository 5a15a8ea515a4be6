import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * Root of the installed bragg package: the nearest folder above this module whose
 * package.json is bragg's (the same from src/ under vitest, from dist/src/ and when installed).
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'bragg') {
          root = dir;
          return dir;
        }
      } catch {
        // not a readable package.json: keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return root;
}

/** Bundled sample files used by `bragg demo` and the tests. */
export function samplesDir(): string {
  return join(packageRoot(), 'data', 'samples');
}

/** `../shared/data` beside the checkout, where the conformance corpus lives (may be absent). */
export function sharedDataDir(): string {
  return process.env.BRAGG_SHARED_DATA ?? resolve(packageRoot(), '..', 'shared', 'data');
}
