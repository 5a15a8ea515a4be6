/**
 * Test helper: run a python3 snippet with numpy (the machine's python, never bundled). Tests that
 * compare with numpy skip with a stated reason when python3 or numpy is absent.
 */
import { spawnSync } from 'node:child_process';

let cached: boolean | undefined;

/** True when `python3 -c "import numpy"` works. */
export function hasNumpy(): boolean {
  if (cached === undefined) {
    const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    cached = r.status === 0;
  }
  return cached;
}

export const NUMPY_SKIP_REASON =
  'python3 with numpy is not installed (apt-get install python3-numpy)';

/** Run `code` with python3; returns stdout, throws with stderr on failure. */
export function python(code: string, args: readonly string[] = []): string {
  const r = spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
