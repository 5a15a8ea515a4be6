// The seeded dropout multiplier with the default SIMD build (plain build: simd-mem-plain.test.ts).
import { dropoutSuite } from '../../../../test/support/ml/backend/kernels/dropout.suite.js';

dropoutSuite();
