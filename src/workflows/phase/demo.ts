/**
 * The phase part of `bragg demo`: three bundled CIFs → a small dataset from the sweep pipeline
 * → a short training → a held-out test set simulated with unseen seeds → a synthetic
 * "measured" map with known phase regions (other seeds, other augmentations, another q-axis)
 * → prediction → evaluation against the CIFs → pixel accuracy against the known regions.
 * Everything goes to `outDir`; nothing is downloaded.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ndarray } from '../../core/ndarray.js';
import { packageRoot } from '../../core/paths.js';
import { writeNpy } from '../../formats/npy/npy.js';
import type { Executor } from '../../jobs/executor.js';
import { PhaseDataset } from './dataset/reader.js';
import { argmaxRows, confusionMatrix } from '../../ml/metrics/confusion.js';
import { loadBundle } from '../../ml/store/bundle.js';
import type { TrainCallback } from '../../ml/train/callbacks.js';
import type { SweepInput } from './dataset/sweep-schema.js';
import { evaluatePredictionFile, type FileEvaluation } from './evaluate.js';
import { readExperimentalMap } from './experiment.js';
import { predictProfiles } from './infer.js';
import { predictPhaseMap, writePhasePrediction } from './predict.js';
import { syntheticPhaseMap } from './synthetic.js';
import { simulatePhaseDataset, writeExperimentalNpz } from './demo-data.js';
import { trainPhaseModel } from './train.js';

/** The demo's phases: well separated in q, bundled, each with its published source. */
export const DEMO_PHASES = ['cspbbr3-cubic', 'pbi2-2h', 'au'] as const;

export interface PhaseDemoOptions {
  outDir: string;
  executor: Executor;
  log: (line: string) => void;
  /** Orientations per phase per training seed (default 300). */
  count?: number;
  epochs?: number;
  /** Map side in pixels (default 48). */
  mapSize?: number;
  callbacks?: TrainCallback[];
}

export interface PhaseDemoResult {
  outDir: string;
  datasetId: string;
  modelId: string;
  modelDir: string;
  validationAccuracy: number;
  testAccuracy: number;
  testSamples: number;
  mapPixelAccuracy: number;
  mapPixels: number;
  prediction: string;
  phaseMapPng: string;
  evaluation: FileEvaluation;
  seconds: number;
}

/** The `# Source:` lines of a bundled CIF's header, joined. */
export async function cifSource(path: string): Promise<string> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const i = lines.findIndex((l) => /^#\s*Source/i.test(l));
  if (i < 0) return 'source not stated';
  const out = [lines[i]!.replace(/^#\s*Source( of the numbers)?:\s*/i, '')];
  for (
    let j = i + 1;
    j < lines.length && /^#/.test(lines[j]!) && !/^#\s*(Written|$)/.test(lines[j]!);
    j++
  ) {
    out.push(lines[j]!.replace(/^#\s*/, ''));
  }
  return out.join(' ');
}

/**
 * Augmentations of the demo's training and test sets, milder than the seed's defaults: wider
 * relrods (more reflections excited per pattern), spots of 1–3 px, at most 5 strong spots
 * removed, weaker backgrounds, less noise (snr ≥ 0.99, spikes ≤ 0.25), so that a few hundred
 * patterns per phase suffice.
 */
const TRAIN_AUGMENTATION: NonNullable<SweepInput['augmentation']> = {
  relrod: [0.05, 0.1, 0.2],
  spotSigmaPx: [1, 2, 3],
  peakRemoval: { enabled: true, brightest: 5 },
  background: { enabled: true, a: [0, 0, 0.1, 1] },
  noise: { enabled: true, snrs: [0.99, 0.999, 0.9999], spikes: [0, 0, 0, 0, 0.1, 0.25] },
};

/** Augmentations of the "measured" map: values the training sweep does not use. */
const MAP_SWEEP: Omit<SweepInput, 'seeds' | 'phases' | 'orientations'> = {
  calibration: { value: 0.00588, jitterPercent: 2 },
  augmentation: {
    peakRemoval: { enabled: true, brightest: 3 },
    noise: { enabled: true, snrs: [0.95, 0.995], spikes: [0, 0.3] },
    background: { enabled: true, a: [0.05, 0.5], tau: [0.8, 1.6] },
    relrod: [0.07, 0.15],
    spotSigmaPx: [1.5, 2.5],
  },
  // a measured axis that differs from the model's: resampled at prediction
  postprocessing: { qAxis: { start: 0.095, stop: 1.34, points: 160 } },
};

export async function runPhaseDemo(o: PhaseDemoOptions): Promise<PhaseDemoResult> {
  const t0 = performance.now();
  const out = resolve(o.outDir);
  const structures = join(packageRoot(), 'data', 'structures');
  const cifDir = join(out, 'cifs');
  await mkdir(cifDir, { recursive: true });
  const phases = [];
  o.log('phases (bundled CIFs):');
  for (const name of DEMO_PHASES) {
    const src = join(structures, `${name}.cif`);
    await copyFile(src, join(cifDir, `${name}.cif`));
    phases.push({ name, cif: src });
    o.log(`  ${name}: ${await cifSource(src)}`);
  }
  const step = (i: number, s: string) =>
    o.log(`[${i}/6] ${s} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  const count = o.count ?? 300;
  const progress = (what: string) => {
    let last = -1;
    return (p: { doneShards: number; totalShards: number; donePatterns: number }) => {
      if (p.doneShards === last) return;
      last = p.doneShards;
      o.log(`  ${what}: ${p.doneShards}/${p.totalShards} shards, ${p.donePatterns} patterns`);
    };
  };

  step(1, `simulating the training dataset: 3 phases × 2 seeds × ${count} orientations`);
  const train = await simulatePhaseDataset(
    {
      name: 'demo-train',
      seeds: [1, 2],
      phases,
      orientations: { count },
      chunkSize: Math.ceil(count / 2),
      augmentation: TRAIN_AUGMENTATION,
    },
    structures,
    join(out, 'dataset'),
    o.executor,
    progress('training set'),
  );
  const testCount = Math.max(30, Math.round(count / 2));
  step(2, `simulating a held-out test set with unseen seeds: 3 phases × ${testCount}`);
  await simulatePhaseDataset(
    {
      name: 'demo-test',
      seeds: [101],
      phases,
      orientations: { count: testCount },
      chunkSize: testCount,
      augmentation: TRAIN_AUGMENTATION,
    },
    structures,
    join(out, 'testset'),
    o.executor,
    progress('test set'),
  );

  step(3, `training the 1D CNN (${o.epochs ?? 20} epochs, batch 64, 25 % held out)`);
  const trained = await trainPhaseModel({
    data: join(out, 'dataset'),
    outDir: join(out, 'models'),
    epochs: o.epochs ?? 20,
    batchSize: 64,
    valSplit: 0.25,
    seed: 10,
    ...(o.callbacks ? { callbacks: o.callbacks } : {}),
  });
  o.log(
    `  model ${trained.meta.id}: validation accuracy ${(100 * trained.confusion.accuracy).toFixed(2)} %`,
  );

  step(4, 'accuracy on the held-out test set');
  const bundle = await loadBundle(trained.modelDir);
  try {
    const ds = await PhaseDataset.open(join(out, 'testset'));
    const truth: number[] = [];
    const guess: number[] = [];
    for await (const b of ds.batches({ batchSize: 1024, shuffle: false })) {
      const p = await predictProfiles(bundle.model, b.x, b.width);
      truth.push(...b.y);
      guess.push(...argmaxRows(p, ds.classes.length));
    }
    const testConf = confusionMatrix(truth, guess, ds.classes);
    await writeFile(join(out, 'test-confusion.json'), `${JSON.stringify(testConf, null, 2)}\n`);
    o.log(
      `  test accuracy ${(100 * testConf.accuracy).toFixed(2)} % on ${testConf.total} profiles (seed 101)`,
    );

    const side = o.mapSize ?? 48;
    step(
      5,
      `synthetic measured map ${side} × ${side} with known regions (seed 9001, other augmentations), prediction`,
    );
    const map = await syntheticPhaseMap({
      phases,
      ny: side,
      nx: side,
      seed: 9001,
      sweep: MAP_SWEEP,
    });
    const mapsDir = join(out, 'maps');
    await mkdir(mapsDir, { recursive: true });
    const mapFile = join(mapsDir, 'demo_map_1d.npz');
    await writeExperimentalNpz(mapFile, map.q, map.y, map.ny, map.nx);
    await writeFile(
      join(mapsDir, 'demo_map_1d_truth.npy'),
      writeNpy(ndarray('int32', [map.ny, map.nx], map.labels)),
    );
    const exp = await readExperimentalMap(mapFile);
    const pred = await predictPhaseMap(bundle, exp);
    const written = await writePhasePrediction(join(out, 'predictions'), exp.name, pred);
    const assigned = argmaxRows(pred.pred, pred.phases.length);
    let hits = 0;
    for (let i = 0; i < assigned.length; i++) if (assigned[i] === map.labels[i]) hits++;
    const pixelAccuracy = hits / assigned.length;
    o.log(
      `  pixel accuracy against the known regions: ${(100 * pixelAccuracy).toFixed(2)} % of ${assigned.length}`,
    );

    step(6, 'evaluating the map against the CIFs (kinematic electron reflections)');
    const evaluation = await evaluatePredictionFile(written.npz, mapsDir, cifDir);
    await writeFile(
      join(out, 'evaluation.json'),
      `${JSON.stringify(evaluation, (k, v: unknown) => (k === 'meanProfile' ? undefined : v), 2)}\n`,
    );
    const result: PhaseDemoResult = {
      outDir: out,
      datasetId: train.manifest.id,
      modelId: trained.meta.id,
      modelDir: trained.modelDir,
      validationAccuracy: trained.confusion.accuracy,
      testAccuracy: testConf.accuracy,
      testSamples: testConf.total,
      mapPixelAccuracy: pixelAccuracy,
      mapPixels: assigned.length,
      prediction: written.npz,
      phaseMapPng: written.png,
      evaluation,
      seconds: (performance.now() - t0) / 1000,
    };
    await writeFile(
      join(out, 'summary.json'),
      `${JSON.stringify({ ...result, evaluation: undefined }, null, 2)}\n`,
    );
    return result;
  } finally {
    bundle.model.dispose();
  }
}
