/**
 * bragg's SIMD Conv2D filter gradient (fused multiply-add build) against the cpu backend;
 * conv2d-filter-simd-plain.test.ts runs the same cases on the plain SIMD build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { simdKernelDir } from '../simd/module.js';
import { filterGradientTests } from './simd-grad-cases.js';

// This file tests bragg's kernels whatever the caller's environment says.
process.env.BRAGG_WASM_FMA = '1';
delete process.env.BRAGG_SIMD_KERNELS;

const built = existsSync(join(simdKernelDir(), 'kernels-relaxed-private.wasm'));

describe.skipIf(!built)('SIMD filter gradient, fused multiply-add build', () => {
  filterGradientTests(true);
});
