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
import { zipSync } from 'fflate';
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
  else {
    head = inflateBounded(comp, e.uncompressedSize, {
      format: 'NPZ',
      file,
      path: e.name,
      offset: at,
      stopAfter: Math.min(e.uncompressedSize, MAX_HEADER_BYTES + 12),
    });
  }
  return parseNpyHeader(head, file, e.name);
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
