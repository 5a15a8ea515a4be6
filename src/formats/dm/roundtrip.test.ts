/**
 * Round trips through the test-only DM writer for what the corpus lacks: int64/uint64,
 * big-endian data, DM3 and DM4, 4-D, RGB/RGBA, bool, packed-complex FFTs of any size,
 * frame and hyperslab reads, and every tag value type.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { swapBytes } from './decode.js';
import { openDm, openDmBytes } from './reader.js';
import { pixelType } from './tagtypes.js';
import {
  dmBytes,
  writeDmFile,
  type WFile,
  type WTag,
} from '../../../test/support/formats/dm/writer.js';
import { FormatError } from '../../core/errors.js';

const PLAIN_CODES = [1, 2, 3, 6, 7, 9, 10, 11, 12, 13, 14, 39, 40] as const;

/** Expected decoded slots and raw file bytes for `n` pixels of DM type `code`. */
function sample(
  code: number,
  n: number,
  seed: number,
  le: boolean,
): { raw: Uint8Array; want: (number | bigint)[] } {
  const rng = createRng(seed);
  const p = pixelType(code)!;
  const raw = new Uint8Array(n * p.bytes);
  const dv = new DataView(raw.buffer);
  const want: (number | bigint)[] = [];
  for (let i = 0; i < n; i++) {
    const at = i * p.bytes;
    const r = rng.nextUint32();
    switch (p.dtype) {
      case 'int8':
        dv.setInt8(at, r | 0);
        want.push(dv.getInt8(at));
        break;
      case 'uint8':
        dv.setUint8(at, r & 0xff);
        want.push(r & 0xff);
        break;
      case 'bool':
        dv.setUint8(at, r & 3); // DM writes 0/1; any non-zero byte reads as true
        want.push((r & 3) !== 0 ? 1 : 0);
        break;
      case 'int16':
        dv.setInt16(at, r & 0xffff, le);
        want.push(dv.getInt16(at, le));
        break;
      case 'uint16':
        dv.setUint16(at, r & 0xffff, le);
        want.push(r & 0xffff);
        break;
      case 'int32':
        dv.setInt32(at, r | 0, le);
        want.push(r | 0);
        break;
      case 'uint32':
        dv.setUint32(at, r, le);
        want.push(r);
        break;
      case 'int64':
        dv.setBigInt64(at, BigInt.asIntN(64, (BigInt(r) << 32n) | BigInt(rng.nextUint32())), le);
        want.push(dv.getBigInt64(at, le));
        break;
      case 'uint64':
        dv.setBigUint64(at, (BigInt(r) << 32n) | BigInt(rng.nextUint32()), le);
        want.push(dv.getBigUint64(at, le));
        break;
      case 'float32':
        dv.setFloat32(at, rng.normal() * 1e3, le);
        want.push(dv.getFloat32(at, le));
        break;
      case 'float64':
        dv.setFloat64(at, rng.normal() * 1e6, le);
        want.push(dv.getFloat64(at, le));
        break;
      case 'complex64':
        dv.setFloat32(at, rng.normal(), le);
        dv.setFloat32(at + 4, rng.normal(), le);
        want.push(dv.getFloat32(at, le), dv.getFloat32(at + 4, le));
        break;
      case 'complex128':
        dv.setFloat64(at, rng.normal(), le);
        dv.setFloat64(at + 8, rng.normal(), le);
        want.push(dv.getFloat64(at, le), dv.getFloat64(at + 8, le));
        break;
      default:
        throw new Error(`no sampler for ${p.dtype}`);
    }
  }
  return { raw, want };
}

describe('DM round trips through the test writer', () => {
  it('every plain pixel type, 1–4 D, DM3/DM4, little- and big-endian data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PLAIN_CODES),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom<3 | 4>(3, 4),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 }),
        async (code, dims, version, le, seed) => {
          const n = dims.reduce((a, b) => a * b, 1);
          const { raw, want } = sample(code, n, seed, le);
          const cal = dims.map((_, i) => ({ origin: i + 0.5, scale: 2 ** -i, units: `u${i}` }));
          const file: WFile = {
            version,
            littleEndian: le,
            images: [{ dataType: code, dims, pixels: raw, calibrations: cal }],
          };
          const f = openDmBytes(dmBytes(file), 'rt');
          expect(f.metadata.byteOrder).toBe(le ? 'little' : 'big');
          const info = f.datasets[1]!;
          expect(info.role).toBe('image');
          expect(info.shape).toEqual([...dims].reverse());
          expect(info.dtype).toBe(pixelType(code)!.dtype);
          // Axes reversed with the shape; offset = −origin·scale.
          info.axes.forEach((a, k) => {
            const i = dims.length - 1 - k;
            expect(a.units).toBe(`u${i}`);
            expect(a.scale).toBe(2 ** -i);
            expect(a.offset).toBeCloseTo(-(i + 0.5) * 2 ** -i, 6);
          });
          const d = await f.read(info.name);
          expect(Array.from(d.array.data as ArrayLike<number | bigint>)).toEqual(want);
        },
      ),
      { numRuns: 150, seed: 20240601 },
    );
  });

  it('RGB (DataType 8, B,G,R,unused) and RGBA (DataType 23, B,G,R,A) become rgb8 / rgba8', async () => {
    const bgra = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    for (const le of [true, false]) {
      const f = openDmBytes(
        dmBytes({
          version: 4,
          littleEndian: le,
          images: [
            { dataType: 23, dims: [2], pixels: bgra },
            { dataType: 8, dims: [2], pixels: bgra },
          ],
        }),
      );
      const rgba = await f.read('image 1');
      expect(rgba.array.dtype).toBe('rgba8');
      expect(Array.from(rgba.array.data as Uint8Array)).toEqual([3, 2, 1, 4, 7, 6, 5, 8]);
      const rgb = await f.read('image 2');
      expect(rgb.array.dtype).toBe('rgb8');
      expect(Array.from(rgb.array.data as Uint8Array)).toEqual([3, 2, 1, 7, 6, 5]);
    }
  });

  it('packed-complex FFTs (DataType 27/28) of any size unpack to fftshift(fft2(image))', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        async (h, w, double, seed) => {
          const rng = createRng(seed);
          const img = Array.from({ length: h * w }, () => rng.normal());
          // Centred DFT F[r, c] for ky = r − ⌊h/2⌋, kx = c − ⌊w/2⌋ (numpy sign convention).
          const full = new Float64Array(2 * h * w);
          for (let r = 0; r < h; r++) {
            for (let c = 0; c < w; c++) {
              let re = 0;
              let im = 0;
              for (let y = 0; y < h; y++) {
                for (let x = 0; x < w; x++) {
                  const ph =
                    -2 *
                    Math.PI *
                    (((r - Math.floor(h / 2)) * y) / h + ((c - Math.floor(w / 2)) * x) / w);
                  re += img[y * w + x]! * Math.cos(ph);
                  im += img[y * w + x]! * Math.sin(ph);
                }
              }
              full[2 * (r * w + c)] = re;
              full[2 * (r * w + c) + 1] = im;
            }
          }
          // DM's packing: stored column j = frequency −j = centred column ⌊w/2⌋ − j.
          const sc = Math.floor(w / 2) + 1;
          const bytes = double ? 8 : 4;
          const raw = new Uint8Array(h * sc * 2 * bytes);
          const dv = new DataView(raw.buffer);
          for (let r = 0; r < h; r++) {
            for (let j = 0; j < sc; j++) {
              const c = Math.floor(w / 2) - j;
              for (let part = 0; part < 2; part++) {
                const v = full[2 * (r * w + c) + part]!;
                const at = (2 * (r * sc + j) + part) * bytes;
                if (double) dv.setFloat64(at, v, true);
                else dv.setFloat32(at, v, true);
              }
            }
          }
          const f = openDmBytes(
            dmBytes({
              version: 4,
              littleEndian: true,
              images: [{ dataType: double ? 28 : 27, dims: [w, h], pixels: raw }],
            }),
          );
          const d = await f.read('image 1');
          expect(d.array.shape).toEqual([h, w]);
          const got = d.array.data as Float32Array | Float64Array;
          for (let i = 0; i < full.length; i++)
            expect(got[i]!).toBeCloseTo(full[i]!, double ? 9 : 3);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it('frame and hyperslab reads from a 4-D DM4 file on disk equal slices of the whole', async () => {
    const dims = [5, 4, 3, 6]; // DM order: x=5, y=4, scan 3 × 6 → C shape [6, 3, 4, 5]
    const n = dims.reduce((a, b) => a * b, 1);
    const { raw } = sample(2, n, 11, false);
    const dir = mkdtempSync(join(tmpdir(), 'bragg-dm-'));
    try {
      const path = join(dir, 'four.dm4');
      writeDmFile(path, {
        version: 4,
        littleEndian: false,
        images: [{ dataType: 2, dims, pixels: raw }],
      });
      const f = await openDm(path);
      const whole = await f.read('image 1');
      const all = whole.array.data as Float32Array;
      expect(whole.array.shape).toEqual([6, 3, 4, 5]);
      const fr = await f.read('image 1', { frame: 4 });
      expect(fr.array.shape).toEqual([3, 4, 5]);
      expect(fr.axes).toHaveLength(3);
      expect(Array.from(fr.array.data as Float32Array)).toEqual(
        Array.from(all.subarray(4 * 60, 5 * 60)),
      );
      const ranges = [
        [1, 3],
        [0, 2],
        [1, 4],
        [2, 5],
      ] as const;
      const hs = await f.read('image 1', { ranges });
      expect(hs.array.shape).toEqual([2, 2, 3, 3]);
      const want: number[] = [];
      for (let a = 1; a < 3; a++)
        for (let b = 0; b < 2; b++)
          for (let c = 1; c < 4; c++)
            for (let e = 2; e < 5; e++) want.push(all[((a * 3 + b) * 4 + c) * 5 + e]!);
      expect(Array.from(hs.array.data as Float32Array)).toEqual(want);
      expect(hs.axes[3]!.offset).toBe(2); // scale 1, origin 0: sample 2 starts at 2
      await expect(f.read('image 1', { frame: 6 })).rejects.toThrow(
        /frame must be an integer in 0..5/,
      );
      await expect(f.read('image 9')).rejects.toThrow(/no dataset 'image 9'/);
      await f.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every tag value type survives into the file-level tag tree', () => {
    const f = openDmBytes(
      dmBytes({
        version: 4,
        littleEndian: false,
        images: [],
        thumbnail: false,
        rootTags: [
          { label: 'i64', value: { t: 'int64', v: -(2n ** 60n) } },
          { label: 'u64', value: { t: 'uint64', v: 12345n } },
          { label: 'flag', value: { t: 'bool', v: true } },
          { label: 'ch', value: { t: 'int8', v: -5 } },
          { label: 'f', value: { t: 'float64', v: 0.1 } },
          { label: 'text', value: { text: 'Å µm' } },
          {
            label: 'pair',
            value: {
              struct: [
                { t: 'float32', v: 1.5 },
                { t: 'int16', v: -2 },
              ],
            },
          },
          { label: 'list', value: { array: 'uint32', values: [1, 2, 3] } },
          {
            label: 'rows',
            value: {
              arrayOfStructs: ['uint16', 'float64'],
              values: [
                [1, 0.5],
                [2, 0.25],
              ],
            },
          },
          { label: '', group: [{ label: '', value: { t: 'int32', v: 7 } }] },
          {
            label: 'g',
            group: [
              { label: 'x', value: { t: 'int32', v: 1 } },
              { label: 'x', value: { t: 'int32', v: 2 } },
            ],
          },
        ],
      }),
    );
    expect(f.datasets).toHaveLength(0);
    expect(f.metadata.tags).toEqual({
      i64: -(2n ** 60n),
      u64: 12345,
      flag: true,
      ch: -5,
      f: 0.1,
      text: 'Å µm',
      pair: [1.5, -2],
      list: [1, 2, 3],
      rows: [
        [1, 0.5],
        [2, 0.25],
      ],
      TagGroup0: [7],
      g: { x: 1, 'x (2)': 2 },
      ImageList: {},
    });
  });

  it('a tag tree larger than the 1 MiB read window parses the same from disk as from memory', async () => {
    const rootTags: WTag[] = [];
    // 70 arrays of 4000 doubles (read inline, 32 KB each) interleaved with small tags.
    const long = Array.from({ length: 4000 }, (_, j) => j / 8);
    for (let i = 0; i < 2800; i++) {
      rootTags.push(
        i % 40 === 0
          ? { label: `a${i}`, value: { array: 'float64', values: long } }
          : { label: `k${i}`, value: { array: 'float64', values: [i, i + 0.5] } },
      );
    }
    const file: WFile = {
      version: 4,
      littleEndian: false,
      rootTags,
      images: [{ dataType: 10, dims: [3, 2], pixels: new Uint8Array(12).fill(1) }],
    };
    const bytes = dmBytes(file);
    expect(bytes.length).toBeGreaterThan(2 * 2 ** 20);
    const dir = mkdtempSync(join(tmpdir(), 'bragg-dm-'));
    try {
      const path = join(dir, 'tags.dm4');
      writeDmFile(path, file);
      const disk = await openDm(path);
      const mem = openDmBytes(bytes);
      expect(disk.metadata).toEqual(mem.metadata);
      expect((disk.metadata.tags as Record<string, unknown>)['k2799']).toEqual([2799, 2799.5]);
      expect((disk.metadata.tags as Record<string, unknown>)['a2760']).toEqual(long);
      expect(Array.from((await disk.read('image 1')).array.data as Uint16Array)).toEqual(
        new Array(6).fill(257),
      );
      await disk.close();
      // The same file cut short on disk: a FormatError, not a crash.
      writeFileSync(path, bytes.subarray(0, bytes.length - 2 ** 20));
      await expect(openDm(path)).rejects.toThrow(FormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('swapBytes reverses each word', () => {
    const b = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    swapBytes(b, 4);
    expect(Array.from(b)).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
  });
});
