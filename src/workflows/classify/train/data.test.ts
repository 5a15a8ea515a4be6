import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { logActivation } from '../../../ml/layers/log-activation.js';
import type { OpenedFile } from '../../../formats/types.js';
import { classifySource, cropPad, type LabelledImages } from './data.js';

/** n images of side² where image i is filled with i + 1 except pixel 0 = 1000 (shows flips). */
function fakeImages(n: number, side: number): LabelledImages {
  const file = {
    datasets: [{ name: 'images' }],
    read: (_name: string, sel?: { frame?: number }) => {
      const data = new Float32Array(side * side).fill((sel?.frame ?? 0) + 1);
      data[0] = 1000;
      return Promise.resolve({ array: { shape: [side, side], data } });
    },
  } as unknown as OpenedFile;
  const refs = Array.from({ length: n }, (_, i) => ({ file: 0, frame: i }));
  return {
    files: [file],
    classes: ['a', 'b'],
    train: refs,
    eval: [],
    labels: new Map(refs.map((r) => [`0:${r.frame}`, Float32Array.of(r.frame % 2, 1)])),
    datasetIds: [],
    close: () => Promise.resolve(),
  };
}

async function batches(
  src: ReturnType<typeof classifySource>,
  k: number,
): Promise<{ ids: number[]; corner: number[] }[]> {
  const out: { ids: number[]; corner: number[] }[] = [];
  for await (const b of src(k)) {
    const x = await b.x.data();
    const n = b.x.shape[0]!;
    const per = x.length / n;
    // the image id is the value away from the corners; the flip shows where 1000 went
    const ids = Array.from({ length: n }, (_, i) => x[i * per + per / 2 + 1]! - 1);
    const corner = Array.from({ length: n }, (_, i) =>
      [0, 3, per - 4, per - 1].findIndex((o) => x[i * per + o] === 1000),
    );
    out.push({ ids, corner });
    tf.dispose([b.x, b.y]);
  }
  return out;
}

describe('classify input pipeline', () => {
  it('centre-crops a larger image and zero-pads a smaller one to the crop size', () => {
    const big = Float32Array.from({ length: 6 * 6 }, (_, i) => i);
    const c = cropPad(big, 6, 6, 4);
    // rows/cols 1..4 of the 6×6 image
    expect(Array.from(c.subarray(0, 4))).toEqual([7, 8, 9, 10]);
    expect(c[15]).toBe(28);
    const small = Float32Array.from({ length: 2 * 2 }, (_, i) => i + 1);
    const p = cropPad(small, 2, 2, 4);
    expect(Array.from(p)).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
  });

  it('--steps-per-eval cycles walk the same stream of shuffled, flipped data epochs', async () => {
    const d = fakeImages(10, 4);
    const o = { refs: d.train, size: 4, batchSize: 4, seed: 7, augment: true, cropSize: 4 };
    // without cycles: data epochs 0, 1 of 3 batches each (4, 4, 2 images)
    const plain = [
      ...(await batches(classifySource(d, o), 0)),
      ...(await batches(classifySource(d, o), 1)),
    ];
    expect(plain.map((b) => b.ids.length)).toEqual([4, 4, 2, 4, 4, 2]);
    // each epoch visits every image once, in a seeded order that differs between epochs
    expect(
      plain
        .slice(0, 3)
        .flatMap((b) => b.ids)
        .sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plain.slice(0, 3).flatMap((b) => b.ids)).not.toEqual(
      plain.slice(3).flatMap((b) => b.ids),
    );
    // cycles of 4 steps: cycle 0 = epoch 0 + the first batch of epoch 1, cycle 1 = the rest
    const cyc = classifySource(d, { ...o, stepsPerEval: 4 });
    const c0 = await batches(cyc, 0);
    const c1 = await batches(cyc, 1);
    expect(c0).toHaveLength(4);
    expect(c1).toHaveLength(4);
    expect([...c0, ...c1].slice(0, 6)).toEqual(plain);
    expect(() => classifySource(d, { ...o, stepsPerEval: 0 })).toThrow(/stepsPerEval/);
    expect(() => classifySource(d, { ...o, cropSize: 0 })).toThrow(/cropSize/);
  });

  it('the logarithmic first activation is trainable: its gradient matches central differences', () => {
    // f(x) = sign(x)·α(ln(|x| + e⁻¹) + 1) + β, so f'(x) = α/(|x| + e⁻¹) for x ≠ 0
    const xs = [-3, -0.5, 0.25, 2, 40];
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((t: tf.Tensor) => logActivation(t, 0.2, 0.1).sum())(tf.tensor1d(xs))
          .dataSync(),
      ),
    );
    xs.forEach((x, i) => {
      const h = 1e-3;
      const f = (v: number): number =>
        tf.tidy(() => logActivation(tf.scalar(v), 0.2, 0.1).dataSync()[0]!);
      expect(g[i]).toBeCloseTo((f(x + h) - f(x - h)) / (2 * h), 2);
      expect(g[i]).toBeCloseTo(0.2 / (Math.abs(x) + Math.exp(-1)), 4);
    });
  });
});
