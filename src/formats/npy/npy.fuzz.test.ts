/**
 * Bad input for NPY/NPZ: truncations at many offsets, ≥500 seeded byte mutations per file,
 * huge declared shapes and sizes, zip bombs. Only typed errors, bounded work and memory.
 */
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { FormatError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import {
  expectOnlyTypedErrors,
  mutations,
  truncations,
} from '../../../test/support/formats/fuzz.js';
import { formatNpyHeader } from './header.js';
import { decodeNpy, writeNpy } from './npy.js';
import { decodeNpz, writeNpz } from './npz.js';

const f32 = ndarray(
  'float32',
  [4, 5],
  Float32Array.from({ length: 20 }, (_, i) => i * 0.5),
);
const SAMPLES: Record<string, Uint8Array> = {
  'v1 float32': writeNpy(f32),
  'v2 fortran int16': writeNpy(
    ndarray(
      'int16',
      [3, 4],
      Int16Array.from({ length: 12 }, (_, i) => i - 6),
    ),
    {
      version: '2.0',
      fortranOrder: true,
    },
  ),
  'v3 unicode': writeNpy(ndarray('string', [3], ['α', 'bb', '😀']), { version: '3.0' }),
  complex128: writeNpy(ndarray('complex128', [2], Float64Array.from([1, 2, 3, 4]))),
};
const NPZ: Record<string, Uint8Array> = {
  stored: writeNpz({ a: f32, s: ndarray('string', [1], ['x']) }),
  deflated: writeNpz({ a: f32, b: ndarray('uint16', [8, 8]) }, { compress: true }),
};

describe('NPY bad input', () => {
  it('truncated files raise FormatError at every offset', async () => {
    for (const [name, bytes] of Object.entries(SAMPLES)) {
      for (const t of truncations(bytes, 64)) {
        const r = await expectOnlyTypedErrors(() => decodeNpy(t, name));
        expect(r, `${name} truncated to ${t.length}`).toBeInstanceOf(FormatError);
      }
    }
  });

  it('500 seeded mutations per file give only typed errors', async () => {
    for (const [name, bytes] of Object.entries(SAMPLES)) {
      for (const m of mutations(bytes, 1234, 500, 140)) {
        await expectOnlyTypedErrors(() => decodeNpy(m.bytes, `${name}#${m.index}`));
      }
    }
  });

  it('a huge declared shape is refused before allocating', () => {
    const head = formatNpyHeader('<f8', false, [2 ** 30, 2 ** 10]);
    expect(() => decodeNpy(head)).toThrow(/truncated array data/);
    const over = formatNpyHeader('<f8', false, [2 ** 40, 2 ** 40]);
    expect(() => decodeNpy(over)).toThrow(FormatError);
    const zeroWidth = formatNpyHeader('<U0', false, [2 ** 50]);
    expect(() => decodeNpy(zeroWidth)).toThrow(/zero-width/);
  });

  it('headers that are not Python dict literals are refused, never evaluated', () => {
    const bad = [
      "__import__('os').system('true')",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}",
      "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2,)",
      "{'descr': '|O', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f16', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,)}",
      '{' + '('.repeat(100) + '}',
    ];
    for (const text of bad) {
      const enc = new TextEncoder().encode(text + '\n');
      const b = new Uint8Array(10 + enc.length + 64);
      b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, enc.length & 0xff, enc.length >> 8]);
      b.set(enc, 10);
      expect(() => decodeNpy(b), text).toThrow(FormatError);
    }
  });
});

describe('NPZ bad input', () => {
  it('truncations and 500 mutations per archive give only typed errors', async () => {
    for (const [name, bytes] of Object.entries(NPZ)) {
      for (const t of truncations(bytes, 64)) {
        const r = await expectOnlyTypedErrors(() => decodeNpz(t, name));
        expect(r, `${name} truncated to ${t.length}`).toBeInstanceOf(FormatError);
      }
      for (const m of mutations(bytes, 4321, 500)) {
        await expectOnlyTypedErrors(() => decodeNpz(m.bytes, `${name}#${m.index}`));
      }
    }
  });

  it('a zip bomb (small header, 16 MiB of zeros behind it) is refused without inflating it', () => {
    const header = formatNpyHeader('|u1', false, [16]);
    const payload = new Uint8Array(header.length + (16 << 20));
    payload.set(header);
    const bomb = zipSync({ 'a.npy': [payload, { level: 9 }] });
    expect(bomb.length).toBeLessThan(1 << 20);
    expect(() => decodeNpz(bomb)).toThrow(/declares more bytes than its NPY header needs/);
  });

  it('a member whose declared size is honest but whose stream is longer stops at the limit', () => {
    const header = formatNpyHeader('|u1', false, [16]);
    const payload = new Uint8Array(header.length + (16 << 20));
    payload.set(header);
    const bomb = zipSync({ 'a.npy': [payload, { level: 9 }] });
    // Patch the declared uncompressed size (central directory and local header) to what the
    // header needs: the stream now holds far more than it declares.
    const need = header.length + 16;
    const dv = new DataView(bomb.buffer, bomb.byteOffset, bomb.byteLength);
    dv.setUint32(22, need, true); // local header
    const cd = bomb.length - 22 - 46 - 5; // one central entry named a.npy, no extra
    expect(dv.getUint32(cd, true)).toBe(0x02014b50);
    dv.setUint32(cd + 24, need, true);
    expect(() => decodeNpz(bomb)).toThrow(/larger than declared/);
  });

  it('a declared size beyond what DEFLATE can produce is refused up front', () => {
    const good = writeNpz({ a: f32 }, { compress: true });
    const dv = new DataView(good.buffer, good.byteOffset, good.byteLength);
    const cd = good.length - 22 - 46 - 5;
    expect(dv.getUint32(cd, true)).toBe(0x02014b50);
    dv.setUint32(cd + 24, 0xfffffff0, true);
    expect(() => decodeNpz(good)).toThrow(/more than DEFLATE can produce/);
  });
});
