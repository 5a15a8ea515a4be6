/** `bragg peaks predict` and `bragg peaks evaluate`. */
import type { Command } from 'commander';
import { ValidationError } from '../../../core/errors.js';
import { initBackend } from '../../../ml/backend/select.js';
import { printJson, type CommandContext } from '../../command.js';
import type { ClassicOptions } from '../classic/finder.js';
import { evaluateMasks } from '../evaluate/evaluate.js';
import { checkMethod, predictScan, type PredictOptions } from '../predict/predict.js';
import { openScan, parseFrameRange } from '../scan/input.js';
import { intFlag, numFlag } from './options.js';

interface PredictOpts {
  output: string;
  frames?: string;
  method: string;
  model?: string;
  threshold?: string;
  gate?: string;
  nmsIou?: string;
  dataset?: string;
  snr?: string;
  radius?: string;
  minPixels?: string;
  maxPixels?: string;
  grid?: string;
  overlays?: string;
  json?: boolean;
}

export function registerPredict(group: Command, ctx: CommandContext): void {
  group
    .command('predict')
    .description(
      'Per-peak instance masks for a scan (NeXus/HDF5, NPY or TIFF stack) → OUT/<scan>_masks.h5\n' +
        '(masks (n, h, w) uint16 + frame_index + peak table), OUT/<scan>_peaks.csv,\n' +
        'OUT/<scan>_volume.nxs (NXdata frame × y × x) and 2×2 overlay PNGs. Frames are streamed.',
    )
    .argument('<scan>', 'scan file')
    .requiredOption('-o, --output <dir>', 'output directory')
    .option('--frames <a:b>', 'frame range (default: all)')
    .option('--method <m>', 'classic (peakfinder8-style) or model (with --model)', 'classic')
    .option('--model <dir>', 'a model trained by bragg peaks train (implies --method model)')
    .option(
      '--threshold <c>',
      'model: smallest peak confidence kept (default: the model’s, chosen on its validation scans from 0.4, the seed’s, to 0.9)',
    )
    .option('--nms-iou <x>', 'model: mask IoU of the greedy NMS (default 0.5)')
    .option(
      '--gate <sigma>',
      'model: run the network only on windows around pixels this many σ above their local background (e.g. 5–8; default: whole frames)',
    )
    .option('--dataset <path>', 'the frame stack inside the file')
    .option('--snr <x>', 'classic: seed signal-to-noise threshold (default 8)')
    .option('--radius <px>', 'classic: background window half-width (default 20)')
    .option('--min-pixels <n>', 'classic: smallest peak (default 2)')
    .option('--max-pixels <n>', 'classic: largest peak (default 5000)')
    .option(
      '--grid <px>',
      'classic: background block size (default 4; 1 = exact per-pixel windows)',
    )
    .option('--overlays <n>', 'overlay figures to write (default 4)')
    .option('--json', 'JSON progress lines and a JSON summary on stdout')
    .action(async (path: string, o: PredictOpts) => {
      const named = checkMethod(o.method);
      if (named === 'model' && o.model === undefined)
        throw new ValidationError('--method model needs --model <dir>', 'model');
      const threshold = numFlag(o.threshold, 'threshold');
      const nmsIou = numFlag(o.nmsIou, 'nmsIou');
      const gate = numFlag(o.gate, 'gate');
      if (gate !== undefined && !(gate >= 0 && gate <= 1000))
        throw new ValidationError(`--gate must be in [0, 1000] σ, got ${gate}`, 'gate');
      if (
        o.model === undefined &&
        (threshold !== undefined || nmsIou !== undefined || gate !== undefined)
      )
        throw new ValidationError(
          '--threshold, --nms-iou and --gate apply to --model only',
          'model',
        );
      const method: PredictOptions['method'] =
        o.model !== undefined
          ? {
              model: o.model,
              ...(threshold !== undefined ? { threshold } : {}),
              ...(nmsIou !== undefined ? { nmsIou } : {}),
              ...(gate !== undefined ? { gate } : {}),
            }
          : 'classic';
      const classic: ClassicOptions = {};
      const snr = numFlag(o.snr, 'snr');
      if (snr !== undefined) classic.snr = snr;
      const radius = intFlag(o.radius, 'radius', 1, 200);
      if (radius !== undefined) classic.radius = radius;
      const minPixels = intFlag(o.minPixels, 'minPixels', 1, 10_000_000);
      if (minPixels !== undefined) classic.minPixels = minPixels;
      const maxPixels = intFlag(o.maxPixels, 'maxPixels', 1, 10_000_000);
      if (maxPixels !== undefined) classic.maxPixels = maxPixels;
      const grid = intFlag(o.grid, 'grid', 1, 32);
      if (grid !== undefined) classic.grid = grid;
      const overlays = intFlag(o.overlays, 'overlays', 0, 1000);
      let frames: [number, number] | undefined;
      if (o.frames !== undefined) {
        const s = await openScan(path, o.dataset !== undefined ? { dataset: o.dataset } : {});
        try {
          frames = parseFrameRange(o.frames, s.info.frames);
        } finally {
          await s.close();
        }
      }
      // the network runs on the configured tfjs backend (BRAGG_BACKEND…; default: best available)
      if (o.model !== undefined) await initBackend(ctx.backendConfig());
      const release = ctx.interruptible('stopping after the running block of frames…');
      const r = await predictScan({
        signal: ctx.signal,
        scan: path,
        outDir: o.output,
        method,
        classic,
        ...(frames ? { frames } : {}),
        ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
        ...(overlays !== undefined ? { overlays } : {}),
        onProgress: (done, total) => {
          if (o.json)
            process.stdout.write(`${JSON.stringify({ type: 'progress', done, total })}\n`);
          else process.stderr.write(`${done}/${total} frames\n`);
        },
      }).finally(release);
      const summary = {
        type: 'summary',
        scan: r.scan.file,
        dataset: r.scan.dataset,
        frames: r.frames,
        method: typeof method === 'string' ? method : 'model',
        ...(o.model !== undefined ? { model: o.model } : {}),
        peaks: r.peaks,
        framesWithPeaks: r.framesWithPeaks,
        masks: r.masks,
        table: r.table,
        volume: r.volume,
        overlays: r.overlays,
        elapsedS: r.elapsedS,
      };
      if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        process.stdout.write(
          `${r.peaks} peaks in ${r.framesWithPeaks}/${r.frames[1] - r.frames[0]} frames → ${r.masks}, ${r.table}, ${r.volume}\n`,
        );
    });

  group
    .command('evaluate')
    .description(
      'Score predicted masks against truth (both peaks mask files): the seed IoU (sum of masks;\n' +
        'NaN frames counted), union IoU, and per-peak precision/recall/F1 at IoU > 0.5, per frame\n' +
        'and overall.',
    )
    .requiredOption('--pred <file>', 'predicted masks (<scan>_masks.h5)')
    .requiredOption('--truth <file>', 'truth masks (<scan>_labels.h5)')
    .option('--json', 'the whole evaluation as JSON (per-frame scores included)')
    .action(async (o: { pred: string; truth: string; json?: boolean }) => {
      const e = await evaluateMasks(o.pred, o.truth);
      if (o.json) {
        printJson(e);
        return;
      }
      const s = e.summary;
      const f = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));
      process.stdout.write(
        [
          `frames ${s.frames} (truth frames without prediction: ${e.missingFrames})`,
          `peaks  truth ${s.truthPeaks}, predicted ${s.predPeaks}: TP ${s.tp}, FP ${s.fp}, FN ${s.fn}`,
          `precision ${f(s.precision)}  recall ${f(s.recall)}  F1 ${f(s.f1)}  (match: mask IoU > 0.5)`,
          `IoU (union) ${f(s.meanIoU)} over ${s.frames - s.bothEmpty} frames (${s.bothEmpty} with neither)`,
          `seed IoU (sum of masks) ${f(s.meanSeedIoU)}; NaN in ${s.seedNaN} frames (no truth, no prediction)`,
          `matched-peak IoU ${f(s.meanMatchedIoU)}`,
        ].join('\n') + '\n',
      );
    });
}
