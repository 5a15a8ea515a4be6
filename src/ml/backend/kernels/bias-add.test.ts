// The bias Add with the default SIMD build (the plain build: simd-mem-plain.test.ts).
import { biasAddSuite } from './bias-add.suite.js';

biasAddSuite();
