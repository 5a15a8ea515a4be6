/**
 * CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, RFC 3720 §B.4) with a 256-entry
 * table, and TFRecord's masked form of it: `((crc >>> 15) | (crc << 17)) + 0xa282ead8`
 * (mod 2³²), which TFRecord stores after the length and after the data of every record.
 */

const POLY = 0x82f63b78;

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * Update a running CRC-32C with `bytes`. Start with `crc32cUpdate(0, …)`; the value returned is
 * the finished CRC of everything passed so far (the pre/post inversion is done inside).
 */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The CRC-32C of `bytes` (unsigned 32-bit). */
export function crc32c(bytes: Uint8Array): number {
  return crc32cUpdate(0, bytes);
}

const MASK_DELTA = 0xa282ead8;

/** TFRecord's masked CRC: rotate right by 15 bits, add 0xa282ead8 (mod 2³²). */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** The inverse of {@link maskCrc}. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

/** The masked CRC-32C of `bytes`, as TFRecord stores it. */
export function maskedCrc32c(bytes: Uint8Array): number {
  return maskCrc(crc32c(bytes));
}
