/**
 * `bragg pacbed demo`: the workflow on rutile [001] at 80 kV (the published PACBED-CNN case)
 * in about two minutes on 2 cores — simulate a small training set (10 thicknesses × 5 mistilt/azimuth
 * pairs × 2 convergence angles, 32 px), train the thickness, mistilt and scale CNNs briefly, simulate
 * held-out patterns the models never saw (other mistilts and azimuth), make them look measured
 * (a longer camera length, so the scale CNN acts; Poisson noise; an off-centre disc on a wider
 * detector), write them and predict them, printing predicted vs true. Sizes are tiny: the demo
 * shows the pipeline, not the accuracy the full-size defaults reach.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ndarray } from '../../core/ndarray.js';
import { packageRoot } from '../../core/paths.js';
import { createRng, deriveSeed } from '../../core/rng.js';
import type { Executor } from '../../jobs/executor.js';
import type { RunRegistry } from '../../jobs/run-registry.js';
import { writeNpy } from '../../formats/npy/npy.js';
import { affine2d, IDENTITY } from '../../simulate/augment/affine2d.js';
import type { TrainCallback } from '../../ml/train/callbacks.js';
import { poissonAtDose } from './augment.js';
import { loadPacbedDataset } from './dataset/config.js';
import { runPacbedDataset } from './dataset/run.js';
import { tableImage } from './data.js';
import type { PacbedTarget } from './labels.js';
import { disposeModels, loadPacbedModels, predictWithModels } from './predict.js';
import { readTrainingTable } from './table.js';
import { trainPacbedModel } from './train.js';
import { predictionValidation } from './validation-figure.js';

export interface PacbedDemoOptions {
  outDir: string;
  executor: Executor;
  registry?: RunRegistry;
  signal?: AbortSignal;
  /** Epochs per target (default thickness 30, mistilt 20, scale 10). */
  epochs?: Partial<Record<PacbedTarget, number>>;
  seed?: number;
  log?: (line: string) => void;
  callbacks?: TrainCallback[];
}

export interface DemoRow {
  file: string;
  thickness: { true: number; predicted: number };
  mistilt: { true: number; predicted: number };
  scale: { true: number; predicted: number };
}

export interface PacbedDemoResult {
  modelsRoot: string;
  /** The validation figure of the first held-out pattern (PNG). */
  validationPng: string;
  rows: DemoRow[];
  /** Held-out patterns whose thickness is the true class (and within one class). */
  thicknessExact: number;
  thicknessWithinOne: number;
  mistiltWithin1: number;
}

const SIZE = 32;

function config(
  name: string,
  thicknesses: string,
  mistilts: string,
  azimuths: string,
  dir: string,
): string {
  const cif = join(packageRoot(), 'data', 'structures', 'rutile.cif');
  return `# written by bragg pacbed demo
name: ${name}
material: Rutile
cif: ${JSON.stringify(cif)}
zone: [0, 0, 1]
kv: 80
thicknesses: ${thicknesses}
mistilts: ${mistilts}
azimuths: ${azimuths}
convergenceAngles: [19, 21]
seed: 0
simulation:
  sampling: 0.1
  extent: 4.6
  scan: 3
output:
  dir: ${dir}
  format: npy
  size: ${SIZE}
  resize: area
`;
}

async function simulate(o: PacbedDemoOptions, file: string): Promise<string> {
  const ds = await loadPacbedDataset(file);
  const r = await runPacbedDataset({
    dataset: ds,
    executor: o.executor,
    ...(o.registry ? { registry: o.registry } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return r.tablePath;
}

/** Detector of the held-out patterns [px]: as tall as a pattern, wider (the disc off-centre). */
const DETECTOR = { ny: SIZE, nx: SIZE + 24 };

/**
 * A simulated pattern made to look measured: zoomed (camera length), placed off-centre on a
 * wider detector (the centroid crop finds it again), with Poisson noise at 200 counts per pixel.
 */
export function measuredLike(
  img: Float32Array,
  size: number,
  zoom: number,
  seed: number,
): Float32Array {
  const rng = createRng(seed);
  const z = affine2d(
    img,
    size,
    size,
    { ...IDENTITY, zx: 1 / zoom, zy: 1 / zoom },
    { fill: 'constant' },
  );
  const ny = size;
  const nx = size + 24;
  const canvas = new Float32Array(ny * nx);
  const ox = rng.int(nx - size + 1);
  for (let y = 0; y < size; y++) canvas.set(z.subarray(y * size, (y + 1) * size), y * nx + ox);
  return poissonAtDose(rng, canvas, 200);
}

export async function runPacbedDemo(o: PacbedDemoOptions): Promise<PacbedDemoResult> {
  const out = resolve(o.outDir);
  const log = o.log ?? (() => undefined);
  const seed = o.seed ?? 42;
  await mkdir(out, { recursive: true });
  await writeFile(
    join(out, 'train.yaml'),
    config('demo-train', '{start: 20, stop: 200, step: 20}', '[0, 2, 4]', '[0, 45]', 'train'),
  );
  await writeFile(
    join(out, 'heldout.yaml'),
    config('demo-heldout', '[40, 100, 160]', '[1, 3]', '[30]', 'heldout'),
  );
  log('simulating the training set (rutile [001], 80 kV) …');
  const trainTable = await simulate(o, join(out, 'train.yaml'));
  log('simulating held-out patterns (mistilts 1 and 3 mrad, azimuth 30°) …');
  const heldTable = await simulate(o, join(out, 'heldout.yaml'));
  const modelsRoot = join(out, 'models');
  const epochs = { thickness: 30, mistilt: 20, scale: 10, ...o.epochs };
  for (const target of ['thickness', 'mistilt', 'scale'] as const) {
    log(`training the ${target} CNN (${epochs[target]} epochs) …`);
    await trainPacbedModel({
      table: trainTable,
      target,
      modelsRoot,
      epochs: epochs[target],
      size: SIZE,
      batchSize: 16,
      valSplit: 0.1,
      patience: epochs[target],
      architecture: { filters: 8, dense: 64 },
      seed,
      ...(o.callbacks ? { callbacks: o.callbacks } : {}),
    });
  }
  const held = await readTrainingTable(heldTable);
  const models = await loadPacbedModels(modelsRoot, 'Rutile', 80, [0, 0, 1]);
  const rows: DemoRow[] = [];
  try {
    const labels = models.thickness!.info.values;
    await mkdir(join(out, 'measured'), { recursive: true });
    for (let r = 0; r < held.rows; r++) {
      const zoom = r % 2 === 0 ? 1.2 : 1; // every other pattern at a 1.2× longer camera length
      const img = measuredLike(
        await tableImage(held.paths[r]!, SIZE),
        SIZE,
        zoom,
        deriveSeed(seed, 'demo', r),
      );
      const file = join(out, 'measured', `pattern_${String(r).padStart(2, '0')}.npy`);
      await writeFile(file, writeNpy(ndarray('float32', [DETECTOR.ny, DETECTOR.nx], img)));
      const p = predictWithModels(
        models,
        { data: Float64Array.from(img), ny: DETECTOR.ny, nx: DETECTOR.nx },
        held.convAngle[r]!,
      );
      rows.push({
        file,
        thickness: { true: held.thickness[r]!, predicted: p.thickness.value },
        mistilt: { true: held.mistilt[r]!, predicted: p.mistilt.value },
        scale: { true: 1 / zoom, predicted: p.scale },
      });
    }
    // the validation figure of the first held-out pattern (the seed's figure, item 4)
    const validationPng = join(out, 'validation.png');
    {
      const r0 = 0;
      const zoom = 1.2;
      const img = measuredLike(await tableImage(held.paths[r0]!, SIZE), SIZE, zoom, deriveSeed(seed, 'demo', r0)); // prettier-ignore
      const pattern = { data: Float64Array.from(img), ny: DETECTOR.ny, nx: DETECTOR.nx };
      const p = predictWithModels(models, pattern, held.convAngle[r0]!);
      const v = await predictionValidation(
        models,
        pattern,
        p,
        held.convAngle[r0]!,
        `held-out ${held.thickness[r0]} Å, ${held.mistilt[r0]} mrad (Rutile [001], 80 kV)`,
        true,
      );
      await writeFile(validationPng, v.png);
    }
    // the class of a value: the nearest label (the held-out thicknesses are whole slices, so
    // they differ from the training labels by a fraction of a slice; indexOf would give −1)
    const cls = (v: number) => {
      let best = 0;
      labels.forEach((l, i) => {
        if (Math.abs(l - v) < Math.abs(labels[best]! - v)) best = i;
      });
      return best;
    };
    const exact = rows.filter((x) => cls(x.thickness.predicted) === cls(x.thickness.true)).length;
    const within = rows.filter(
      (x) => Math.abs(cls(x.thickness.predicted) - cls(x.thickness.true)) <= 1,
    ).length;
    const mis = rows.filter((x) => Math.abs(x.mistilt.predicted - x.mistilt.true) <= 1).length;
    return {
      modelsRoot,
      validationPng,
      rows,
      thicknessExact: exact,
      thicknessWithinOne: within,
      mistiltWithin1: mis,
    };
  } finally {
    disposeModels(models);
  }
}
