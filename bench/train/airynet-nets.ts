/**
 * The AiryNet nets of issue 14's item 9 for `bragg bench train` (their PyTorch twins are in
 * bench/reference/torch_train_bench.py): ResNet-18 v2 with the logarithmic first activation at
 * 64² and 224², VGG-16 at 224²; 1 channel, 11 classes, batch 24 (the seed's). They train as the
 * seed does: sigmoid output + binary cross-entropy on multi-hot labels, SGD Nesterov 0.9 at
 * 0.1·batch/128.
 */
import type * as tf from '@tensorflow/tfjs';
import { AIRYNET_RESNET, AIRYNET_VGG } from '../../src/workflows/classify/models/index.js';

export interface AirynetBenchNet {
  readonly name: string;
  readonly description: string;
  readonly inputShape: readonly number[];
  readonly batchSize: number;
  readonly numClasses: number;
  readonly multiLabel: true;
  build(seed: number): tf.LayersModel;
}

function resnet18(side: number): AirynetBenchNet {
  return {
    name: `airynet-resnet18-${side}`,
    description: `AiryNet ResNet-18 v2 + log activation, ${side}², 11 classes`,
    inputShape: [side, side, 1],
    batchSize: 24,
    numClasses: 11,
    multiLabel: true,
    build: (seed) =>
      AIRYNET_RESNET.build(
        AIRYNET_RESNET.resolve({ depth: 18, size: side, classes: 11, output: 'sigmoid' }),
        seed,
      ),
  };
}

export const AIRYNET_BENCH_NETS: Readonly<Record<string, AirynetBenchNet>> = {
  'airynet-resnet18-64': resnet18(64),
  'airynet-resnet18-224': resnet18(224),
  'airynet-vgg16-224': {
    name: 'airynet-vgg16-224',
    description: 'AiryNet VGG-16 + log activation, 224², 11 classes',
    inputShape: [224, 224, 1],
    batchSize: 24,
    numClasses: 11,
    multiLabel: true,
    build: (seed) =>
      AIRYNET_VGG.build(
        AIRYNET_VGG.resolve({ depth: 16, size: 224, classes: 11, output: 'sigmoid' }),
        seed,
      ),
  },
};
