/**
 * bragg's SIMD matrix product (fused multiply-add build) against the cpu backend;
 * matmul-simd-plain.test.ts runs the same cases on the plain SIMD build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { simdKernelDir } from '../simd/module.js';
import { matmulTests } from '../../../../test/support/ml/backend/kernels/simd-grad-cases.js';

const built = existsSync(join(simdKernelDir(), 'kernels-relaxed-private.wasm'));

describe.skipIf(!built)('SIMD matrix product, fused multiply-add build', () => {
  matmulTests(true);
});
