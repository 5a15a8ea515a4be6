/** `bragg peaks demo [-o DIR]`: simulate, train both models briefly, predict held-out scans, evaluate. */
import { initBackend, type BackendName } from '../../../ml/backend/select.js';
import { commandGroup, printJson, type CommandModule } from '../../command.js';
import { runPeaksDemo } from '../demo.js';
import { intFlag } from './options.js';

interface Opts {
  output: string;
  frames?: string;
  train: boolean;
  ssl: boolean;
  epochs?: string;
  backend?: string;
  threads?: string;
  db?: string;
  json?: boolean;
}

export const peaksDemoCommand: CommandModule = {
  name: 'peaks',
  register(program, ctx) {
    const group = commandGroup(program, 'peaks', 'Bragg-peak segmentation in detector scans');
    group
      .command('demo')
      .description(
        'Peaks end to end in a few minutes: simulate training (8 × 20 frames) and held-out\n' +
          '(2 × 40 frames) Pilatus 100K scans, train the U-Net and the self-supervised SSLM\n' +
          '(32 cluster channels, 2 passes, no labels) briefly, predict the held-out scans with the\n' +
          'classic finder, the U-Net (model) and the SSLM (ssl), evaluate (F1 at mask IoU > 0.5,\n' +
          'mean IoU); writes masks, volumes, overlays and 3D projections under\n' +
          'DIR/predictions/<method>/.',
      )
      .option('-o, --output <dir>', 'output folder', 'peaks-demo')
      .option('--frames <n>', 'frames per scan (default 40)')
      .option('--no-train', 'skip both networks (the classic finder only)')
      .option('--no-ssl', 'skip the self-supervised SSLM')
      .option('--epochs <n>', 'U-Net training epochs (default 15)')
      .option('--backend <name>', 'tfjs backend for the training (default: the fastest)')
      .option('--threads <n>', 'backend threads')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'the result as JSON on stdout (the log on stderr)')
      .action(async (o: Opts) => {
        const frames = intFlag(o.frames, 'frames', 4, 1000);
        const epochs = intFlag(o.epochs, 'epochs', 1, 1000);
        const threads = intFlag(o.threads, 'threads', 1, 64);
        if (o.train) {
          await initBackend(
            ctx.backendConfig({
              ...(o.backend !== undefined ? { backend: o.backend as BackendName } : {}),
              ...(threads !== undefined ? { threads } : {}),
            }),
          );
        }
        const executor = ctx.executor({ inline: true });
        const registry = ctx.openRegistry(o.db);
        const release = ctx.interruptible('stopping (Ctrl-C again to quit)…');
        try {
          const r = await runPeaksDemo({
            outDir: o.output,
            executor,
            registry,
            train: o.train,
            ssl: o.ssl,
            ...(frames !== undefined ? { frames } : {}),
            ...(epochs !== undefined ? { epochs } : {}),
            signal: ctx.signal,
            log: (l) => process.stderr.write(`${l}\n`),
          });
          if (o.json === true) {
            printJson(r);
            return;
          }
          const f = (v: number) => (Number.isNaN(v) ? '  n/a' : v.toFixed(3));
          const lines = [
            `held-out scans (never trained on) in ${r.heldOutData}:`,
            '  scan       method   frames  truth  pred   TP   FP   FN  precision  recall     F1    IoU  frames/s',
            ...r.rows.map(
              (x) =>
                `  ${x.scan.padEnd(10)} ${x.method.padEnd(7)} ${String(x.frames).padStart(6)} ${String(x.truthPeaks).padStart(6)} ${String(x.predPeaks).padStart(5)}` +
                ` ${String(x.tp).padStart(4)} ${String(x.fp).padStart(4)} ${String(x.fn).padStart(4)}      ${f(x.precision)}   ${f(x.recall)}  ${f(x.f1)}  ${f(x.meanIoU)}  ${x.framesPerS.toFixed(0).padStart(8)}`,
            ),
            ...r.overall.map(
              (x) => `overall ${x.method}: TP ${x.tp}, FP ${x.fp}, FN ${x.fn} → F1 ${f(x.f1)}, mean IoU ${f(x.meanIoU)}`, // prettier-ignore
            ),
            `outputs (masks, volumes, overlays, projections): ${r.outDir}/predictions/<method>/` +
              (r.model !== undefined ? `; model ${r.model}` : '') +
              (r.sslModel !== undefined ? `; ssl ${r.sslModel}` : ''),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        } finally {
          release();
          await executor.close();
          registry.close();
        }
      });
  },
};
