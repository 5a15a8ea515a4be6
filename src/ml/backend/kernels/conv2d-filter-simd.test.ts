/**
 * bragg's SIMD Conv2D filter gradient (fused multiply-add build) against the cpu backend;
 * conv2d-filter-simd-plain.test.ts runs the same cases on the plain SIMD build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { simdKernelDir } from '../simd/module.js';
import { filterGradientTests } from '../../../../test/support/ml/backend/kernels/simd-grad-cases.js';

const built = existsSync(join(simdKernelDir(), 'kernels-relaxed-private.wasm'));

describe.skipIf(!built)('SIMD filter gradient, fused multiply-add build', () => {
  filterGradientTests(true);
});
