import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '../../core/rng.js';
import { affine2d, IDENTITY, randomAffine } from './affine2d.js';

const ramp = Float32Array.from({ length: 30 }, (_, i) => i);

describe('affine2d (Keras apply_affine_transform)', () => {
  it('matches scipy.ndimage.affine_transform with the Keras matrix', () => {
    // Reference: keras-preprocessing's apply_affine_transform math (R·T·Sh·Z about h/2 + 0.5,
    // w/2 + 0.5) fed to scipy 1.17.1 ndimage.affine_transform(order=1, mode='constant', cval=0)
    // on np.arange(30).reshape(5, 6), theta=30°, tx=0.5, ty=-1, shear=10°, zx=1.2, zy=0.9.
    const want = [
      [0, 0, 10.148322, 7.366709, 4.585096, 0],
      [0, 0, 16.983705, 14.202092, 11.420478, 8.638865],
      [0, 0, 23.819088, 21.037474, 18.255861, 15.474248],
      [0, 0, 0, 0, 25.091244, 22.309631],
      [0, 0, 0, 0, 0, 0],
    ].flat();
    const got = affine2d(ramp, 5, 6, {
      ...IDENTITY,
      theta: 30,
      tx: 0.5,
      ty: -1,
      shear: 10,
      zx: 1.2,
      zy: 0.9,
    });
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
  });

  it('is the identity without a transform, and flips rows and columns', () => {
    expect(Array.from(affine2d(ramp, 5, 6, IDENTITY))).toEqual(Array.from(ramp));
    const f = affine2d(ramp, 5, 6, { ...IDENTITY, flipRows: true, flipCols: true });
    expect(Array.from(f)).toEqual(Array.from(ramp).reverse());
  });

  it('zoom > 1 shrinks the content toward the centre', () => {
    const img = new Float32Array(21 * 21);
    for (let y = 0; y < 21; y++)
      for (let x = 0; x < 21; x++) img[y * 21 + x] = Math.hypot(y - 10, x - 10) < 8 ? 1 : 0;
    const count = (a: Float32Array) => a.reduce((s, v) => s + (v > 0.5 ? 1 : 0), 0);
    const z = affine2d(img, 21, 21, { ...IDENTITY, zx: 2, zy: 2 });
    expect(count(z) / count(img)).toBeGreaterThan(0.2);
    expect(count(z) / count(img)).toBeLessThan(0.3);
  });

  it('draws the same parameters for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const o = {
          zoom: [0.8, 1.2] as [number, number],
          zoomAnisotropy: 0.07,
          shear: 0.05,
          rotation: 45,
          shift: 0.1,
          flips: true,
        };
        const a = randomAffine(createRng(seed), 16, 16, o);
        expect(randomAffine(createRng(seed), 16, 16, o)).toEqual(a);
        expect(Math.abs(a.theta)).toBeLessThanOrEqual(45);
        expect(Math.abs(a.tx)).toBeLessThanOrEqual(1.6);
      }),
      { numRuns: 50 },
    );
  });
});
