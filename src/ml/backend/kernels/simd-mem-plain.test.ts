// MaxPool(Grad), the fused ReLU gradient, the bias Add, Mean, the Adam update and dropout with
// the plain SIMD128 build (no fused multiply-add), chosen by the backend's configuration.
import { beforeAll, expect } from 'vitest';
import { initBackend } from '../select.js';
import { batchNormSuite } from '../../../../test/support/ml/backend/kernels/batch-norm.suite.js';
import { adamSimdSuite } from '../../../../test/support/ml/backend/kernels/adam-simd.suite.js';
import { biasAddSuite } from '../../../../test/support/ml/backend/kernels/bias-add.suite.js';
import { dropoutSuite } from '../../../../test/support/ml/backend/kernels/dropout.suite.js';
import { maxPoolGradSuite } from '../../../../test/support/ml/backend/kernels/max-pool-grad.suite.js';
import { meanSuite } from '../../../../test/support/ml/backend/kernels/mean.suite.js';
import { reluGradSuite } from '../../../../test/support/ml/backend/kernels/relu-grad.suite.js';

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm', threads: 1, fma: false });
  expect(info.simdKernels?.fma).toBe(false);
});

maxPoolGradSuite();
reluGradSuite();
biasAddSuite();
meanSuite();
adamSimdSuite();
dropoutSuite();
batchNormSuite();
