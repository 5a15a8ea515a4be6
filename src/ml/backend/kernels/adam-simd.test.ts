// The SIMD Adam update with the default SIMD build (the plain build: simd-mem-plain.test.ts).
import { adamSimdSuite } from '../../../../test/support/ml/backend/kernels/adam-simd.suite.js';

adamSimdSuite();
