/**
 * Issue 14 accuracy run: `trainClassifyModel` (the code `bragg classify train` runs) on a
 * classify dataset folder, then the multi-label metrics of the saved bundle on a second,
 * held-out dataset folder (other seed, never seen in training or in choosing the settings),
 * through the same path as `bragg classify evaluate` (`cropOf` the bundle). Prints a learning
 * curve (loss, val_loss per epoch), wall and CPU seconds, the load, and the per-class table.
 *   npx vite-node bench/classify/accuracy.ts <train dir> <held-out dir> <models dir> \
 *     [epochs 6] [target 64] [crop 128] [batch 16] [lr 0.2]
 */
import { loadavg } from 'node:os';
import { initBackend } from '../../src/ml/backend/select.js';
import { loadBundle } from '../../src/ml/store/bundle.js';
import { cropOf, openLabelledImages } from '../../src/workflows/classify/train/data.js';
import { metricsTable } from '../../src/workflows/classify/train/table.js';
import {
  evaluateClassifier,
  trainClassifyModel,
} from '../../src/workflows/classify/train/train.js';

const [data = '', held = '', models = '', ep = '6', ts = '64', cr = '128', bs = '16', lr = '0.2'] =
  process.argv.slice(2);
const epochs = Number(ep);
const info = await initBackend({});
const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');
process.stderr.write(`${info.backend}, load ${load()}\n`);
const t0 = performance.now();
const c0 = process.cpuUsage();
const r = await trainClassifyModel({
  data: [data],
  outDir: models,
  airynetType: 'resnet',
  resnetSize: 18,
  targetSize: Number(ts),
  crop: Number(cr),
  batchSize: Number(bs),
  epochs,
  seed: 1,
  learningRate: Number(lr),
  lrBoundaries: [Math.max(1, Math.round(epochs * 0.6)), Math.max(2, Math.round(epochs * 0.85))],
  architecture: { bnMomentum: 0.9 },
  callbacks: [
    {
      onEvent(e) {
        if (e.type === 'epoch')
          process.stderr.write(
            `epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)}, val_loss ${(e.val_loss ?? NaN).toFixed(4)}, lr ${e.lr.toExponential(2)} (${e.seconds.toFixed(0)} s, load ${load()})\n`,
          );
      },
    },
  ],
});
const cpu = process.cpuUsage(c0);
const wall = (performance.now() - t0) / 1000;
process.stdout.write(
  `training: ${wall.toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU, load ${load()}\n` +
    `validation split of the training folder:\n${metricsTable(r.metrics)}\n`,
);
const bundle = await loadBundle(r.modelDir);
const d = await openLabelledImages([held], { requireTrain: false });
const m = await evaluateClassifier(
  bundle.model,
  d,
  [...d.train, ...d.eval],
  bundle.meta.input.shape[0]!,
  32,
  false,
  cropOf(bundle.meta),
);
process.stdout.write(
  `held-out ${held} (${m.images} images):\n${metricsTable(m)}\nmodel: ${r.modelDir}\n`,
);
bundle.model.dispose();
await d.close();
process.exit(0);
