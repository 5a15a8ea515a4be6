// The SIMD Adam update with the default SIMD build (the plain build: simd-mem-plain.test.ts).
import { adamSimdSuite } from './adam-simd.suite.js';

adamSimdSuite();
