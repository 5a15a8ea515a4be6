/**
 * Is a PACBED training set separable on held-out patterns at all? The nearest training pattern
 * (L2 after the prediction pipeline's preprocessing, background A, [-1, 1]) of each held-out
 * pattern — simulated with other azimuths / convergence angles, then made to look measured at a
 * dose and camera length — and the scores its thickness and mistilt would get. If the nearest
 * neighbour cannot reach the goals, a CNN trained on the same set is unlikely to.
 *
 *   npx vite-node bench/pacbed/nearest.ts --train train/df.csv --held held/df.csv
 *     [--size 64] [--doses 50,200,inf] [--zooms 1,1.1] [--raw]
 *
 * `--raw` compares the training images as simulated (min–max only) instead of through the
 * prediction's preprocessing (to see what a train/predict mismatch costs).
 */
import { deriveSeed } from '../../src/core/rng.js';
import { minMax } from '../../src/workflows/pacbed/augment.js';
import { tableImage } from '../../src/workflows/pacbed/data.js';
import {
  bestConstantScores,
  checkDisjoint,
  measuredLike,
  scoreHeldOut,
  type HeldOutOutcome,
} from '../../src/workflows/pacbed/heldout.js';
import { labelValues } from '../../src/workflows/pacbed/labels.js';
import { preparePattern, rescaleResize } from '../../src/workflows/pacbed/preprocess.js';
import { readTrainingTable } from '../../src/workflows/pacbed/table.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const list = (s: string) => s.split(',').map((v) => (v === 'inf' ? Infinity : Number(v)));

const size = Number(flag('size') ?? 64);
const train = await readTrainingTable(flag('train')!);
const held = await readTrainingTable(flag('held')!);
checkDisjoint(train, held);
const raw = process.argv.includes('--raw');
const prep = (img: Float32Array, ny: number, nx: number) =>
  rescaleResize(preparePattern({ data: Float64Array.from(img), ny, nx }, size).a, 1, size);
const ref: Float32Array[] = [];
for (let r = 0; r < train.rows; r++) {
  const img = await tableImage(train.paths[r]!, size);
  ref.push(raw ? minMax(img, -1, 1) : prep(img, size, size));
}
const heldImgs: Float32Array[] = [];
for (let r = 0; r < held.rows; r++) heldImgs.push(await tableImage(held.paths[r]!, size));
const tLabels = labelValues(train.thickness, 'Thickness');
const mLabels = labelValues(train.mistilt, 'Mistilt');
const truth = Array.from({ length: held.rows }, (_, r) => ({
  thickness: held.thickness[r]!,
  mistilt: held.mistilt[r]!,
}));
const floor = bestConstantScores(truth, tLabels, mLabels);
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const lines = [
  `nearest neighbour, ${train.rows} training × ${held.rows} held-out patterns, ${size} px${raw ? ' (training images raw)' : ''}`,
  `best constant: thickness within one class ${pct(floor.thicknessWithinOne)}, mistilt within 1 mrad ${pct(floor.mistiltWithin1)}`,
  '',
  '| dose [e/px] | zoom | thickness exact | within one class | MAE [Å] | mistilt within 1 mrad | MAE [mrad] |',
  '|---|---|---|---|---|---|---|',
];
for (const dose of list(flag('doses') ?? '50,200,inf')) {
  for (const zoom of list(flag('zooms') ?? '1,1.1')) {
    const rows: HeldOutOutcome[] = [];
    for (let r = 0; r < held.rows; r++) {
      const m = measuredLike(heldImgs[r]!, size, {
        zoom,
        seed: deriveSeed(7, 'nearest', r),
        ...(Number.isFinite(dose) ? { dose } : {}),
      });
      const x = prep(m.data, m.ny, m.nx);
      let best = 0;
      let bd = Infinity;
      for (let k = 0; k < ref.length; k++) {
        const y = ref[k]!;
        let d = 0;
        for (let i = 0; i < x.length; i++) d += (x[i]! - y[i]!) ** 2;
        if (d < bd) {
          bd = d;
          best = k;
        }
      }
      rows.push({
        thickness: { true: held.thickness[r]!, predicted: train.thickness[best]! },
        mistilt: { true: held.mistilt[r]!, predicted: train.mistilt[best]! },
      });
    }
    const s = scoreHeldOut(rows, tLabels);
    lines.push(
      `| ${Number.isFinite(dose) ? dose : '∞ (none)'} | ${zoom} | ${pct(s.thicknessExact)} | ${pct(s.thicknessWithinOne)} | ${s.thicknessMae.toFixed(1)} | ${pct(s.mistiltWithin1)} | ${s.mistiltMae.toFixed(2)} |`,
    );
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
