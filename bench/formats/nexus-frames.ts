/**
 * NeXus random frame access benchmark: write a detector stack (frames × 195 × 487 int32,
 * one chunk per frame, Pilatus 100K geometry) with h5wasm, then time single random frames
 * (median / p95) against reading the whole stack. Used by `bragg bench formats-nexus`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ValidationError } from '../../src/core/errors.js';
import { createRng, deriveSeed } from '../../src/core/rng.js';
import { h5 } from '../../src/formats/hdf5/client.js';
import { openHdf5 } from '../../src/formats/hdf5/reader.js';

export interface FrameBenchOptions {
  frames: number;
  height?: number;
  width?: number;
  /** Random single-frame reads to time. */
  samples?: number;
  seed?: number;
  /** Folder for the temporary file (default: OS temp). */
  dir?: string;
}

export interface FrameBenchResult {
  shape: number[];
  fileBytes: number;
  writeMs: number;
  openMs: number;
  frameMs: { median: number; p95: number; min: number; samples: number };
  wholeStackMs: number;
  /** Whole-stack time divided by the median single-frame time. */
  ratio: number;
  note: string;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export async function runNexusFrameBench(o: FrameBenchOptions): Promise<FrameBenchResult> {
  const h = o.height ?? 195;
  const w = o.width ?? 487;
  const n = o.frames;
  const samples = o.samples ?? 200;
  const seed = o.seed ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new ValidationError(`must be ≥ 1, got ${n}`, '--frames');
  const dir = mkdtempSync(join(o.dir ?? tmpdir(), 'bragg-nexus-bench-'));
  const file = join(dir, 'stack.nxs');
  try {
    const t0 = performance.now();
    const c = await h5.call({ op: 'create', path: file }, file, 'create');
    if (c.op !== 'create') throw new ValidationError('unexpected worker answer', 'bench');
    const handle = c.handle;
    const path = '/entry/detector/data';
    await h5.call(
      { op: 'group', handle, path: '/entry', attrs: [{ name: 'NX_class', value: 'NXentry' }] },
      file,
      'w',
    );
    await h5.call(
      {
        op: 'group',
        handle,
        path: '/entry/detector',
        attrs: [{ name: 'NX_class', value: 'NXdetector' }],
      },
      file,
      'w',
    );
    const frame = (k: number): Int32Array => {
      const rng = createRng(deriveSeed(seed, 'frame', k));
      const a = new Int32Array(h * w);
      for (let i = 0; i < a.length; i++) a[i] = rng.nextUint32() & 0x3ff;
      return a;
    };
    await h5.call(
      {
        op: 'dataset',
        handle,
        path,
        dtype: '<i',
        shape: [1, h, w],
        maxshape: [n, h, w],
        chunks: [1, h, w],
        data: frame(0),
        attrs: [],
      },
      file,
      'w',
    );
    await h5.call({ op: 'resize', handle, path, shape: [n, h, w] }, file, 'w');
    for (let k = 1; k < n; k++) {
      await h5.call(
        { op: 'writeSlice', handle, path, start: [k, 0, 0], count: [1, h, w], data: frame(k) },
        file,
        'w',
      );
    }
    await h5.call({ op: 'close', handle }, file, 'w');
    const writeMs = performance.now() - t0;

    const t1 = performance.now();
    const f = await openHdf5(file);
    const openMs = performance.now() - t1;
    try {
      if (!f.frameStacks.includes(path)) throw new ValidationError('stack not detected', 'bench');
      const rng = createRng(deriveSeed(seed, 'samples'));
      const times: number[] = [];
      for (let s = 0; s < samples; s++) {
        const k = rng.int(n);
        const t = performance.now();
        const d = await f.read(path, { frame: k });
        times.push(performance.now() - t);
        if (s === 0 && (d.array.data as Int32Array)[0] !== frame(k)[0]) {
          throw new ValidationError(`frame ${k} read back wrong values`, 'bench');
        }
      }
      times.sort((a, b) => a - b);
      const t2 = performance.now();
      const all = await f.read(path);
      const wholeStackMs = performance.now() - t2;
      if (all.array.shape[0] !== n)
        throw new ValidationError('whole read has the wrong shape', 'bench');
      const median = quantile(times, 0.5);
      return {
        shape: [n, h, w],
        fileBytes: statSync(file).size,
        writeMs,
        openMs,
        frameMs: { median, p95: quantile(times, 0.95), min: times[0]!, samples },
        wholeStackMs,
        ratio: wholeStackMs / median,
        note: 'h5wasm in a worker thread; frame reads are HDF5 hyperslabs of one chunk each',
      };
    } finally {
      await f.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
