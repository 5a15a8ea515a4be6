/**
 * bragg's SIMD matrix product on the plain SIMD build (mul + add, no relaxed SIMD): the same
 * cases as matmul-simd.test.ts. The build is chosen when the module first loads, so the variable
 * is set before any kernel runs in this file's process.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { simdKernelDir } from '../simd/module.js';
import { matmulTests } from './simd-grad-cases.js';

// This file tests bragg's kernels whatever the caller's environment says.
process.env.BRAGG_WASM_FMA = '0';
delete process.env.BRAGG_SIMD_KERNELS;

const built = existsSync(join(simdKernelDir(), 'kernels-simd-private.wasm'));

describe.skipIf(!built)('SIMD matrix product, plain SIMD build', () => {
  matmulTests(false);
});
