import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Executor } from '../../jobs/executor.js';
import type { CommandModule } from '../../workflows/command.js';
import { printJson, throwIfStopped } from '../../workflows/command.js';
import { numberFlag } from '../../workflows/flags.js';
import { packageRoot, samplesDir } from '../../core/paths.js';
import { structureFormats } from '../../crystal/cif-format.js';
import { axisText } from './info.js';
import { checkOutputDir } from '../outputs.js';
import { initBackend } from '../../ml/backend/select.js';
import { progressBar } from '../../ml/train/callbacks.js';
import { epochLines, formatEvaluation, stopOn } from '../../workflows/phase/commands/phase.js';
import { runPhaseDemo } from '../../workflows/phase/demo.js';
import { formatPacbedDemo } from '../../workflows/pacbed/commands/demo.js';
import { runPacbedDemo, type PacbedDemoResult } from '../../workflows/pacbed/demo.js';

interface DemoOpts {
  output?: string;
  workers?: string;
  count?: string;
  epochs?: string;
  /** false with --no-pacbed */
  pacbed?: boolean;
  json?: boolean;
}

/** Key metadata shown for a sample, when the file has it. */
const KEY_METADATA = [
  'beamEnergyKeV',
  'cameraLengthMm',
  'exposureS',
  'acquisitionDate',
  'signalType',
  'nexusSignal',
  'spaceGroup',
  'formula',
];

/** Open every bundled sample (data/samples, plus the bundled CIFs) and print what bragg reads. */
export async function printSamples(
  write: (text: string) => void = (t) => void process.stdout.write(t),
): Promise<void> {
  const dir = samplesDir();
  const structures = join(packageRoot(), 'data', 'structures');
  const files = [
    ...(existsSync(dir) ? (await readdir(dir)).sort().map((n) => join(dir, n)) : []),
    ...(existsSync(structures) ? [join(structures, 'au.cif')] : []),
  ].filter((f) => !f.split('/').pop()!.startsWith('.'));
  write(`bragg demo — the bundled sample files, as bragg reads them:\n`);
  for (const file of files) {
    const f = await structureFormats.open(file);
    try {
      const name = f.defaultDataset ?? f.datasets[0]?.name;
      const d = f.datasets.find((x) => x.name === name);
      const shown = { ...f.metadata, ...(d?.metadata ?? {}) };
      const keys = KEY_METADATA.filter(
        (k) => shown[k] !== undefined && (typeof shown[k] !== 'object' || shown[k] === null),
      ).map((k) => `${k}=${String(shown[k])}`);
      write(`  ${file.split('/').pop()} [${f.format}]`);
      if (d) {
        write(
          ` ${d.name}: ${d.dtype} [${d.shape.join('×')}]; axes ${d.axes.map(axisText).join(', ')}`,
        );
      }
      write(`${keys.length > 0 ? `; ${keys.join(', ')}` : ''}\n`);
    } finally {
      await f.close();
    }
  }
}

/**
 * `executor`, whose runs also stop when `signal` aborts and then fail as interrupted: the demo
 * cannot go on with half a dataset.
 */
export function stoppingExecutor(executor: Executor, signal: AbortSignal): Executor {
  return {
    name: executor.name,
    capabilities: executor.capabilities,
    async runAll(runId, tasks, hooks, own) {
      await executor.runAll(runId, tasks, hooks, own ? AbortSignal.any([own, signal]) : signal);
      throwIfStopped(signal, 'interrupted');
    },
    close: () => executor.close(),
  };
}

export const demoCommand: CommandModule = {
  name: 'demo',
  register(program, ctx) {
    program
      .command('demo')
      .description(
        'Run bragg end to end on bundled data: the bundled samples, then the phase-mapping workflow\n' +
          '(simulate a dataset from three bundled CIFs, train, predict a synthetic map, evaluate), then\n' +
          'PACBED on rutile [001] at 80 kV (simulate with multislice, train the thickness, mistilt and\n' +
          'scale CNNs, score held-out patterns; as bragg pacbed demo).',
      )
      .option(
        '-o, --output <dir>',
        'where the demo writes its files (default: a new temporary directory)',
      )
      .option('--workers <n>', 'worker threads for the simulation (default: cores)')
      .option('--count <n>', 'phase demo: orientations per phase per training seed (default 300)')
      .option('--epochs <n>', 'phase demo: training epochs (default 20)')
      .option('--no-pacbed', 'skip the PACBED part (about 3 minutes on 2 cores)')
      .option(
        '--json',
        'the summary as JSON on stdout (phase fields, and pacbed: the PACBED result; the readable report goes to stderr)',
      )
      .action(async (o: DemoOpts) => {
        // The demo records no run: Ctrl-C quits it at once. A closed stdout (`bragg demo |
        // head`) stops it at the next step (`ctx.signal`): between simulation shards, training
        // batches or lines of its log.
        const stop = ctx.signal;
        const log = (s: string): void => {
          throwIfStopped(stop, 'interrupted');
          process.stderr.write(`${s}\n`);
        };
        // With --json, stdout holds only the JSON document; the readable report goes to stderr.
        const say = (text: string): void => {
          (o.json ? process.stderr : process.stdout).write(text);
        };
        // Every option checked before any work: a demo that cannot write its folder fails now.
        const count = numberFlag(o.count, 'count', { int: true, min: 1, max: 1_000_000 });
        const epochs = numberFlag(o.epochs, 'epochs', { int: true, min: 1, max: 1_000_000 });
        if (o.output) await checkOutputDir(o.output);
        const workers = numberFlag(o.workers, 'workers', { int: true, min: 1, max: 256 });
        await printSamples(say);
        throwIfStopped(stop, 'interrupted');
        const outDir = o.output ? resolve(o.output) : await mkdtemp(join(tmpdir(), 'bragg-demo-'));
        const backend = await initBackend(ctx.backendConfig());
        say(
          `\nphase mapping demo → ${outDir}\n  backend ${backend.backend} (${backend.threads} threads)\n`,
        );
        const executor = stoppingExecutor(
          ctx.executor(workers !== undefined ? { workers } : {}),
          stop,
        );
        try {
          const r = await runPhaseDemo({
            outDir,
            executor,
            log,
            ...(count !== undefined ? { count } : {}),
            ...(epochs !== undefined ? { epochs } : {}),
            callbacks: [
              stopOn(stop),
              ...(process.stderr.isTTY ? [progressBar(), epochLines()] : [epochLines()]),
            ],
          });
          say(formatEvaluation(r.evaluation));
          const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
          say(
            `\nphase demo summary (${r.seconds.toFixed(0)} s)\n` +
              `  dataset ${r.datasetId}, model ${r.modelId}\n` +
              `  validation accuracy      ${pct(r.validationAccuracy)}\n` +
              `  held-out test accuracy   ${pct(r.testAccuracy)} (${r.testSamples} profiles, unseen seed)\n` +
              `  synthetic map accuracy   ${pct(r.mapPixelAccuracy)} (${r.mapPixels} pixels vs known regions)\n` +
              `  prediction  ${r.prediction}\n  phase map   ${r.phaseMapPng}\n  all outputs ${r.outDir}\n`,
          );
          let pacbed: PacbedDemoResult | undefined;
          if (o.pacbed !== false) {
            const dir = join(outDir, 'pacbed');
            say(`\nPACBED demo (rutile [001], 80 kV) → ${dir}\n`);
            pacbed = await runPacbedDemo({
              outDir: dir,
              executor,
              signal: stop,
              log,
              callbacks: [stopOn(stop), epochLines()],
            });
            say(`${formatPacbedDemo(pacbed).join('\n')}\n`);
          }
          if (o.json) printJson(pacbed === undefined ? r : { ...r, pacbed });
        } finally {
          await executor.close();
        }
      });
  },
};
