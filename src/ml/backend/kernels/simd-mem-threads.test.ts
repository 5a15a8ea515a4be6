// The memory-bound kernels' suites on the multithreaded wasm backend (2 threads): range-split
// calls run on worker threads, which receive their arguments as i32 (float coefficients go
// through memory).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, expect } from 'vitest';
import { initBackend } from '../select.js';
import { simdKernels } from '../simd/module.js';
import { setParallelMinWork } from '../simd/parallel.js';
import { adamSimdSuite } from './adam-simd.suite.js';
import { biasAddSuite } from './bias-add.suite.js';
import { dropoutSuite } from './dropout.suite.js';
import { maxPoolGradSuite } from './max-pool-grad.suite.js';
import { meanSuite } from './mean.suite.js';
import { reluGradSuite } from './relu-grad.suite.js';

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm', threads: 2 });
  expect(info.threads).toBe(2);
  // Worker threads share the SIMD module: parallelFor splits ranges across them.
  expect(simdKernels(tf.backend() as unknown as BackendWasm)?.pool).toBeDefined();
  // Split every call, however small (the suites' tensors are below the default threshold).
  setParallelMinWork(0);
});

maxPoolGradSuite();
reluGradSuite();
biasAddSuite();
meanSuite();
adamSimdSuite();
dropoutSuite();
