/**
 * Interoperability with numpy itself (python3 + numpy on the machine): files numpy writes
 * (big-endian, header v2.0/v3.0, Fortran order, float16, complex, unicode, bytes, npz) are read
 * by bragg with identical values, and files bragg writes are read by numpy with identical values.
 * Values are compared exactly, as raw little-endian C-order bytes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NDArray } from '../../core/ndarray.js';
import { ndarray } from '../../core/ndarray.js';
import { decodeNpy, writeNpy } from './npy.js';
import { decodeNpz, writeNpz } from './npz.js';
import { hasNumpy, NUMPY_SKIP_REASON, python } from '../../../test/support/core/python.js';

const numpy = hasNumpy();
if (!numpy) console.warn(`skipping numpy interop tests: ${NUMPY_SKIP_REASON}`);

/** Raw bytes of a numeric array's storage (little-endian host). */
function rawBytes(a: NDArray): Buffer {
  const d = a.data as Exclude<NDArray['data'], string[]>;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

const WRITE_CASES = String.raw`
import numpy as np, sys, os, json
import numpy.lib.format as fmt
out = sys.argv[1]
cases = {
  'be_f8': np.arange(12, dtype='>f8').reshape(3, 4) * 1.5 - 4,
  'be_i4': np.array([[-2**31, -1, 0], [1, 7, 2**31 - 1]], dtype='>i4'),
  'be_u2': np.array([0, 1, 258, 65535], dtype='>u2'),
  'be_c16': np.array([1+2j, -3.5-0.25j, np.inf+0j], dtype='>c16'),
  'be_f2': np.array([0.5, -2.0, 65504.0, 6e-8], dtype='>f2'),
  'f2': np.array([[0.1, 1.0], [np.inf, -0.0]], dtype='<f2'),
  'c8': (np.arange(6, dtype='f4') + 1j * np.arange(6, dtype='f4')[::-1]).astype('c8').reshape(2, 3),
  'bool': np.array([[True, False, True]]),
  'i1': np.array([-128, 0, 127], dtype='i1'),
  'u1': np.array([0, 255], dtype='u1'),
  'i8': np.array([-2**63, 2**63 - 1, 0], dtype='i8'),
  'u8': np.array([0, 2**64 - 1], dtype='u8'),
  'u4': np.array([2**32 - 1], dtype='<u4'),
  'fortran3d': np.asfortranarray(np.arange(24, dtype='f4').reshape(2, 3, 4)),
  'fortran_be': np.asfortranarray(np.arange(6, dtype='>i2').reshape(2, 3)),
  'scalar': np.array(3.25),
  'empty': np.zeros((0, 3), dtype='f8'),
  'dt': np.array(['2024-01-02T03:04:05', '1970-01-01'], dtype='datetime64[s]'),
}
for k, a in cases.items():
  np.save(os.path.join(out, k + '.npy'), a)
for v in [(2, 0), (3, 0)]:
  a = np.arange(10, dtype='<i2').reshape(2, 5)
  with open(os.path.join(out, 'v%d.npy' % v[0]), 'wb') as f:
    fmt.write_array(f, a, version=v)
  cases['v%d' % v[0]] = a
strings = {
  'U': np.array(['a', 'h\u00e9llo', '\u65e5\u672c\u8a9e', '\U0001F600x', '']),
  'Ube': np.array(['ab', 'xyz\u00e9'], dtype='>U4'),
  'S': np.array([b'ab', b'\xff\x00c', b'']),
}
for k, a in strings.items():
  np.save(os.path.join(out, k + '.npy'), a)
np.savez_compressed(os.path.join(out, 'zc.npz'), x=cases['be_f8'], y=cases['i8'], s=strings['U'])
np.savez(os.path.join(out, 'zs.npz'), **{'1d/x_all': cases['c8'], 'b': cases['bool']})
raw = {k: (a.astype(a.dtype.newbyteorder('<')) if a.dtype.kind != 'M' else a.astype('<i8')).tobytes(order='C').hex() for k, a in cases.items()}
meta = {k: list(a.shape) for k, a in cases.items()}
strs = {k: [x.decode('latin-1') if isinstance(x, bytes) else x for x in a.tolist()] for k, a in strings.items()}
print(json.dumps({'raw': raw, 'shape': meta, 'strings': strs}))
`;

describe.skipIf(!numpy)('numpy → bragg: files written by numpy read with identical values', () => {
  let dir = '';
  let expected: {
    raw: Record<string, string>;
    shape: Record<string, number[]>;
    strings: Record<string, string[]>;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bragg-npy-'));
    expected = JSON.parse(python(WRITE_CASES, [dir])) as typeof expected;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every numeric case (big-endian, v2/v3, Fortran, float16, complex, int64, datetime) exactly', () => {
    const keys = Object.keys(expected.raw);
    expect(keys.length).toBeGreaterThanOrEqual(20);
    for (const k of keys) {
      const { array, info } = decodeNpy(readFileSync(join(dir, `${k}.npy`)));
      expect(array.shape, k).toEqual(expected.shape[k]);
      expect(rawBytes(array).toString('hex'), k).toBe(expected.raw[k]);
      if (k === 'v2') expect(info.header.version).toBe('2.0');
      if (k === 'v3') expect(info.header.version).toBe('3.0');
      if (k.startsWith('fortran')) expect(info.header.fortranOrder).toBe(true);
      if (k === 'dt') expect(info.timeUnit).toBe('s');
    }
  });

  it('reads unicode (little- and big-endian) and bytes strings', () => {
    for (const k of ['U', 'Ube', 'S']) {
      const { array } = decodeNpy(readFileSync(join(dir, `${k}.npy`)));
      expect(array.dtype).toBe('string');
      expect(array.data, k).toEqual(expected.strings[k]);
    }
  });

  it('reads savez_compressed and savez archives, keys with slashes included', () => {
    const zc = decodeNpz(readFileSync(join(dir, 'zc.npz')));
    expect(Object.keys(zc).sort()).toEqual(['s', 'x', 'y']);
    expect(rawBytes(zc.x!).toString('hex')).toBe(expected.raw.be_f8);
    expect(rawBytes(zc.y!).toString('hex')).toBe(expected.raw.i8);
    expect(zc.s!.data).toEqual(expected.strings.U);
    const zs = decodeNpz(readFileSync(join(dir, 'zs.npz')));
    expect(Object.keys(zs).sort()).toEqual(['1d/x_all', 'b']);
    expect(rawBytes(zs['1d/x_all']!).toString('hex')).toBe(expected.raw.c8);
  });
});

const READ_BACK = String.raw`
import numpy as np, sys, json
res = {}
for path in sys.argv[1:]:
  if path.endswith('.npz'):
    with np.load(path) as z:
      items = [(path + ':' + k, z[k]) for k in z.files]
  else:
    items = [(path, np.load(path))]
  for name, a in items:
    if a.dtype.kind in 'US':
      vals = [x.decode('latin-1') if isinstance(x, bytes) else x for x in a.ravel().tolist()]
    else:
      vals = a.astype(a.dtype.newbyteorder('<')).tobytes(order='C').hex()
    res[name] = {'dtype': a.dtype.str, 'shape': list(a.shape), 'values': vals, 'fortran': bool(a.flags.f_contiguous and not a.flags.c_contiguous)}
print(json.dumps(res))
`;

describe.skipIf(!numpy)(
  'bragg → numpy: files written by bragg read by numpy with identical values',
  () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bragg-npy-w-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const arrays: Record<string, { a: NDArray; descr: string }> = {
      bool: { a: ndarray('bool', [2, 2], Uint8Array.from([1, 0, 0, 1])), descr: '|b1' },
      int8: { a: ndarray('int8', [3], Int8Array.from([-128, 0, 127])), descr: '|i1' },
      uint8: { a: ndarray('uint8', [2], Uint8Array.from([0, 255])), descr: '|u1' },
      int16: { a: ndarray('int16', [2], Int16Array.from([-32768, 32767])), descr: '<i2' },
      uint16: { a: ndarray('uint16', [1, 2], Uint16Array.from([0, 65535])), descr: '<u2' },
      int32: { a: ndarray('int32', [2], Int32Array.from([-(2 ** 31), 2 ** 31 - 1])), descr: '<i4' },
      uint32: { a: ndarray('uint32', [1], Uint32Array.from([2 ** 32 - 1])), descr: '<u4' },
      int64: {
        a: ndarray('int64', [2], BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n])),
        descr: '<i8',
      },
      uint64: { a: ndarray('uint64', [1], BigUint64Array.from([2n ** 64n - 1n])), descr: '<u8' },
      float16: {
        a: ndarray('float16', [3], Uint16Array.from([0x3c00, 0x7c00, 0x8001])),
        descr: '<f2',
      },
      float32: {
        a: ndarray('float32', [2, 3], Float32Array.from([0.1, -1e30, NaN, Infinity, -0, 3])),
        descr: '<f4',
      },
      float64: {
        a: ndarray(
          'float64',
          [2, 1, 2],
          Float64Array.from([Math.PI, -Number.MIN_VALUE, 1e308, NaN]),
        ),
        descr: '<f8',
      },
      complex64: { a: ndarray('complex64', [2], Float32Array.from([1, 2, -3, 0.5])), descr: '<c8' },
      complex128: {
        a: ndarray('complex128', [1], Float64Array.from([Math.E, -Math.PI])),
        descr: '<c16',
      },
      scalar: { a: ndarray('float64', [], Float64Array.from([2.5])), descr: '<f8' },
      empty: { a: ndarray('int32', [0, 4]), descr: '<i4' },
      rgb: { a: ndarray('rgb8', [1, 2], Uint8Array.from([1, 2, 3, 4, 5, 6])), descr: '|u1' },
    };

    it('numpy reads every dtype bragg writes, with the same dtype, shape and bytes', () => {
      const paths: string[] = [];
      for (const [k, { a }] of Object.entries(arrays)) {
        const p = join(dir, `${k}.npy`);
        writeFileSync(p, writeNpy(a));
        paths.push(p);
      }
      const fortranPath = join(dir, 'fortran.npy');
      writeFileSync(fortranPath, writeNpy(arrays.float32!.a, { fortranOrder: true }));
      const v3Path = join(dir, 'v3.npy');
      writeFileSync(v3Path, writeNpy(arrays.int16!.a, { version: '3.0' }));
      const res = JSON.parse(python(READ_BACK, [...paths, fortranPath, v3Path])) as Record<
        string,
        { dtype: string; shape: number[]; values: string; fortran: boolean }
      >;
      for (const [k, { a, descr }] of Object.entries(arrays)) {
        const r = res[join(dir, `${k}.npy`)]!;
        expect(r.dtype, k).toBe(descr);
        expect(r.shape, k).toEqual(k === 'rgb' ? [1, 2, 3] : a.shape);
        expect(r.values, k).toBe(rawBytes(a).toString('hex'));
      }
      expect(res[fortranPath]!.fortran).toBe(true);
      expect(res[fortranPath]!.values).toBe(rawBytes(arrays.float32!.a).toString('hex'));
      expect(res[v3Path]!.values).toBe(rawBytes(arrays.int16!.a).toString('hex'));
    });

    it('numpy reads bragg’s unicode and bytes strings, and stored and deflated npz', () => {
      const u = ndarray('string', [2, 2], ['a', 'héllo', '日本語', '😀']);
      const s = ndarray('string', [2], ['ab', 'ÿc']);
      const up = join(dir, 'u.npy');
      const sp = join(dir, 's.npy');
      writeFileSync(up, writeNpy(u));
      writeFileSync(sp, writeNpy(s, { strings: 'S' }));
      const zs = join(dir, 'zs.npz');
      const zc = join(dir, 'zc.npz');
      const members = { x: arrays.float64!.a, '1d/y_px': arrays.int64!.a, names: u };
      writeFileSync(zs, writeNpz(members));
      writeFileSync(zc, writeNpz(members, { compress: true }));
      const res = JSON.parse(python(READ_BACK, [up, sp, zs, zc])) as Record<
        string,
        { dtype: string; shape: number[]; values: string | string[] }
      >;
      expect(res[up]!.dtype).toBe('<U5');
      expect(res[up]!.values).toEqual(u.data);
      expect(res[sp]!.dtype).toBe('|S2');
      expect(res[sp]!.values).toEqual(s.data);
      for (const z of [zs, zc]) {
        expect(res[`${z}:x`]!.values).toBe(rawBytes(arrays.float64!.a).toString('hex'));
        expect(res[`${z}:1d/y_px`]!.values).toBe(rawBytes(arrays.int64!.a).toString('hex'));
        expect(res[`${z}:names`]!.values).toEqual(u.data);
      }
    });

    it('writeNpy output is byte-identical to np.save for the same array', () => {
      const a = arrays.float32!.a;
      const p = join(dir, 'ref.npy');
      python(
        `import numpy as np, sys; np.save(sys.argv[1], np.array([0.1, -1e30, np.nan, np.inf, -0.0, 3], dtype='<f4').reshape(2, 3))`,
        [p],
      );
      expect(Buffer.from(writeNpy(a)).equals(readFileSync(p))).toBe(true);
    });
  },
);
