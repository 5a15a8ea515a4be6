// MaxPoolGrad's SIMD kernel with the default SIMD build (the plain build: simd-mem-plain.test.ts).
import { maxPoolGradSuite } from '../../../../test/support/ml/backend/kernels/max-pool-grad.suite.js';

maxPoolGradSuite();
