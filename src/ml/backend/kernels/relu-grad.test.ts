// The fused ReLU gradient with the default SIMD build (the plain build: simd-mem-plain.test.ts).
import { reluGradSuite } from '../../../../test/support/ml/backend/kernels/relu-grad.suite.js';

reluGradSuite();
