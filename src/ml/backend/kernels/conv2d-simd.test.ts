/**
 * bragg's SIMD Conv2D (forward and input gradient) on the fused multiply-add build, against the
 * cpu backend; conv2d-simd-plain.test.ts runs the same cases on the plain SIMD build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { simdKernelDir } from '../simd/module.js';
import { convTests } from '../../../../test/support/ml/backend/kernels/conv2d-simd-cases.js';

const built = existsSync(join(simdKernelDir(), 'kernels-relaxed-private.wasm'));

describe.skipIf(!built)('SIMD Conv2D, fused multiply-add build', () => {
  convTests(true);
});
