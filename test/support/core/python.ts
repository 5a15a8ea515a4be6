/**
 * Test helper: the machine's Python (never bundled) for interoperability tests. A module is
 * looked for in PATH's `python3` first, then in Debian's `/usr/bin/python3` (where `.ci/run`
 * installs python3-numpy / python3-h5py with apt when PATH's python lacks them). Tests that
 * need it skip with a stated reason when no interpreter has the module.
 */
import { spawnSync } from 'node:child_process';

const CANDIDATES = ['python3', '/usr/bin/python3'] as const;
const found = new Map<string, string | null>();

/** The first Python interpreter that can `import <module>`, or undefined. */
export function pythonWith(module: string): string | undefined {
  let py = found.get(module);
  if (py === undefined) {
    py =
      CANDIDATES.find(
        (c) => spawnSync(c, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0,
      ) ?? null;
    found.set(module, py);
  }
  return py ?? undefined;
}

/** True when some Python has numpy. */
export function hasNumpy(): boolean {
  return pythonWith('numpy') !== undefined;
}

export const NUMPY_SKIP_REASON =
  'no python3 with numpy is installed (apt-get install python3-numpy)';

/**
 * Runs `code` with the Python that has `module` (default numpy); returns stdout, throws with
 * stderr on failure.
 */
export function python(code: string, args: readonly string[] = [], module = 'numpy'): string {
  const py = pythonWith(module);
  if (py === undefined) throw new Error(`no python3 with ${module} on this machine`);
  const r = spawnSync(py, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${py} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
