/**
 * Reading NPY bytes (as `/api/files/data?format=npy` sends them) in the browser: versions 1–3,
 * little-endian or single-byte numeric dtypes, C order, returned as float32 with the shape.
 */

export interface NpyArray {
  shape: number[];
  dtype: string;
  data: Float32Array;
}

const VIEWS: Record<
  string,
  (b: ArrayBuffer, off: number, n: number) => ArrayLike<number | bigint>
> = {
  f4: (b, o, n) => new Float32Array(b.slice(o, o + 4 * n)),
  f8: (b, o, n) => new Float64Array(b.slice(o, o + 8 * n)),
  i1: (b, o, n) => new Int8Array(b, o, n),
  u1: (b, o, n) => new Uint8Array(b, o, n),
  i2: (b, o, n) => new Int16Array(b.slice(o, o + 2 * n)),
  u2: (b, o, n) => new Uint16Array(b.slice(o, o + 2 * n)),
  i4: (b, o, n) => new Int32Array(b.slice(o, o + 4 * n)),
  u4: (b, o, n) => new Uint32Array(b.slice(o, o + 4 * n)),
  i8: (b, o, n) => new BigInt64Array(b.slice(o, o + 8 * n)),
  u8: (b, o, n) => new BigUint64Array(b.slice(o, o + 8 * n)),
};

export function parseNpy(buf: ArrayBuffer, name = 'array'): NpyArray {
  const u8 = new Uint8Array(buf);
  const fail = (why: string): never => {
    throw new Error(`${name}: not a readable NPY array (${why})`);
  };
  if (u8.length < 10 || u8[0] !== 0x93 || String.fromCharCode(...u8.subarray(1, 6)) !== 'NUMPY') {
    fail('no NPY magic');
  }
  const major = u8[6]!;
  const dv = new DataView(buf);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > u8.length) fail('header runs past the end');
  const header = new TextDecoder().decode(u8.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shapeText) return fail('header without descr or shape');
  if (/'fortran_order':\s*True/.test(header)) fail('Fortran order');
  const shape = shapeText[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const view = VIEWS[descr[2]!];
  if (!view) return fail(`dtype ${descr[2]}`);
  const offset = start + headerLen;
  const width = Number(descr[2]!.slice(1));
  if (descr[1] === '>' && width > 1) fail('big-endian data');
  if (offset + n * width > u8.length) fail(`${n} values of ${width} bytes do not fit`);
  const raw = view(buf, offset, n);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Number(raw[i]!);
  return { shape, dtype: descr[2]!, data };
}
