// MaxPoolGrad, the fused ReLU gradient and the bias Add with the plain SIMD128 build (no fused
// multiply-add): the module is loaded lazily at the first kernel call, after this line.
import { biasAddSuite } from './bias-add.suite.js';
import { maxPoolGradSuite } from './max-pool-grad.suite.js';
import { reluGradSuite } from './relu-grad.suite.js';

process.env.BRAGG_WASM_FMA = '0';

maxPoolGradSuite();
reluGradSuite();
biasAddSuite();
