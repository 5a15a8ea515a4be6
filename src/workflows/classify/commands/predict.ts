/** `bragg classify predict` and `bragg classify evaluate`: a classify bundle on images. */
import { ValidationError } from '../../../core/errors.js';
import { initBackend, type BackendName } from '../../../ml/backend/select.js';
import { LAYOUT_HELP, parseTfrecordLayout } from '../../../formats/tfrecord/index.js';
import { loadBundle } from '../../../ml/store/bundle.js';
import { commandGroup, printJson, type CommandContext, type CommandModule } from '../../command.js';
import { predictClassify } from '../predict.js';
import { cropOf, openLabelledImages, singleLabel } from '../train/data.js';
import { metricsTable } from '../train/table.js';
import { evaluateClassifier, summary } from '../train/train.js';
import { intFlag } from './train.js';

interface Common {
  model: string;
  backend?: string;
  threads?: string;
  json?: boolean;
}

async function start(o: Common, ctx: CommandContext): Promise<void> {
  const threads = intFlag(o.threads, 'threads');
  await initBackend(
    ctx.backendConfig({
      ...(o.backend !== undefined ? { backend: o.backend as BackendName } : {}),
      ...(threads !== undefined ? { threads } : {}),
    }),
  );
}

export const classifyPredictCommand: CommandModule = {
  name: 'classify',
  register(program, ctx) {
    const group = commandGroup(
      program,
      'classify',
      'Single-shot diffraction images → multi-label classes (AiryNet).',
    );
    group
      .command('predict <input>')
      .description(
        'Classes, probabilities and Grad-CAM++ maps (each class on its own) of single-shot images\n' +
          '(TFRecord, HDF5/NPZ/NPY stacks or one image) → OUT/predictions.h5 (the AiryNet seed\n' +
          'layout: /<id>/img, prediction, probability, <class>/grad_cam), predictions.txt, overlays.',
      )
      .requiredOption('--model <dir>', 'classify model bundle')
      .requiredOption('-o, --output <dir>', 'output folder')
      .option('--method <m>', 'gradcam++ or gradcam', 'gradcam++')
      .option('--overlays <n>', 'overlay PNGs of the first n images (default 4)')
      .option('--batch-size <n>', 'images per batch (default 16)')
      .option(
        '--layout <spec>',
        `${LAYOUT_HELP};\nbunch=<key>: an int32 bunch id names the outputs, as the seed's predict mode — found\n` +
          'by itself in image/class/label when it is 4 bytes',
      )
      .option('--backend <name>', 'tensorflow | wasm | cpu (default: best available)')
      .option('--threads <n>', 'threads for the wasm backend (default: all cores)')
      .option('--json', 'a JSON summary on stdout')
      .action(
        async (
          input: string,
          o: Common & {
            output: string;
            method: string;
            overlays?: string;
            batchSize?: string;
            layout?: string;
          },
        ) => {
          if (o.method !== 'gradcam++' && o.method !== 'gradcam')
            throw new ValidationError(`must be gradcam++ or gradcam, got '${o.method}'`, 'method');
          const layout =
            o.layout !== undefined ? parseTfrecordLayout(o.layout, 'layout') : undefined;
          await start(o, ctx);
          const bundle = await loadBundle(o.model);
          try {
            const overlays = intFlag(o.overlays, 'overlays', 0);
            const batchSize = intFlag(o.batchSize, 'batchSize');
            const r = await predictClassify(bundle, {
              input,
              outDir: o.output,
              method: o.method,
              ...(layout !== undefined ? { layout } : {}),
              ...(overlays !== undefined ? { overlays } : {}),
              ...(batchSize !== undefined ? { batchSize } : {}),
            });
            if (o.json) printJson({ type: 'summary', ...r });
            else
              process.stdout.write(
                `${r.images} images → ${r.h5}, ${r.txt}, ${r.overlays.length} overlays\n`,
              );
          } finally {
            bundle.model.dispose();
          }
        },
      );
    group
      .command('evaluate')
      .description(
        'The multi-label metrics of a classify model on labelled images (all splits of the inputs).',
      )
      .requiredOption('--model <dir>', 'classify model bundle')
      .requiredOption('--data <paths...>', 'dataset folder(s) or files')
      .option(
        '--split <s>',
        'eval, train or all (default: eval when the inputs have one, else all)',
      )
      .option('--backend <name>', 'tensorflow | wasm | cpu (default: best available)')
      .option('--threads <n>', 'threads for the wasm backend (default: all cores)')
      .option('--layout <spec>', LAYOUT_HELP)
      .option('--json', 'the metrics as JSON')
      .action(async (o: Common & { data: string[]; split?: string; layout?: string }) => {
        const layout = o.layout !== undefined ? parseTfrecordLayout(o.layout, 'layout') : undefined;
        if (o.split !== undefined && !['eval', 'train', 'all'].includes(o.split))
          throw new ValidationError(`must be eval, train or all, got '${o.split}'`, 'split');
        await start(o, ctx);
        const bundle = await loadBundle(o.model);
        const d = await openLabelledImages(o.data, {
          requireTrain: false,
          ...(layout !== undefined ? { layout } : {}),
        });
        try {
          if (bundle.meta.labels.join('\n') !== d.classes.join('\n')) {
            throw new ValidationError(
              `the model's classes (${bundle.meta.labels.join(', ')}) are not the data's (${d.classes.join(', ')})`,
              'data',
            );
          }
          const split = o.split ?? (d.eval.length > 0 ? 'eval' : 'all');
          const refs =
            split === 'eval' ? d.eval : split === 'train' ? d.train : [...d.train, ...d.eval];
          if (refs.length === 0)
            throw new ValidationError(`the inputs have no ${split} images`, 'split');
          const multi = (bundle.meta as { classify?: { multiLabel?: boolean } }).classify
            ?.multiLabel;
          const m = await evaluateClassifier(
            bundle.model,
            d,
            refs,
            bundle.meta.input.shape[0]!,
            32,
            multi === false || (multi === undefined && singleLabel(d)),
            cropOf(bundle.meta, 'model'),
          );
          if (o.json) printJson({ split, ...summary(m), perClass: m.perClass });
          else process.stdout.write(`${metricsTable(m)}\n(on the ${split} images)\n`);
        } finally {
          await d.close();
          bundle.model.dispose();
        }
      });
  },
};
