/**
 * bragg's SIMD kernels never write outside their outputs: every export of the built module is
 * called on a private memory with guard zones around each input and output region, on random
 * shapes that hit the tails and random splits of its range; after each block only the bytes
 * the block owns by the kernel's contract may have changed (guards, inputs and the other
 * blocks' parts stay as they were), and after the whole range every output byte was written
 * and no output is NaN (no guard was read into a result). All four builds (fused multiply-add
 * or plain SIMD, over a private or a shared memory).
 *
 * Checked to fail (BRAGG_BOUNDS_WASM_DIR=<dir with the four builds of a mutated wasm/assembly>):
 * a full 8-channel store on a conv2dForward tail panel, the last 4-pixel block not shifted left,
 * sumRows/meanMiddle/biasAdd/adamUpdate vector loops running into the tail, packPanels(T)
 * writing one float past a panel row, convPadInput one row past its range, convFilterGrad
 * storing all 4 tap rows or starting at panel 0, maxPoolGradImages zeroing from image 0,
 * maxPoolGradRows without its row clamp, reluGrad writing dy, convPadInput not zeroing the
 * right border (never written).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveSeed } from '../../../core/rng.js';
import { createRng } from '../../../core/rng.js';
import { CASES } from '../../../../test/support/ml/backend/simd/bounds-cases.js';
import { loadPrivate, runCase } from '../../../../test/support/ml/backend/simd/bounds.js';
import type { BoundsCase } from '../../../../test/support/ml/backend/simd/bounds.js';
import { simdKernelDir } from './module.js';

const BUILDS = [
  { fma: false, shared: false },
  { fma: true, shared: false },
  { fma: false, shared: true },
  { fma: true, shared: true },
];
const built = BUILDS.every(({ fma, shared }) =>
  existsSync(
    join(
      simdKernelDir(),
      `kernels-${fma ? 'relaxed' : 'simd'}-${shared ? 'shared' : 'private'}.wasm`,
    ),
  ),
);

/** Another directory with the four builds to check (BRAGG_BOUNDS_WASM_DIR; default dist/wasm). */
const DIR = process.env.BRAGG_BOUNDS_WASM_DIR ?? simdKernelDir();

/** Cases per export and build. */
const CASES_PER_EXPORT = 100;
const SEED = 0x6b0d5;

describe.skipIf(!built)('SIMD kernels stay inside their outputs', () => {
  it('every export of the module has bounds cases (a new export without one fails)', () => {
    for (const { fma, shared } of BUILDS) {
      const mod = loadPrivate(fma, shared, DIR);
      expect([...mod.names].sort()).toEqual(Object.keys(CASES).sort());
    }
  });

  for (const { fma, shared } of BUILDS) {
    const build = `${fma ? 'fused multiply-add' : 'plain SIMD'} ${shared ? 'shared' : 'private'}`;
    it(`${build} build: guards, inputs and other blocks' bytes unchanged on random shapes and splits`, () => {
      const mod = loadPrivate(fma, shared, DIR);
      expect(mod.exports.features!()).toBe(fma ? 2 : 1);
      const failures: string[] = [];
      for (const name of Object.keys(CASES).sort()) {
        for (let i = 0; i < CASES_PER_EXPORT; i++) {
          const seed = deriveSeed(SEED, name, i);
          const c: BoundsCase = CASES[name]!(createRng(seed));
          const failure = runCase(mod, c, deriveSeed(seed, 'run'));
          if (failure !== undefined) failures.push(failure);
        }
      }
      expect(failures.slice(0, 10)).toEqual([]);
    });
  }
});
