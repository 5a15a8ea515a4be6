/**
 * Issue 14 accuracy study: the demo's ResNet-18 (log activation, BN momentum 0.9, batch 16,
 * lr 0.1·16/128, ×0.1 at 60 % and 85 % of the epochs; the same seeds as `trainClassifyModel`)
 * on a classify dataset folder, with the images centre-cropped to `crop`² before the resize
 * to `size`² (the pipeline's default crop is the seed's 256). Prints the multi-label metrics
 * on the eval split and the per-class recall/precision. No bundle is written: predict and serve
 * read 256² crops, so a model trained on other crops is kept out of the model store.
 *   npx vite-node bench/train/classify-crop.ts <dataset dir> <crop> <size> <epochs>
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/ml/backend/select.js';
import { train } from '../../src/ml/train/trainer.js';
import { AIRYNET_RESNET } from '../../src/workflows/classify/models/index.js';
import { classifySource, openLabelledImages } from '../../src/workflows/classify/train/data.js';
import { evaluateClassifier } from '../../src/workflows/classify/train/train.js';

const [data = '', crop = '256', size = '64', epochsArg = '6'] = process.argv.slice(2);
const epochs = Number(epochsArg);
const info = await initBackend({});
const t0 = performance.now();
const d = await openLabelledImages([data]);
const batchSize = 16;
const seed = 1;
const cropSize = Number(crop);
const config = AIRYNET_RESNET.resolve({
  depth: 18,
  size: Number(size),
  classes: d.classes.length,
  output: 'sigmoid',
  bnMomentum: 0.9,
});
const model = AIRYNET_RESNET.build(config, seed);
const src = { size: Number(size), batchSize, seed, cropSize };
const boundaries = [Math.max(1, Math.round(epochs * 0.6)), Math.max(2, Math.round(epochs * 0.85))];
await train(model, classifySource(d, { ...src, refs: d.train, augment: true }), {
  epochs,
  optimizer: { kind: 'sgd', learningRate: (0.1 * batchSize) / 128, momentum: 0.9, nesterov: true },
  schedule: { kind: 'piecewise', boundaries, gamma: 0.1 },
  loss: 'binaryCrossentropy',
  regularization: { l1: config.l1, l2: config.l2 },
  validation: classifySource(d, { ...src, refs: d.eval, augment: false }),
  callbacks: [
    {
      onEvent(e) {
        if (e.type === 'epoch')
          process.stderr.write(
            `epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)}, val_loss ${(e.val_loss ?? NaN).toFixed(4)} (${e.seconds.toFixed(0)} s)\n`,
          );
      },
    },
  ],
});
const m = await evaluateClassifier(model, d, d.eval, Number(size), 32, false, cropSize);
const line = (k: string, v: number): string => `${k} ${(100 * v).toFixed(1)} %`;
process.stdout.write(
  `${info.backend}, crop ${crop}², input ${size}², ${epochs} epochs, ${m.images} held-out images, ${((performance.now() - t0) / 1000).toFixed(0)} s\n` +
    `${line('mean per-class accuracy', m.meanPerClassAccuracy)}, ${line('accuracy', m.accuracy)}, MCC ${m.mcc.toFixed(3)}, ${line('exact match', m.exactMatch)}\n`,
);
for (const c of m.perClass)
  process.stdout.write(
    `${c.label.padEnd(18)} support ${String(c.support).padStart(3)}  recall ${c.recall.toFixed(2)}  precision ${c.precision.toFixed(2)}  FP ${c.fp}  FN ${c.fn}\n`,
  );
model.dispose();
tf.disposeVariables();
await d.close();
process.exit(0);
