/**
 * The polar-log registration of the validation figure (seed: STUDY.md §1, the figure's
 * `warp_polar(scaling='log')` + phase correlation). Property: a simulated rutile [001] PACBED
 * pattern (bragg's multislice, 80 kV, mistilt 6 mrad at azimuth 20°, which leaves the pattern
 * without a rotation symmetry) turned by a known angle — and rescaled, and with Poisson noise —
 * is registered back to that angle and scale. A registration that ignores the angle, gets its
 * sign wrong or reads the symmetric pattern's period instead fails these.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { ValidationError } from '../../core/errors.js';
import { simulatePacbed } from '../../simulate/multislice/simulate.js';
import { rutile } from '../../../test/support/simulate/multislice/crystals.js';
import { poissonAtDose } from './augment.js';
import { resize2d } from './dataset/resize.js';
import { logPolar, registerRotation, rotateImage, scaleImage } from './registration.js';

const N = 64;
let pattern: Float32Array;

beforeAll(async () => {
  const r = await simulatePacbed(
    rutile(),
    {
      zone: [0, 0, 1],
      kv: 80,
      convergenceAngle: 20,
      thicknesses: [150],
      sampling: 0.1,
      extent: 4.6,
      sliceThickness: 1.5,
      scan: 3,
      maxAngle: 40,
      mistilt: 6,
      azimuth: 20,
    },
    { threads: 1 },
  );
  const [, ny, nx] = r.shape;
  pattern = resize2d(r.patterns, ny, nx, N, N, 'area');
}, 60_000);

function angleDiff(a: number, b: number): number {
  const d = (((a - b) % 360) + 540) % 360 - 180;
  return Math.abs(d);
}

describe('registerRotation', () => {
  it('recovers known rotations of a simulated mistilted pattern to within 1°', () => {
    for (const angle of [0, 23, -67, 131.5]) {
      const r = registerRotation(pattern, rotateImage(pattern, N, angle), N);
      expect(angleDiff(r.angle, angle)).toBeLessThan(1);
      expect(r.scale).toBeCloseTo(1, 1);
    }
  });

  it('recovers rotation and camera-length scale together, with Poisson noise', () => {
    const moved = poissonAtDose(
      createRng(7),
      scaleImage(rotateImage(pattern, N, -38), N, 1.12),
      200,
    );
    const r = registerRotation(pattern, moved, N);
    expect(angleDiff(r.angle, -38)).toBeLessThan(1.5);
    expect(Math.abs(r.scale - 1.12)).toBeLessThan(0.03);
    // the registered reference matches far better than the unregistered one
    const ncc = (a: Float32Array, b: Float32Array) => {
      let ma = 0;
      let mb = 0;
      for (let i = 0; i < a.length; i++) {
        ma += a[i]!;
        mb += b[i]!;
      }
      ma /= a.length;
      mb /= b.length;
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += (a[i]! - ma) * (b[i]! - mb);
        aa += (a[i]! - ma) ** 2;
        bb += (b[i]! - mb) ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    const aligned = scaleImage(rotateImage(pattern, N, r.angle), N, r.scale);
    expect(ncc(aligned, moved)).toBeGreaterThan(ncc(pattern, moved) + 0.05);
  });

  it('is a cyclic shift on the log-polar grid: a rotation by one bin moves the columns by one', () => {
    const lp = logPolar(pattern, N, { nt: 90, nr: 16 });
    const lq = logPolar(rotateImage(pattern, N, 4), N, { nt: 90, nr: 16 });
    let same = 0;
    let shifted = 0;
    for (let i = 4; i < 16; i++) {
      for (let j = 0; j < 90; j++) {
        same += Math.abs(lq[i * 90 + j]! - lp[i * 90 + j]!);
        shifted += Math.abs(lq[i * 90 + ((j + 1) % 90)]! - lp[i * 90 + j]!);
      }
    }
    expect(shifted).toBeLessThan(0.3 * same);
  });

  it('refuses images of the wrong size and bad options with ValidationErrors', () => {
    expect(() => registerRotation(pattern, new Float32Array(10), N)).toThrow(ValidationError);
    expect(() => registerRotation(pattern, pattern, N, { maxLogShift: 100 })).toThrow(
      ValidationError,
    );
    expect(() => logPolar(pattern, N, { rMin: 5, rMax: 2 })).toThrow(ValidationError);
  });
});
