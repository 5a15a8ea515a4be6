// MaxPool(Grad), the fused ReLU gradient, the bias Add, Mean, the Adam update and dropout with the plain SIMD128 build (no fused
// multiply-add): the module is loaded lazily at the first kernel call, after this line.
import { adamSimdSuite } from './adam-simd.suite.js';
import { biasAddSuite } from './bias-add.suite.js';
import { dropoutSuite } from './dropout.suite.js';
import { maxPoolGradSuite } from './max-pool-grad.suite.js';
import { meanSuite } from './mean.suite.js';
import { reluGradSuite } from './relu-grad.suite.js';

process.env.BRAGG_WASM_FMA = '0';

maxPoolGradSuite();
reluGradSuite();
biasAddSuite();
meanSuite();
adamSimdSuite();
dropoutSuite();
