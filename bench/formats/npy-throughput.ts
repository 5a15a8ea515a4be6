/**
 * Throughput of the NPY/NPZ, TIFF and PNG code (for `bragg bench formats-npy`): encode and
 * decode MiB/s of a float32 stack [n, 512, 512] held in memory (C order, Fortran order,
 * big-endian), one-frame reads from an .npy on disk, deflated NPZ write/read, uncompressed
 * TIFF write/read, and one 1024² PNG with log scaling and viridis.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ndarray } from '../../src/core/ndarray.js';
import type { NDArray } from '../../src/core/ndarray.js';
import { createRng } from '../../src/core/rng.js';
import { encodePng } from '../../src/formats/image/png.js';
import { decodePage } from '../../src/formats/image/tiff.js';
import { parseTiff } from '../../src/formats/image/tiff-ifd.js';
import { encodeTiff } from '../../src/formats/image/tiff-write.js';
import { openAny } from '../../src/formats/registry.js';
import { decodeNpy, writeNpy } from '../../src/formats/npy/npy.js';
import { decodeNpz, writeNpz } from '../../src/formats/npy/npz.js';

export interface Rate {
  /** MiB per second over the repeats: best and median. */
  best: number;
  median: number;
}

export interface NpyBenchResult {
  shape: number[];
  mib: number;
  repeats: number;
  npyWrite: Rate;
  npyReadC: Rate;
  npyReadFortran: Rate;
  npyReadBigEndian: Rate;
  /** Mean ms to read one 512² frame of the .npy from disk through `openAny`. */
  npyFrameMs: number;
  npzDeflateWrite: Rate;
  npzDeflateRead: Rate;
  npzMib: number;
  tiffWrite: Rate;
  tiffRead: Rate;
  /** ms for one 1024² float32 → PNG (log, viridis). */
  pngEncodeMs: number;
  note: string;
}

function rate(mib: number, ms: number[]): Rate {
  const r = ms.map((t) => mib / (t / 1000)).sort((a, b) => a - b);
  return { best: r[r.length - 1]!, median: r[Math.floor(r.length / 2)]! };
}

function timeIt(repeats: number, f: () => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    f();
    out.push(performance.now() - t0);
  }
  return out;
}

/** A float32 stack with smooth structure plus seeded noise (compresses like real data). */
function stack(frames: number, seed: number): NDArray<'float32'> {
  const rng = createRng(seed);
  const n = frames * 512 * 512;
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++)
    d[i] = Math.round(1000 * Math.exp(-(((i % 512) - 256) ** 2) / 5000) + 20 * rng.next());
  return ndarray('float32', [frames, 512, 512], d);
}

export async function runNpyBench(o: { sizeMb: number; repeats: number }): Promise<NpyBenchResult> {
  const frames = Math.max(1, Math.round(o.sizeMb));
  const a = stack(frames, 1);
  const mib = a.data.byteLength / 2 ** 20;
  const c = writeNpy(a);
  const f = writeNpy(a, { fortranOrder: true });
  const be = c.slice();
  // big-endian copy: swap the data and patch the descr '<f4' → '>f4'
  const off = decodeNpy(c).info.header.dataOffset;
  for (let i = off; i + 4 <= be.length; i += 4) be.subarray(i, i + 4).reverse();
  be[be.indexOf(0x3c /* < */, 10)] = 0x3e; /* > */
  const npyWrite = rate(
    mib,
    timeIt(o.repeats, () => writeNpy(a)),
  );
  const npyReadC = rate(
    mib,
    timeIt(o.repeats, () => decodeNpy(c)),
  );
  const npyReadFortran = rate(
    mib,
    timeIt(o.repeats, () => decodeNpy(f)),
  );
  const npyReadBigEndian = rate(
    mib,
    timeIt(o.repeats, () => decodeNpy(be)),
  );

  const dir = mkdtempSync(join(tmpdir(), 'bragg-bench-npy-'));
  let npyFrameMs = NaN;
  try {
    const p = join(dir, 'stack.npy');
    writeFileSync(p, c);
    const file = await openAny(p);
    const t0 = performance.now();
    const reads = Math.min(frames, 32) * o.repeats;
    for (let i = 0; i < reads; i++) await file.read('data', { frame: i % frames });
    npyFrameMs = (performance.now() - t0) / reads;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const small = stack(Math.min(frames, 16), 2);
  const npzMib = small.data.byteLength / 2 ** 20;
  let z: Uint8Array = new Uint8Array(0);
  const npzDeflateWrite = rate(
    npzMib,
    timeIt(o.repeats, () => (z = writeNpz({ a: small }, { compress: true }))),
  );
  const npzDeflateRead = rate(
    npzMib,
    timeIt(o.repeats, () => decodeNpz(z)),
  );

  const t = encodeTiff(a);
  const tiffWrite = rate(
    mib,
    timeIt(o.repeats, () => encodeTiff(a)),
  );
  const tiffRead = rate(
    mib,
    timeIt(o.repeats, () => {
      const tf = parseTiff(t);
      for (const pg of tf.pages) decodePage(t, pg, tf.littleEndian);
    }),
  );
  const img = ndarray('float32', [1024, 1024], stack(4, 3).data);
  const pngEncodeMs = Math.min(
    ...timeIt(o.repeats, () => encodePng(img, { scale: 'log', colormap: 'viridis' })),
  );
  return {
    shape: [...a.shape],
    mib,
    repeats: o.repeats,
    npyWrite,
    npyReadC,
    npyReadFortran,
    npyReadBigEndian,
    npyFrameMs,
    npzDeflateWrite,
    npzDeflateRead,
    npzMib,
    tiffWrite,
    tiffRead,
    pngEncodeMs,
    note: 'in-memory encode/decode (no disk) except npyFrameMs; one process, single thread',
  };
}
