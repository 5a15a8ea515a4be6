/**
 * bragg's SIMD Conv2D on the plain SIMD build (mul + add, no relaxed SIMD): the cases of
 * conv2d-simd.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { simdKernelDir } from '../simd/module.js';
import { convTests } from '../../../../test/support/ml/backend/kernels/conv2d-simd-cases.js';

const built = existsSync(join(simdKernelDir(), 'kernels-simd-private.wasm'));

describe.skipIf(!built)('SIMD Conv2D, plain SIMD build', () => {
  convTests(false);
});
