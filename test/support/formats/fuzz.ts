/**
 * Shared generators for the bad-input tests every reader has: truncations at many offsets,
 * seeded random byte mutations, and a harness that checks that only typed errors come out.
 */
import { BraggError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/core/rng.js';

/** `count` prefixes of `bytes`, at offsets spread over the whole file (always includes 0..16). */
export function truncations(bytes: Uint8Array, count = 64): Uint8Array[] {
  const out = new Set<number>();
  for (let i = 0; i < Math.min(16, bytes.length); i++) out.add(i);
  for (let k = 0; k < count; k++) out.add(Math.floor((k / count) * bytes.length));
  out.add(Math.max(0, bytes.length - 1));
  return [...out].sort((a, b) => a - b).map((n) => new Uint8Array(bytes.subarray(0, n)));
}

/**
 * `count` mutated copies of `bytes`: each flips 1–8 random bytes (random values, or bits, or
 * 0xff runs that make lengths huge), seeded so that a failure can be reproduced.
 * Mutations can be limited to the first `region` bytes (headers) where the data is bulk.
 */
export function mutations(
  bytes: Uint8Array,
  seed: number,
  count = 500,
  region = bytes.length,
): { seed: number; index: number; bytes: Uint8Array }[] {
  const rng = createRng(seed);
  const out: { seed: number; index: number; bytes: Uint8Array }[] = [];
  const span = Math.max(1, Math.min(region, bytes.length));
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(bytes); // a copy: Buffer.slice() would be a view
    const flips = 1 + rng.int(8);
    for (let f = 0; f < flips; f++) {
      const at = rng.int(span);
      const mode = rng.int(3);
      if (mode === 0) b[at] = rng.int(256);
      else if (mode === 1) b[at] = b[at]! ^ (1 << rng.int(8));
      else for (let j = at; j < Math.min(b.length, at + 4); j++) b[j] = 0xff;
    }
    out.push({ seed, index: i, bytes: b });
  }
  return out;
}

/**
 * Run `parse` and return 'ok' or the BraggError it threw; anything else (TypeError,
 * RangeError, a WASM trap) is re-thrown so the test fails and shows it.
 */
export async function expectOnlyTypedErrors(
  parse: () => unknown | Promise<unknown>,
): Promise<'ok' | BraggError> {
  try {
    await parse();
    return 'ok';
  } catch (err) {
    if (err instanceof BraggError) return err;
    throw err;
  }
}
