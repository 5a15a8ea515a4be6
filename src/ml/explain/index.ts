/** Explaining predictions: Grad-CAM and Grad-CAM++ for functional tfjs models. */
export { camFromWeights, camWeights, Explainer, scoreGradients, upsampleMaps } from './gradcam.js';
export type { CamMethod, ExplainOptions, Explanation, ScoreGradients } from './gradcam.js';
export { defaultScoreLayer, splitModel } from './split.js';
export type { SplitModel } from './split.js';
