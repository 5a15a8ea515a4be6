/**
 * Test helper: Keras-layout HDF5 files written by `make_keras_h5.py` (h5py + numpy, no Keras)
 * with reference outputs from that script's own numpy forward pass, and NPY comparison.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeNpy } from '../../../../src/formats/npy/index.js';
import { toFloat32 } from '../../../../src/core/ndarray.js';
import { pythonWith } from '../../core/python.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'make_keras_h5.py');

/** The Python that has both h5py and numpy, or undefined. */
export function kerasPython(): string | undefined {
  const py = pythonWith('h5py');
  if (py === undefined) return undefined;
  return spawnSync(py, ['-c', 'import h5py, numpy'], { stdio: 'ignore' }).status === 0
    ? py
    : undefined;
}

export const KERAS_SKIP_REASON =
  'no python3 with h5py and numpy (apt-get install python3-h5py python3-numpy)';

/** Write every fixture into a fresh temporary folder; returns it. */
export function makeKerasFixtures(options: { xception?: boolean } = {}): string {
  const py = kerasPython();
  if (py === undefined) throw new Error(KERAS_SKIP_REASON);
  const dir = mkdtempSync(join(tmpdir(), 'bragg-keras-'));
  const args = ['-B', SCRIPT, dir, ...(options.xception ? ['--xception'] : [])];
  const r = spawnSync(py, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_keras_h5.py failed: ${r.stderr}`);
  return dir;
}

/** An NPY file as float32 data and shape. */
export function readNpyFloat(path: string): { shape: number[]; data: Float32Array } {
  const d = decodeNpy(new Uint8Array(readFileSync(path)), path);
  return { shape: [...d.array.shape], data: toFloat32(d.array) };
}

/** Largest |a − b| / max(1, |b|): relative error on O(1) values, absolute below 1. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  }
  return m;
}
