/**
 * `bragg phase predict`: an experimental map → the model's q-axis (resampled when the axes
 * differ; an error when the ranges do not overlap enough) → min-max per profile → batched
 * inference → `<name>_probability_pred.npz` (`pred` (ny, nx, n_phases) float32, `phases`,
 * `cnn_id`) and `<name>_phase_map.png` (phase colour, confidence as brightness, legend).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { writeNpz } from '../../formats/npy/npz.js';
import { writeSvgPng } from '../../ml/plots/render.js';
import type { ModelBundle } from '../../ml/store/bundle.js';
import { PHASE_PREPROCESSING, predictProfiles } from './infer.js';
import type { ExperimentalMap } from './experiment.js';
import { categoryMapSvg } from '../../ml/plots/category-map.js';
import { resampleProfiles, sameAxis } from './resample.js';

export interface PhasePrediction {
  /** (ny·nx·nPhases) probabilities. */
  pred: Float32Array;
  phases: string[];
  cnnId: string;
  ny: number;
  nx: number;
  /** True when the profiles were resampled onto the model's q-axis. */
  resampled: boolean;
}

/** The model's q-axis from `bragg.json`, checked against its input length. */
export function modelQAxis(bundle: ModelBundle): Float64Array {
  const m = bundle.meta;
  if (m.workflow !== 'phase') {
    throw new ValidationError(
      `model ${m.id} is a '${m.workflow}' model, not a phase model`,
      '--model',
    );
  }
  const axis = m.input.axis;
  if (!axis || axis.length !== m.input.shape[0]) {
    throw new ValidationError(
      `bragg.json of ${bundle.dir} has no q-axis of ${m.input.shape[0]} points (input.axis)`,
      '--model',
    );
  }
  if (m.input.preprocessing !== PHASE_PREPROCESSING) {
    throw new ValidationError(
      `preprocessing '${m.input.preprocessing}' is not supported; expected '${PHASE_PREPROCESSING}'`,
      '--model',
    );
  }
  return Float64Array.from(axis);
}

export interface PredictOptions {
  batchSize?: number;
  /** Minimum fraction of the model's q range the map must cover (default 0.9). */
  minOverlap?: number;
  onBatch?: (done: number, total: number) => void;
  /** Run the fused 1D-CNN kernel when the model allows it (default true; see predictProfiles). */
  fused?: boolean;
}

export async function predictPhaseMap(
  bundle: ModelBundle,
  map: ExperimentalMap,
  o: PredictOptions = {},
): Promise<PhasePrediction> {
  const q = modelQAxis(bundle);
  const resampled = !sameAxis(map.q, q);
  const profiles = resampled ? resampleProfiles(map.q, map.y, q, o.minOverlap ?? 0.9) : map.y;
  const pred = await predictProfiles(
    bundle.model,
    profiles,
    q.length,
    o.batchSize ?? 1024,
    o.onBatch,
    o.fused ?? true,
  );
  return {
    pred,
    phases: [...bundle.meta.labels],
    cnnId: bundle.meta.id,
    ny: map.ny,
    nx: map.nx,
    resampled,
  };
}

export interface WrittenPrediction {
  npz: string;
  png: string;
}

/** Write the prediction file (seed contract) and the phase-map PNG into `outDir`. */
export async function writePhasePrediction(
  outDir: string,
  name: string,
  p: PhasePrediction,
): Promise<WrittenPrediction> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const npz = join(dir, `${name}_probability_pred.npz`);
  const k = p.phases.length;
  await writeFile(
    npz,
    writeNpz({
      pred: ndarray('float32', [p.ny, p.nx, k], p.pred),
      phases: ndarray('string', [k], [...p.phases]),
      cnn_id: ndarray('string', [], [p.cnnId]),
    }),
  );
  const png = join(dir, `${name}_phase_map.png`);
  await writeSvgPng(
    png,
    categoryMapSvg({ title: name, pred: p.pred, ny: p.ny, nx: p.nx, phases: p.phases }),
  );
  return { npz, png };
}
