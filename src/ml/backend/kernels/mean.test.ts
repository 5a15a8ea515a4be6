// Mean over middle axes with the default SIMD build (the plain build: simd-mem-plain.test.ts).
import { meanSuite } from '../../../../test/support/ml/backend/kernels/mean.suite.js';

meanSuite();
