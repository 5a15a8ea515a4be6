import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cUpdate, maskCrc, unmaskCrc } from './crc32c.js';

describe('CRC-32C', () => {
  // RFC 3720 (iSCSI), appendix B.4 "CRC Examples"
  it('matches the RFC 3720 B.4 vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('gives the check value of "123456789" (0xE3069283, the CRC-32C catalogue entry)', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('is the same in pieces as in one go', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(200), (b, cut) => {
        const k = Math.min(cut, b.length);
        expect(crc32cUpdate(crc32cUpdate(0, b.subarray(0, k)), b.subarray(k))).toBe(crc32c(b));
      }),
    );
  });

  it('masking is undone by unmasking and follows the TFRecord formula', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (c) => {
        expect(unmaskCrc(maskCrc(c))).toBe(c);
        expect(maskCrc(c)).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) % 2 ** 32);
      }),
    );
  });
});
