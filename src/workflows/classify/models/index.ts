/** The classify workflow's model architectures (registered through the workflow). */
export { AIRYNET_RESNET, RESNET_DEPTHS } from './resnet-v2.js';
export type { ResnetDepth, ResnetOptions } from './resnet-v2.js';
export { AIRYNET_VGG, VGG_DEPTHS } from './vgg.js';
export type { VggDepth, VggOptions } from './vgg.js';
export { AIRYNET_DEFAULTS } from './common.js';
export type { AirynetOptions, FirstActivation, OutputActivation } from './common.js';
