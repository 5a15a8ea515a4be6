/**
 * `bragg bench phase-predict`: prediction throughput of the seed's phase CNN on a size × size
 * map of 147-point profiles given on another q-axis (so resampling is included), batch by
 * batch as `bragg phase predict` runs it: resample → min-max → inference → npz. The weights
 * are untrained (seeded); the time does not depend on them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import { initBackend, type BackendOptions } from '../../src/ml/backend/select.js';
import { newModelId } from '../../src/ml/store/bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../../src/ml/store/schema.js';
import { seed147Axis } from '../../src/simulate/kinematic/profile.js';
import { VERSION } from '../../src/core/version.js';
import { PHASE_PREPROCESSING } from '../../src/workflows/phase/infer.js';
import { PHASE_CNN_ARCHITECTURE, buildPhaseCnn } from '../../src/workflows/phase/model.js';
import { predictPhaseMap, writePhasePrediction } from '../../src/workflows/phase/predict.js';

export interface PhaseBenchOptions extends BackendOptions {
  size?: number;
  batchSize?: number;
  /** Timed repetitions after one warm-up run (default 2). */
  repeats?: number;
  /** The fused 1D-CNN kernel where the model allows it (default true); false: model.predict. */
  fused?: boolean;
}

export interface PhaseBenchResult {
  case: string;
  backend: string;
  threads: number;
  pixels: number;
  batchSize: number;
  /** Whether the fused 1D-CNN kernel was asked for. */
  fused: boolean;
  /** Best of the repeats, seconds: prediction (resample + normalise + inference) and writing. */
  predictSeconds: number;
  writeSeconds: number;
  profilesPerSecond: number;
  runs: number[];
  /** CPU time (user + system, all threads of the process) of each timed prediction, seconds. */
  cpuSeconds: number[];
}

export async function runPhasePredictBench(o: PhaseBenchOptions = {}): Promise<PhaseBenchResult> {
  const size = o.size ?? 256;
  const batchSize = o.batchSize ?? 1024;
  if (!(Number.isInteger(size) && size >= 1 && size <= 2048)) {
    throw new ValidationError(`must be an integer in 1…2048, got ${size}`, '--size');
  }
  const info = await initBackend(o);
  const q = seed147Axis();
  const model = buildPhaseCnn({ inputLength: q.length, classes: 3 }, 1);
  const meta: BundleMeta = {
    format: BUNDLE_FORMAT,
    id: newModelId(),
    workflow: 'phase',
    labels: ['a', 'b', 'c'],
    input: { shape: [q.length, 1], axis: Array.from(q), preprocessing: PHASE_PREPROCESSING },
    architecture: { name: PHASE_CNN_ARCHITECTURE, config: {} },
    datasetIds: [],
    training: {},
    metrics: {},
    createdAt: new Date().toISOString(),
    braggVersion: VERSION,
  };
  const bundle = { dir: '(in memory)', model, meta };
  // measured axis: 160 points over a slightly wider range → resampled, as for real maps
  const nq = 160;
  const mq = Float64Array.from({ length: nq }, (_, i) => 0.1 + (1.33 * i) / (nq - 1));
  const rng = createRng(7);
  const y = new Float32Array(size * size * nq);
  for (let i = 0; i < y.length; i++) y[i] = rng.next();
  const map = { file: 'bench', name: 'bench', q: mq, y, ny: size, nx: size, nq };
  const dir = await mkdtemp(join(tmpdir(), 'bragg-bench-phase-'));
  const runs: number[] = [];
  const cpuSeconds: number[] = [];
  const fused = o.fused ?? true;
  let writeSeconds = Infinity;
  try {
    const repeats = Math.max(1, o.repeats ?? 2);
    for (let r = 0; r <= repeats; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const p = await predictPhaseMap(bundle, map, { batchSize, fused });
      const c1 = process.cpuUsage(c0);
      const t1 = performance.now();
      await writePhasePrediction(dir, 'bench', p);
      const t2 = performance.now();
      if (r > 0) {
        runs.push((t1 - t0) / 1000);
        cpuSeconds.push((c1.user + c1.system) / 1e6);
        writeSeconds = Math.min(writeSeconds, (t2 - t1) / 1000);
      }
    }
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  const best = Math.min(...runs);
  return {
    case: `${size}×${size} map, 160 → 147 q points, seed phase CNN (3×Conv1D(64,6), Dense(128), 3 classes)`,
    backend: info.backend,
    threads: info.threads,
    pixels: size * size,
    batchSize,
    fused,
    predictSeconds: best,
    writeSeconds,
    profilesPerSecond: (size * size) / best,
    runs,
    cpuSeconds,
  };
}
