/**
 * bragg's SIMD Conv2D filter gradient on the plain SIMD build (mul + add, no relaxed SIMD):
 * the same cases as conv2d-filter-simd.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { simdKernelDir } from '../simd/module.js';
import { filterGradientTests } from '../../../../test/support/ml/backend/kernels/simd-grad-cases.js';

const built = existsSync(join(simdKernelDir(), 'kernels-simd-private.wasm'));

describe.skipIf(!built)('SIMD filter gradient, plain SIMD build', () => {
  filterGradientTests(false);
});
