// The memory-bound kernels' suites on the multithreaded wasm backend (2 threads): range-split
// calls run on worker threads, which receive their arguments as i32 (float coefficients go
// through memory).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, expect } from 'vitest';
import { initBackend } from '../select.js';
import { simdKernels } from '../simd/module.js';
import { batchNormSuite } from '../../../../test/support/ml/backend/kernels/batch-norm.suite.js';
import { adamSimdSuite } from '../../../../test/support/ml/backend/kernels/adam-simd.suite.js';
import { biasAddSuite } from '../../../../test/support/ml/backend/kernels/bias-add.suite.js';
import { dropoutSuite } from '../../../../test/support/ml/backend/kernels/dropout.suite.js';
import { maxPoolGradSuite } from '../../../../test/support/ml/backend/kernels/max-pool-grad.suite.js';
import { meanSuite } from '../../../../test/support/ml/backend/kernels/mean.suite.js';
import { reluGradSuite } from '../../../../test/support/ml/backend/kernels/relu-grad.suite.js';

beforeAll(async () => {
  // Split every call, however small (the suites' tensors are below the default threshold).
  const info = await initBackend({ backend: 'wasm', threads: 2, parallelMinWork: 0 });
  expect(info.threads).toBe(2);
  // Worker threads share the SIMD module: parallelFor splits ranges across them.
  expect(info.simdKernels?.pool).toBeDefined();
  expect(simdKernels(tf.backend() as unknown as BackendWasm)).toBe(info.simdKernels);
});

maxPoolGradSuite();
reluGradSuite();
biasAddSuite();
meanSuite();
adamSimdSuite();
dropoutSuite();
batchNormSuite();
