/**
 * The PACBED accuracy table (issue 13 item 8): train the thickness, mistilt and scale CNNs on a
 * training table (or take trained ones), then predict a held-out table — other azimuths and
 * convergence angles, on the training label grid (`checkDisjoint`) — made to look measured at
 * several Poisson doses and camera lengths, through the whole prediction pipeline (centroid
 * crop, backgrounds, the scale loop). Prints a markdown table: thickness in the true class /
 * within one class, MAE [Å], mistilt within 1 mrad, MAE [mrad]; and the best constant answer's
 * scores, the floor a model must clear.
 *
 *   npx vite-node bench/pacbed/accuracy.ts --train train/df.csv --held held/df.csv --models ROOT
 *     [--no-train] [--targets thickness,mistilt,scale] [--epochs 30,30,10] [--zoom 0.97,1.03]
 *     [--anisotropy 0] [--train-dose D] [--size 64] [--batch 16] [--lr 0.001] [--patience 10]
 *     [--doses 50,200,inf] [--zooms 1,1.15] [--threads N] [--filters 16] [--dense 128] [--pooling avg|flatten]
 *     [--blocks 4] [--dropout 0.3] [--rotation 45] [--shift 0.1] [--shear 0.05] [--no-flips] [--transpose] [--noise 0.1]
 *     [--no-preprocess] [--augmentation bragg|seed]
 *     [--from-root ROOT [--head-epochs 1] [--tune-lr 1e-4]]   fine-tune ROOT's registered models instead
 *
 * Training time is printed per target as wall and CPU time (process.cpuUsage, all threads) with
 * the load average, since the machine is shared.
 */
import { loadavg } from 'node:os';
import { initBackend } from '../../src/ml/backend/select.js';
import { tableImage } from '../../src/workflows/pacbed/data.js';
import {
  bestConstantScores,
  checkDisjoint,
  evaluateHeldOut,
} from '../../src/workflows/pacbed/heldout.js';
import { labelValues, type PacbedTarget } from '../../src/workflows/pacbed/labels.js';
import { disposeModels, loadPacbedModels } from '../../src/workflows/pacbed/predict.js';
import { readTrainingTable } from '../../src/workflows/pacbed/table.js';
import { readRegister } from '../../src/workflows/pacbed/register.js';
import { join } from 'node:path';
import { trainPacbedModel } from '../../src/workflows/pacbed/train.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const list = (s: string) => s.split(',').map((v) => (v === 'inf' ? Infinity : Number(v)));
const opt = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));

const trainFile = flag('train')!;
const heldFile = flag('held')!;
const root = flag('models')!;
const size = opt('size') ?? 64;
const threads = opt('threads');
const backend = await initBackend(threads !== undefined ? { threads } : {});
const train = await readTrainingTable(trainFile);
const held = await readTrainingTable(heldFile);
checkDisjoint(train, held);
const log = (s: string) => process.stderr.write(`${s}\n`);
const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');
const timing: string[] = [];
if (!process.argv.includes('--no-train')) {
  const targets = (flag('targets') ?? 'thickness,mistilt,scale').split(',') as PacbedTarget[];
  const epochs = list(flag('epochs') ?? '30,30,10');
  const zoom = flag('zoom') === undefined ? undefined : (list(flag('zoom')!) as [number, number]);
  for (const target of targets) {
    const e = epochs[['thickness', 'mistilt', 'scale'].indexOf(target)]!;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const l0 = load();
    const fromRoot = flag('from-root');
    const from = fromRoot === undefined ? undefined : (await readRegister(fromRoot))[0]?.models[target]?.dir; // prettier-ignore
    if (fromRoot !== undefined && from === undefined)
      throw new Error(`no ${target} model in ${fromRoot}`);
    const r = await trainPacbedModel({
      table: trainFile,
      ...(from !== undefined
        ? {
            fineTune: {
              from: join(fromRoot!, from),
              ...(opt('head-epochs') !== undefined ? { headEpochs: opt('head-epochs')! } : {}),
              ...(opt('tune-lr') !== undefined ? { learningRate: opt('tune-lr')! } : {}),
            },
          }
        : {}),
      target,
      modelsRoot: root,
      epochs: e,
      size,
      batchSize: opt('batch') ?? 16,
      learningRate: opt('lr') ?? 1e-3,
      patience: opt('patience') ?? 10,
      ...(zoom !== undefined ? { zoom } : {}),
      ...(opt('anisotropy') !== undefined ? { anisotropy: opt('anisotropy')! } : {}),
      ...(opt('train-dose') !== undefined ? { dose: opt('train-dose')! } : {}),
      ...(opt('noise') !== undefined ? { noise: opt('noise')! } : {}),
      ...(flag('augmentation') !== undefined
        ? { augmentation: flag('augmentation') as 'bragg' | 'seed' }
        : {}),
      ...(process.argv.includes('--no-preprocess') ? { preprocess: false } : {}),
      geometry: {
        ...(opt('rotation') !== undefined ? { rotation: opt('rotation')! } : {}),
        ...(opt('shift') !== undefined ? { shift: opt('shift')! } : {}),
        ...(opt('shear') !== undefined ? { shear: opt('shear')! } : {}),
        ...(process.argv.includes('--no-flips') ? { flips: false } : {}),
        ...(process.argv.includes('--transpose') ? { transpose: true } : {}),
      },
      architecture: {
        ...(opt('blocks') !== undefined ? { blocks: opt('blocks')! } : {}),
        ...(opt('dropout') !== undefined ? { dropout: opt('dropout')! } : {}),
        ...(opt('filters') !== undefined ? { filters: opt('filters')! } : {}),
        ...(opt('dense') !== undefined ? { dense: opt('dense')! } : {}),
        ...(flag('pooling') !== undefined ? { pooling: flag('pooling') as 'avg' | 'flatten' } : {}),
      },
      callbacks: [
        {
          onEvent(ev) {
            if (ev.type === 'epoch') {
              log(
                `${target} epoch ${ev.epoch + 1}: loss ${ev.loss.toFixed(3)} acc ${(100 * ev.accuracy).toFixed(1)} % val_loss ${ev.val_loss?.toFixed(3)} val_acc ${(100 * (ev.val_accuracy ?? 0)).toFixed(1)} % (${ev.seconds.toFixed(1)} s)`,
              );
            }
          },
        },
      ],
    });
    const c = process.cpuUsage(c0);
    const line = `${target}: ${r.history.length} epochs, ${((performance.now() - t0) / 1000).toFixed(0)} s wall, ${((c.user + c.system) / 1e6).toFixed(0)} s CPU, load ${l0} → ${load()}, validation accuracy ${(100 * r.confusion.accuracy).toFixed(1)} %`;
    timing.push(line);
    log(line);
  }
}
const key = {
  material: train.material ?? 'Rutile',
  kv: train.kv ?? 80,
  zone: train.zone ?? [0, 0, 1],
};
const models = await loadPacbedModels(root, key.material, key.kv, key.zone);
const images = await Promise.all(held.paths.map((p) => tableImage(p, size)));
const tLabels = labelValues(train.thickness, 'Thickness');
const mLabels = labelValues(train.mistilt, 'Mistilt');
const floor = bestConstantScores(
  Array.from({ length: held.rows }, (_, r) => ({
    thickness: held.thickness[r]!,
    mistilt: held.mistilt[r]!,
  })),
  tLabels,
  mLabels,
);
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const out = [
  `${train.rows} training patterns (${trainFile}), ${held.rows} held-out (${heldFile}), ${size} px; backend ${backend.backend} (${backend.threads} threads)`,
  ...timing,
  `best constant answer: thickness within one class ${pct(floor.thicknessWithinOne)} (${floor.thickness} Å), mistilt within 1 mrad ${pct(floor.mistiltWithin1)} (${floor.mistilt} mrad)`,
  '',
  '| dose [e⁻/px] | camera length | thickness exact | within one class | MAE [Å] | mistilt within 1 mrad | MAE [mrad] | scale MAE |',
  '|---|---|---|---|---|---|---|---|',
];
try {
  for (const dose of list(flag('doses') ?? '50,200,inf')) {
    for (const zoom of list(flag('zooms') ?? '1,1.15')) {
      const { rows, scores: s } = await evaluateHeldOut(
        models,
        held,
        { zoom, seed: 2026, ...(Number.isFinite(dose) ? { dose } : {}) },
        images,
      );
      const scaleMae =
        rows.reduce((a, r) => a + Math.abs(r.scale.predicted - r.scale.true), 0) / rows.length;
      out.push(
        `| ${Number.isFinite(dose) ? dose : 'none'} | ×${zoom} | ${pct(s.thicknessExact)} | ${pct(s.thicknessWithinOne)} | ${s.thicknessMae.toFixed(1)} | ${pct(s.mistiltWithin1)} | ${s.mistiltMae.toFixed(2)} | ${scaleMae.toFixed(3)} |`,
      );
      log(out[out.length - 1]!);
    }
  }
} finally {
  disposeModels(models);
}
process.stdout.write(`${out.join('\n')}\n`);
