/**
 * DM4 read-throughput benchmark: writes a 4-D float32 DM4 (128 × 128 frames on a scan grid)
 * of about `sizeMb` MiB with the test writer, then times opening (tag-tree parse), reading
 * the whole 4-D array, and reading single frames. The file is deleted afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ValidationError } from '../../src/core/errors.js';
import { openDm } from '../../src/formats/dm/reader.js';
import { writeDmFile } from '../../test/support/formats/dm/writer.js';

export interface DmThroughputOptions {
  /** Approximate file size in MiB (default 512). */
  sizeMb?: number;
  /** Timed repetitions; the best and the median are reported (default 3). */
  repeats?: number;
  /** Directory for the temporary file (default the OS temp dir). */
  dir?: string;
}

export interface DmThroughputResult {
  fileBytes: number;
  /** C-order shape of the 4-D dataset [scanY, scanX, ky, kx]. */
  shape: number[];
  openMs: number[];
  fullReadMs: number[];
  /** MiB/s of the whole-array read: best and median over repeats. */
  fullReadMiBps: { best: number; median: number };
  /** Mean latency of one 128 × 128 frame read (ms), over `frameReads` random frames. */
  frameReadMs: number;
  frameReads: number;
  note: string;
}

const FRAME = 128;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Value of element `i` (C order) of the synthetic file: cheap to generate and to check. */
function valueAt(i: number): number {
  return (i % 4093) * 0.25;
}

export async function runDmThroughput(opts: DmThroughputOptions = {}): Promise<DmThroughputResult> {
  const sizeMb = opts.sizeMb ?? 512;
  const repeats = opts.repeats ?? 3;
  if (!(sizeMb >= 1 && sizeMb <= 8192))
    throw new ValidationError(`must be in 1..8192 MiB, got ${sizeMb}`, '--size-mb');
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 50) {
    throw new ValidationError(`must be an integer in 1..50, got ${repeats}`, '--repeats');
  }
  const frameBytes = FRAME * FRAME * 4;
  const frames = Math.max(1, Math.round((sizeMb * 2 ** 20) / frameBytes));
  const scanX = Math.min(64, frames);
  const scanY = Math.ceil(frames / scanX);
  const perRow = scanX * FRAME * FRAME;
  const dir = mkdtempSync(join(opts.dir ?? tmpdir(), 'bragg-dm-bench-'));
  const path = join(dir, 'bench.dm4');
  try {
    const pixels = {
      byteLength: scanY * perRow * 4,
      *chunks(): Iterable<Uint8Array> {
        const row = new Float32Array(perRow);
        for (let y = 0; y < scanY; y++) {
          for (let i = 0; i < perRow; i++) row[i] = valueAt(y * perRow + i);
          yield new Uint8Array(row.buffer);
        }
      },
    };
    const fileBytes = writeDmFile(path, {
      version: 4,
      littleEndian: true,
      images: [{ dataType: 2, dims: [FRAME, FRAME, scanX, scanY], pixels, name: 'bench 4D' }],
    });
    const openMs: number[] = [];
    const fullReadMs: number[] = [];
    let frameTotal = 0;
    const frameReads = 32;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      const f = await openDm(path);
      const t1 = performance.now();
      const d = await f.read('image 1');
      const t2 = performance.now();
      openMs.push(t1 - t0);
      fullReadMs.push(t2 - t1);
      const data = d.array.data as Float32Array;
      const n = data.length;
      for (const i of [0, 1, n >> 1, n - 1]) {
        if (data[i] !== valueAt(i))
          throw new ValidationError(
            `benchmark read back ${data[i]} at ${i}, wrote ${valueAt(i)}`,
            'data',
          );
      }
      // Frame reads: [scanY, scanX, ky, kx] → one scan row at a time via `frame`, then a hyperslab.
      const t3 = performance.now();
      for (let k = 0; k < frameReads; k++) {
        const y = (k * 7919) % scanY;
        const x = (k * 104729) % scanX;
        await f.read('image 1', {
          ranges: [
            [y, y + 1],
            [x, x + 1],
            [0, FRAME],
            [0, FRAME],
          ],
        });
      }
      frameTotal += performance.now() - t3;
      await f.close();
    }
    const mib = fileBytes / 2 ** 20;
    const speeds = fullReadMs.map((ms) => mib / (ms / 1000));
    return {
      fileBytes,
      shape: [scanY, scanX, FRAME, FRAME],
      openMs,
      fullReadMs,
      fullReadMiBps: { best: Math.max(...speeds), median: median(speeds) },
      frameReadMs: frameTotal / (frameReads * repeats),
      frameReads,
      note: 'file just written: reads come from the OS page cache (memory-to-memory), not from disk',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
