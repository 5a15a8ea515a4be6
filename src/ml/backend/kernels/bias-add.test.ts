// The bias Add with the default SIMD build (the plain build: simd-mem-plain.test.ts).
import { biasAddSuite } from '../../../../test/support/ml/backend/kernels/bias-add.suite.js';

biasAddSuite();
