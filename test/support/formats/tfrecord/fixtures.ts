/**
 * TFRecord fixtures for tests: a small single-shot file (seeded pixels and labels) and a
 * generic one with every feature kind.
 */
import { createRng } from '../../../../src/core/rng.js';
import type { Example } from '../../../../src/formats/tfrecord/example.js';
import { singleShotExample } from '../../../../src/formats/tfrecord/writer.js';

/** `n` single-shot examples of h × w pixels with `c` classes, from `seed`. */
export function singleShotExamples(
  n: number,
  h: number,
  w: number,
  c: number,
  seed = 1,
): {
  examples: Example[];
  pixels: Uint16Array[];
  labels: Int16Array[];
} {
  const rng = createRng(seed);
  const pixels: Uint16Array[] = [];
  const labels: Int16Array[] = [];
  const examples: Example[] = [];
  for (let i = 0; i < n; i++) {
    const px = new Uint16Array(h * w);
    for (let k = 0; k < px.length; k++) px[k] = rng.int(65536);
    const lb = new Int16Array(c);
    for (let k = 0; k < c; k++) lb[k] = rng.int(2);
    pixels.push(px);
    labels.push(lb);
    examples.push(singleShotExample(px, h, w, lb));
  }
  return { examples, pixels, labels };
}

/** Examples with a bytes, a float and an int64 feature of fixed lengths, and a ragged one. */
export function genericExamples(n: number): Example[] {
  const out: Example[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      features: {
        name: { kind: 'bytes', value: [new TextEncoder().encode(`rec${i % 10}`)] },
        score: { kind: 'float', value: Float32Array.of(i + 0.5, -i) },
        id: { kind: 'int64', value: BigInt64Array.of(BigInt(i) - 3n, 2n ** 62n) },
        ragged: { kind: 'int64', value: new BigInt64Array(i % 3) },
      },
    });
  }
  return out;
}
