/**
 * NumPy `.npz`: a ZIP archive of `.npy` members (`np.savez` stores, `np.savez_compressed`
 * deflates). Keys are the member names without `.npy`, as numpy's `NpzFile` gives them.
 *
 * Bounded reading: a deflated member's declared size must be one DEFLATE can produce from
 * its compressed size (≤ 1032:1) and must equal what the member's NPY header needs; inflating
 * stops with a FormatError as soon as the output would pass it (zip bombs are refused, not
 * expanded). Stored members must declare the same compressed and uncompressed size.
 */
import { readAll, withSource } from '../../core/source.js';
import type { SourceInput } from '../../core/source.js';
import { Inflate, zipSync } from 'fflate';
import type { Zippable } from 'fflate';
import { FormatError } from '../../core/errors.js';
import { inflateBounded, MAX_DEFLATE_RATIO } from '../../core/inflate.js';
import type { NDArray } from '../../core/ndarray.js';
import { MAX_HEADER_BYTES, parseNpyHeader } from './header.js';
import type { NpyHeader } from './header.js';
import type { DecodedNpy, NpyWriteOptions } from './npy.js';
import { decodeNpy, writeNpy } from './npy.js';
import type { ZipEntry } from './zip.js';
import { checkCrc, listZip, memberDataOffset } from './zip.js';

export interface NpzMember {
  /** Key (member name without `.npy`). */
  key: string;
  entry: ZipEntry;
}

/** Members of an NPZ archive (any ZIP member is listed; non-`.npy` members keep their name). */
export function listNpz(bytes: Uint8Array, file?: string): NpzMember[] {
  return listZip(bytes, file).map((entry) => ({ key: entry.name.replace(/\.npy$/, ''), entry }));
}

/** The NPY header of a member, inflating only as much as the header needs. */
export function npzMemberHeader(bytes: Uint8Array, m: NpzMember, file?: string): NpyHeader {
  const e = m.entry;
  checkDeclared(e, file);
  const at = memberDataOffset(bytes, e, file);
  const comp = bytes.subarray(at, at + e.compressedSize);
  let head: Uint8Array;
  if (e.method === 0) head = comp.subarray(0, Math.min(comp.length, MAX_HEADER_BYTES + 12));
  else head = inflateHeader(comp, e, at, file);
  return parseNpyHeader(head, file, e.name);
}

/** Compressed bytes fed to the inflater at a time: ≤ 1032 × this comes out of one push. */
const HEADER_PUSH_BYTES = 256;

/**
 * The first bytes of a deflated member, as many as its NPY header needs (its length is read
 * from the first 12 bytes out; at most `MAX_HEADER_BYTES + 12`), inflated in small pushes so
 * that memory stays near the header's size however large the member is (an 8 GB member of
 * zeros gives 264 KB per push, not gigabytes). A stream that ends first is a FormatError.
 */
function inflateHeader(comp: Uint8Array, e: ZipEntry, at: number, file?: string): Uint8Array {
  const cap = Math.min(e.uncompressedSize, MAX_HEADER_BYTES + 12);
  const fail = (what: string, cause?: unknown, found?: string): FormatError =>
    new FormatError('NPZ', what, {
      file,
      path: e.name,
      offset: at,
      ...(found !== undefined ? { expected: 'an NPY header', found } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  const out = new Uint8Array(cap);
  let produced = 0;
  let need = cap;
  const stream = new Inflate((chunk: Uint8Array) => {
    const n = Math.min(chunk.length, cap - produced);
    if (n > 0) out.set(chunk.subarray(0, n), produced);
    produced += n;
  });
  let pos = 0;
  try {
    while (produced < need && pos < comp.length) {
      const end = Math.min(comp.length, pos + HEADER_PUSH_BYTES);
      stream.push(comp.subarray(pos, end), end === comp.length);
      pos = end;
      if (need === cap && produced >= 12) need = Math.min(cap, npyHeaderBytes(out));
    }
  } catch (err) {
    throw fail(`corrupt compressed data (${(err as Error).message})`, err);
  }
  if (produced < need) {
    throw fail('compressed data ends early', undefined, `${produced} bytes`);
  }
  return out.subarray(0, need);
}

/** Bytes an NPY header takes from its first 12 (magic, version, length); ≥ 12 when unsure. */
function npyHeaderBytes(b: Uint8Array): number {
  const major = b[6];
  const le = (i: number): number => b[i]!;
  if (major === 1) return 10 + le(8) + 256 * le(9);
  if (major === 2 || major === 3)
    return 12 + le(8) + 256 * le(9) + 65536 * le(10) + 16777216 * le(11);
  return 12; // not NPY: let the header parser say so
}

/** Decode one member (bounded, CRC-checked). */
export function decodeNpzMember(bytes: Uint8Array, m: NpzMember, file?: string): DecodedNpy {
  const e = m.entry;
  const header = npzMemberHeader(bytes, m, file);
  const needed = header.dataOffset + header.dataBytes;
  if (e.uncompressedSize !== needed) {
    throw new FormatError(
      'NPZ',
      e.uncompressedSize > needed
        ? 'member declares more bytes than its NPY header needs'
        : 'member declares fewer bytes than its NPY header needs',
      {
        file,
        path: e.name,
        offset: e.localOffset,
        expected: `${needed} bytes (header + shape (${header.shape.join(', ')}) of ${header.type.descr})`,
        found: `${e.uncompressedSize} bytes`,
      },
    );
  }
  const at = memberDataOffset(bytes, e, file);
  const comp = bytes.subarray(at, at + e.compressedSize);
  const raw =
    e.method === 0
      ? comp
      : inflateBounded(comp, needed, {
          format: 'NPZ',
          file,
          path: e.name,
          offset: at,
          exact: true,
        });
  checkCrc(raw, e, file);
  return decodeNpy(raw, file, e.name);
}

function checkDeclared(e: ZipEntry, file?: string): void {
  if (e.method === 0 && e.compressedSize !== e.uncompressedSize) {
    throw new FormatError('NPZ', 'stored member with different compressed and uncompressed sizes', {
      file,
      path: e.name,
      expected: `${e.compressedSize} bytes`,
      found: `${e.uncompressedSize} bytes`,
    });
  }
  if (e.method === 8 && e.uncompressedSize > e.compressedSize * MAX_DEFLATE_RATIO + 1024) {
    throw new FormatError(
      'NPZ',
      'declared size is more than DEFLATE can produce from the member (zip bomb?)',
      {
        file,
        path: e.name,
        expected: `≤ ${MAX_DEFLATE_RATIO} × ${e.compressedSize} bytes`,
        found: `${e.uncompressedSize} bytes`,
      },
    );
  }
}

/** Read every `.npy` member of an `.npz` (path, bytes, stream or source) into arrays, by key. */
export async function readNpz(src: Uint8Array | SourceInput): Promise<Record<string, NDArray>> {
  if (src instanceof Uint8Array) return decodeNpz(src);
  return withSource(src, (s) => decodeNpz(readAll(s, 'NPZ'), s.name));
}

/** Synchronous form of `readNpz` for bytes in memory. */
export function decodeNpz(bytes: Uint8Array, file?: string): Record<string, NDArray> {
  const out: Record<string, NDArray> = {};
  for (const m of listNpz(bytes, file)) {
    if (!m.entry.name.endsWith('.npy')) continue;
    out[m.key] = decodeNpzMember(bytes, m, file).array;
  }
  return out;
}

export interface NpzWriteOptions extends NpyWriteOptions {
  /** Deflate members (like `np.savez_compressed`); default false (like `np.savez`). */
  compress?: boolean;
}

/** Encode arrays as an `.npz` archive; keys become `<key>.npy` members. */
export function writeNpz(
  arrays: Readonly<Record<string, NDArray>>,
  opts: NpzWriteOptions = {},
): Uint8Array {
  const files: Zippable = {};
  for (const [k, a] of Object.entries(arrays)) {
    files[`${k}.npy`] = [writeNpy(a, opts), { level: opts.compress ? 6 : 0 }];
  }
  // A fixed timestamp (1980-01-01) makes the same arrays give the same bytes.
  return zipSync(files, { mtime: new Date(1980, 0, 1, 0, 0, 0) });
}
