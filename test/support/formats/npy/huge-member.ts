/**
 * An `.npz` whose one deflated member is huge once inflated but small on disk: a raw DEFLATE
 * stream of an NPY header and `blocks` × 16 MiB of zeros, built from one full-flushed block
 * repeated (after a full flush a deflater starts afresh, so the same input gives the same
 * bytes and the pieces concatenate into one valid stream). What `bragg info` must list
 * without inflating it whole.
 */
import { writeFile } from 'node:fs/promises';
import { constants, crc32, deflateRawSync } from 'node:zlib';

const BLOCK = 16 * 2 ** 20;

function npyHeader(shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0, text.length & 0xff, text.length >> 8], 0);
  out.set(Buffer.from(text, 'latin1'), 10);
  return out;
}

/**
 * Writes `path`: an npz with member `big.npy`, a uint8 array of `blocks × 16 MiB − header`
 * elements (uncompressed size `blocks × 16 MiB`, < 4 GiB: no ZIP64). The recorded CRC is that
 * of the first block only (a listing does not check it; reading the array would fail on it).
 * Returns the member's uncompressed size [bytes].
 */
export async function writeHugeMemberNpz(path: string, blocks: number): Promise<number> {
  const size = blocks * BLOCK;
  if (size >= 2 ** 32) throw new Error('keep the member below 4 GiB (no ZIP64 here)');
  // The header takes bytes of the first block: the array is that much shorter.
  const realHeader = npyHeader([size - npyHeader([size]).length]);
  const first = new Uint8Array(BLOCK);
  first.set(realHeader, 0);
  const flush = { finishFlush: constants.Z_FULL_FLUSH, level: 9 };
  const head = deflateRawSync(first, flush);
  const zeros = deflateRawSync(new Uint8Array(BLOCK), flush);
  const end = deflateRawSync(new Uint8Array(0), { finishFlush: constants.Z_FINISH });
  const parts: Uint8Array[] = [head];
  for (let i = 1; i < blocks; i++) parts.push(zeros);
  parts.push(end);
  const data = Buffer.concat(parts);
  const name = Buffer.from('big.npy');
  const crc = crc32(first) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + name.length + data.length;
  const cdSize = central.length + name.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(cdSize, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  await writeFile(path, Buffer.concat([local, name, data, central, name, eocd]));
  return size;
}
