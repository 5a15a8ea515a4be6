/**
 * `bragg pacbed predict`: a measured PACBED → thickness [Å], mistilt [mrad] and scale with the
 * models registered for (material, kV, zone axis). The seed's HEAD predictor: preprocessing
 * (`preprocess.ts`), then the damped iterative scale loop on background B — s_k = (k + (5 − k)·s)/5,
 * scale_total ·= s_k, stopping when k > 5, the top probability < 0.5 or the scale class is 1 —
 * then the thickness and mistilt CNNs on background A zoomed by 1/scale_total. Beyond the seed:
 * the probability vectors, their expected value and spread, and timings.
 */
import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import { loadBundle, type ModelBundle } from '../../ml/store/bundle.js';
import { normaliseAngle } from './augment.js';
import type { PacbedTarget } from './labels.js';
import type { Pattern } from './pattern-io.js';
import { preparePattern, rescaleResize, type Img } from './preprocess.js';
import { describeKey, lookupModels, type Zone } from './register.js';

/** What a PACBED bundle records about itself (`bragg.json` → `pacbed`). */
export interface PacbedModelInfo {
  target: PacbedTarget;
  values: number[];
  size: number;
  convRange: [number, number];
  packed: boolean;
}

export interface LoadedModel {
  bundle: ModelBundle;
  info: PacbedModelInfo;
}

export function modelInfo(b: ModelBundle): PacbedModelInfo {
  const p = b.meta.pacbed as Partial<PacbedModelInfo> | undefined;
  if (
    p === undefined ||
    p.target === undefined ||
    !Array.isArray(p.values) ||
    p.values.length !== b.meta.labels.length ||
    typeof p.size !== 'number' ||
    !Array.isArray(p.convRange)
  ) {
    throw new FormatError('bragg model', 'not a PACBED model: bragg.json has no pacbed section', {
      file: join(b.dir, 'bragg.json'),
      path: 'pacbed',
    });
  }
  return { packed: true, ...p } as PacbedModelInfo;
}

/**
 * The registered models of a key, loaded (thickness and mistilt required, scale optional);
 * `load` loads one bundle (default `loadBundle`; the server's routes pass its model cache).
 */
export async function loadPacbedModels(
  root: string,
  material: string,
  kv: number,
  zone: Zone,
  load: (dir: string) => Promise<ModelBundle> = loadBundle,
): Promise<Partial<Record<PacbedTarget, LoadedModel>>> {
  const e = await lookupModels(root, material, kv, zone);
  const out: Partial<Record<PacbedTarget, LoadedModel>> = {};
  for (const t of ['thickness', 'mistilt', 'scale'] as const) {
    const m = e.models[t];
    if (m === undefined) {
      if (t === 'scale') continue;
      throw new NotFoundError(`no ${t} model is registered for ${describeKey(e)}`, {
        what: 'model',
        resource: `${describeKey(e)} ${t}`,
      });
    }
    const bundle = await load(resolve(root, m.dir));
    out[t] = { bundle, info: modelInfo(bundle) };
  }
  return out;
}

/** Class probabilities of one prepared image. */
export function classify(m: LoadedModel, image: Float32Array, angle: number): Float64Array {
  const n = m.info.size * m.info.size;
  const x = new Float32Array(n + 1);
  x.set(image);
  x[n] = angle;
  const p = tf.tidy(() => m.bundle.model.predict(tf.tensor2d(x, [1, n + 1])) as tf.Tensor);
  const out = Float64Array.from(p.dataSync());
  p.dispose();
  return out;
}

export interface TargetPrediction {
  /** Value of the most probable class. */
  value: number;
  probability: number;
  /** Σ p·v and sqrt(Σ p·(v − mean)²) over the classes. */
  expected: number;
  spread: number;
  labels: number[];
  probabilities: number[];
}

export function summarise(values: readonly number[], p: ArrayLike<number>): TargetPrediction {
  let best = 0;
  let mean = 0;
  for (let i = 0; i < values.length; i++) {
    if (p[i]! > p[best]!) best = i;
    mean += p[i]! * values[i]!;
  }
  let v = 0;
  for (let i = 0; i < values.length; i++) v += p[i]! * (values[i]! - mean) ** 2;
  return {
    value: values[best]!,
    probability: p[best]!,
    expected: mean,
    spread: Math.sqrt(v),
    labels: [...values],
    probabilities: Array.from(p),
  };
}

export interface ScaleStep {
  /** Scale class of this pass and its probability. */
  s: number;
  probability: number;
  /** The cumulative scale after the (damped) update. */
  total: number;
}

export interface PacbedPrediction {
  thickness: TargetPrediction;
  mistilt: TargetPrediction;
  /** The cumulative scale applied (1 when no scale model is registered). */
  scale: number;
  scaleSteps: ScaleStep[];
  scaleModel: boolean;
  /** Disc centre [y, x] px and crop side [px] of the preprocessing. */
  centre: [number, number];
  crop: number;
  timings: {
    preprocessMs: number;
    scaleMs: number;
    thicknessMs: number;
    mistiltMs: number;
    totalMs: number;
  };
  models: Partial<Record<PacbedTarget, string>>;
}

function checkAngle(m: LoadedModel, c: number): void {
  const [lo, hi] = m.info.convRange;
  const tol = 1e-9 * Math.max(1, hi);
  if (!(c >= lo - tol && c <= hi + tol)) {
    throw new ValidationError(
      `${c} mrad is outside the ${m.info.target} model's range ${lo}…${hi} mrad`,
      'convAngle',
    );
  }
}

/** The damped scale loop on background B; returns the cumulative scale and the passes. */
export function scaleLoop(
  run: (s: number) => Float64Array,
  values: readonly number[],
): { scale: number; steps: ScaleStep[] } {
  let total = 1;
  const steps: ScaleStep[] = [];
  for (let k = 0; ; k++) {
    const r = summarise(values, run(total));
    if (k > 5 || r.probability < 0.5 || r.value === 1) {
      steps.push({ s: r.value, probability: r.probability, total });
      break;
    }
    total *= (k * 1 + (5 - k) * r.value) / 5;
    steps.push({ s: r.value, probability: r.probability, total });
  }
  return { scale: total, steps };
}

export function predictWithModels(
  models: Partial<Record<PacbedTarget, LoadedModel>>,
  pattern: Pattern | Img,
  convAngle: number,
): PacbedPrediction {
  const t0 = performance.now();
  const th = models.thickness!;
  const mi = models.mistilt!;
  const sc = models.scale;
  for (const m of [th, mi, sc]) if (m !== undefined) checkAngle(m, convAngle);
  const size = Math.max(th.info.size, mi.info.size, sc?.info.size ?? 0);
  const prep = preparePattern(pattern, size);
  const t1 = performance.now();
  let scale = 1;
  let steps: ScaleStep[] = [];
  if (sc !== undefined) {
    const a = normaliseAngle(convAngle, sc.info.convRange);
    ({ scale, steps } = scaleLoop(
      (s) => classify(sc, rescaleResize(prep.b, s, sc.info.size), a),
      sc.info.values,
    ));
  }
  const t2 = performance.now();
  const run = (m: LoadedModel): TargetPrediction =>
    summarise(
      m.info.values,
      classify(
        m,
        rescaleResize(prep.a, scale, m.info.size),
        normaliseAngle(convAngle, m.info.convRange),
      ),
    );
  const thickness = run(th);
  const t3 = performance.now();
  const mistilt = run(mi);
  const t4 = performance.now();
  const ids: Partial<Record<PacbedTarget, string>> = {};
  for (const [k, m] of Object.entries(models)) ids[k as PacbedTarget] = m.bundle.meta.id;
  return {
    thickness,
    mistilt,
    scale,
    scaleSteps: steps,
    scaleModel: sc !== undefined,
    centre: prep.centre,
    crop: prep.crop,
    timings: {
      preprocessMs: t1 - t0,
      scaleMs: t2 - t1,
      thicknessMs: t3 - t2,
      mistiltMs: t4 - t3,
      totalMs: t4 - t0,
    },
    models: ids,
  };
}

export function disposeModels(models: Partial<Record<PacbedTarget, LoadedModel>>): void {
  for (const m of Object.values(models)) m.bundle.model.dispose();
}
