// The fused training-mode batch normalisation with the default SIMD build (the plain build and
// 2 threads: simd-mem-plain.test.ts, simd-mem-threads.test.ts).
import { batchNormSuite } from '../../../../test/support/ml/backend/kernels/batch-norm.suite.js';

batchNormSuite();
