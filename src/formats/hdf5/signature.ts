/**
 * Checks made on the raw bytes before a file is handed to the HDF5 library: the format
 * signature (at 0 or after a user block of 512·2^k bytes) and the superblock's end-of-file
 * address against the real file size, so that truncated files are refused with an exact
 * message instead of reaching the C library.
 *
 * Superblock layouts from the HDF5 File Format Specification, version 3.0, section II.A
 * ("Disk Format: Level 0A - Format Signature and Superblock").
 */
import { FormatError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';

/** `\211HDF\r\n\032\n` (HDF5 spec II.A, "Format Signature"). */
export const HDF5_SIGNATURE = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export function hasSignature(bytes: Uint8Array, at = 0): boolean {
  if (bytes.length < at + 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[at + i] !== HDF5_SIGNATURE[i]) return false;
  return true;
}

export interface SuperblockInfo {
  /** Byte offset of the signature (the user-block size). */
  offset: number;
  version: number;
  sizeOfOffsets: number;
  sizeOfLengths: number;
  /** Absolute end-of-file address the superblock declares. */
  eof: number;
  fileSize: number;
}

function readAddress(b: Uint8Array, at: number, size: number): number | undefined {
  if (at + size > b.length) return undefined;
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i]!);
  // all ones = undefined address
  if (v === (1n << BigInt(8 * size)) - 1n) return undefined;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Up to 96 bytes of the source at `at`. */
function headAt(source: ByteSource, at: number): Uint8Array {
  return source.read(at, Math.max(0, Math.min(96, source.size - at)), 'HDF5');
}

/** Parse and validate the superblock of a file (reads a few hundred bytes of the source). */
export function checkSuperblock(source: ByteSource): SuperblockInfo {
  const path = source.name;
  const size = source.size;
  let offset = -1;
  for (let at = 0; at < size; at = at === 0 ? 512 : at * 2) {
    if (hasSignature(headAt(source, at))) {
      offset = at;
      break;
    }
  }
  if (offset < 0) {
    throw new FormatError('HDF5', 'no HDF5 format signature', {
      file: path,
      offset: 0,
      expected: '\\211HDF\\r\\n\\032\\n at byte 0, 512, 1024, ...',
      found: size < 8 ? `a file of ${size} bytes` : 'other bytes',
    });
  }
  const b = headAt(source, offset);
  const bad = (what: string, at: number, expected: string, found: string): FormatError =>
    new FormatError('HDF5', what, { file: path, offset: offset + at, expected, found });
  if (b.length < 9) throw bad('truncated superblock', 8, 'superblock version', 'end of file');
  const version = b[8]!;
  let so: number, sl: number, eofAt: number, baseAt: number;
  if (version === 0 || version === 1) {
    so = b[13] ?? 0;
    sl = b[14] ?? 0;
    baseAt = version === 0 ? 24 : 28;
    eofAt = baseAt + 2 * so;
  } else if (version === 2 || version === 3) {
    so = b[9] ?? 0;
    sl = b[10] ?? 0;
    baseAt = 12;
    eofAt = baseAt + 2 * so;
  } else {
    throw bad('unknown superblock version', 8, '0, 1, 2 or 3', String(version));
  }
  if (![2, 4, 8].includes(so)) throw bad('bad size of offsets', 13, '2, 4 or 8', String(so));
  if (![2, 4, 8, 16].includes(sl))
    throw bad('bad size of lengths', 14, '2, 4, 8 or 16', String(sl));
  const base = readAddress(b, baseAt, so);
  const eofRel = readAddress(b, eofAt, so);
  if (base === undefined || eofRel === undefined) {
    throw bad('truncated superblock', eofAt, `${so}-byte addresses`, `${b.length} bytes`);
  }
  const eof = base + eofRel;
  if (eof > size) {
    throw bad(
      'file is truncated or corrupt: the superblock declares a larger end of file',
      eofAt,
      `end of file at byte ${eof}`,
      `${size} bytes`,
    );
  }
  return { offset, version, sizeOfOffsets: so, sizeOfLengths: sl, eof, fileSize: size };
}
