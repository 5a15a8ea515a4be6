/** `bragg classify demo`: simulate, train a small ResNet-18, evaluate, Grad-CAM++ overlays. */
import { initBackend } from '../../../ml/backend/select.js';
import { commandGroup, printJson, throwIfStopped, type CommandModule } from '../../command.js';
import { runClassifyDemo } from '../demo.js';
import { metricsTable } from '../train/table.js';
import { summary } from '../train/train.js';
import { intFlag } from './train.js';

interface Opts {
  output: string;
  images?: string;
  evalImages?: string;
  epochs?: string;
  targetSize?: string;
  seed?: string;
  db?: string;
  json?: boolean;
}

export const classifyDemoCommand: CommandModule = {
  name: 'classify',
  register(program, ctx) {
    commandGroup(
      program,
      'classify',
      'Single-shot diffraction images → multi-label classes (AiryNet).',
    )
      .command('demo')
      .description(
        'Simulate single-shot images, train a small ResNet-18 with the logarithmic activation at a\n' +
          'small target size, evaluate on held-out images (other seeds) and write Grad-CAM++ overlays.',
      )
      .option('-o, --output <dir>', 'output folder', 'classify-demo')
      .option('--images <n>', 'training images (default 1024)')
      .option('--eval-images <n>', 'held-out images (default 128)')
      .option('--epochs <n>', 'epochs (default 8)')
      .option('--target-size <px>', 'network input side (default 64)')
      .option('--seed <s>', 'random seed (default 1)')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'a JSON summary on stdout')
      .action(async (o: Opts) => {
        await initBackend(ctx.backendConfig({}));
        const registry = ctx.openRegistry(o.db);
        const release = ctx.interruptible('stopping after this batch (Ctrl-C again to quit)…');
        const opt = (k: string, v: number | undefined): Record<string, number> =>
          v === undefined ? {} : { [k]: v };
        try {
          const r = await runClassifyDemo({
            outDir: o.output,
            executor: ctx.executor({ inline: true }),
            registry,
            signal: ctx.signal,
            log: (l) => process.stderr.write(`${l}\n`),
            ...opt('images', intFlag(o.images, 'images')),
            ...opt('evalImages', intFlag(o.evalImages, 'evalImages')),
            ...opt('epochs', intFlag(o.epochs, 'epochs')),
            ...opt('targetSize', intFlag(o.targetSize, 'targetSize', 16)),
            ...opt('seed', intFlag(o.seed, 'seed', 0)),
            callbacks: [
              { onEvent: () => throwIfStopped(ctx.signal, 'interrupted') },
              {
                onEvent(e) {
                  if (e.type === 'epoch' && !o.json)
                    process.stderr.write(
                      `epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)}, val_loss ${(e.val_loss ?? NaN).toFixed(4)} (${e.seconds.toFixed(1)} s)\n`,
                    );
                },
              },
            ],
          });
          if (o.json) {
            printJson({
              type: 'summary',
              outDir: r.outDir,
              modelDir: r.modelDir,
              seconds: r.seconds,
              ...summary(r.metrics),
              overlays: r.prediction.overlays,
              predictions: r.prediction.h5,
            });
          } else {
            process.stdout.write(
              `${metricsTable(r.metrics)}\n(on ${r.metrics.images} held-out images)\nmodel: ${r.modelDir}\npredictions: ${r.prediction.h5}\noverlays: ${r.prediction.overlays.length} in ${r.outDir}/predictions\n${r.seconds.toFixed(0)} s\n`,
            );
          }
        } finally {
          release();
          registry.close();
        }
      });
  },
};
