/**
 * TFRecord files written by Python without TensorFlow (`write_tfrecord.py`: hand-encoded
 * Example protobufs, a pure-Python CRC-32C), an independent writer for interop tests.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonWith } from '../../core/python.js';

const SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'write_tfrecord.py');

export type PyFeature = ['bytes', Uint8Array] | ['int64', number[]] | ['float', number[]];

/** The Python that runs the writer (the standard library only), if any. */
export const PYTHON = pythonWith('struct');
export const PYTHON_SKIP_REASON = 'no python3 on this machine';

/** Writes `records` to `out` with Python; throws with Python's stderr on failure. */
export function writeTfrecordWithPython(out: string, records: Record<string, PyFeature>[]): void {
  if (PYTHON === undefined) throw new Error(PYTHON_SKIP_REASON);
  const spec = records.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, [kind, v]]) => [
        k,
        [kind, kind === 'bytes' ? Buffer.from(v as Uint8Array).toString('hex') : v],
      ]),
    ),
  );
  const specPath = `${out}.spec.json`;
  writeFileSync(specPath, JSON.stringify(spec));
  const r = spawnSync(PYTHON, [SCRIPT, out, specPath], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`write_tfrecord.py failed (${r.status}): ${r.stderr}`);
}

/** Raw little-endian uint16 pixels. */
export function u16le(px: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(2 * px.length);
  const v = new DataView(b.buffer);
  for (let i = 0; i < px.length; i++) v.setUint16(2 * i, px[i]!, true);
  return b;
}

/** One raw little-endian int32 (the seed's predict-mode bunch id). */
export function i32le(x: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, x, true);
  return b;
}
