/**
 * bragg's SIMD matrix product on the plain SIMD build (mul + add, no relaxed SIMD): the same
 * cases as matmul-simd.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { simdKernelDir } from '../simd/module.js';
import { matmulTests } from '../../../../test/support/ml/backend/kernels/simd-grad-cases.js';

const built = existsSync(join(simdKernelDir(), 'kernels-simd-private.wasm'));

describe.skipIf(!built)('SIMD matrix product, plain SIMD build', () => {
  matmulTests(false);
});
