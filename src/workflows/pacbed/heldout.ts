/**
 * Held-out checks of the PACBED CNNs: what "a pattern the model never saw" means, and the
 * scores of issue 13's accuracy goals (thickness within one class ≥ 95 %, mistilt within 1 mrad
 * ≥ 90 %).
 *
 * A held-out pattern keeps its thickness and mistilt on the training label grid (so that the
 * class-based scores mean something) but differs from every training row in at least one
 * simulation parameter the labels do not name — the mistilt azimuth or the convergence angle —
 * and is then made to look measured: another camera length (a zoom), an off-centre disc on a
 * wider detector, Poisson noise at a dose. `checkDisjoint` refuses a held-out table that shares a
 * (thickness, mistilt, azimuth, convergence angle) with the training table, and
 * `bestConstantScores` gives what the best single answer would score on the held-out rows: a
 * check whose rows that constant passes cannot tell a model that learned from one that did not.
 */
import { ValidationError } from '../../core/errors.js';
import { createRng, deriveSeed } from '../../core/rng.js';
import { affine2d, IDENTITY } from '../../simulate/augment/affine2d.js';
import { poissonAtDose } from './augment.js';
import { tableImage } from './data.js';
import type { PacbedTarget } from './labels.js';
import { predictWithModels, type LoadedModel } from './predict.js';
import type { TrainingTable } from './table.js';

/** Issue 13's accuracy goals on held-out simulated patterns. */
export const PACBED_GOALS = { thicknessWithinOne: 0.95, mistiltWithin1: 0.9 } as const;

export interface HeldOutOutcome {
  thickness: { true: number; predicted: number };
  mistilt: { true: number; predicted: number };
}

export interface HeldOutScores {
  n: number;
  /** Fractions of the rows: thickness in the true class / within one class of it. */
  thicknessExact: number;
  thicknessWithinOne: number;
  /** Fraction with |predicted − true| ≤ 1 mrad. */
  mistiltWithin1: number;
  /** Mean absolute errors [Å], [mrad]. */
  thicknessMae: number;
  mistiltMae: number;
}

/** Index of the label nearest to `v` (ties to the lower one). */
export function nearestClass(labels: readonly number[], v: number): number {
  if (labels.length === 0) throw new ValidationError('no labels', 'labels');
  let best = 0;
  for (let i = 1; i < labels.length; i++) {
    if (Math.abs(labels[i]! - v) < Math.abs(labels[best]! - v)) best = i;
  }
  return best;
}

/** The scores of predictions against the truth; thickness classes are `thicknessLabels`. */
export function scoreHeldOut(
  rows: readonly HeldOutOutcome[],
  thicknessLabels: readonly number[],
): HeldOutScores {
  if (rows.length === 0) throw new ValidationError('no held-out rows', 'rows');
  let exact = 0;
  let within = 0;
  let mis = 0;
  let tErr = 0;
  let mErr = 0;
  for (const r of rows) {
    const d = Math.abs(
      nearestClass(thicknessLabels, r.thickness.predicted) -
        nearestClass(thicknessLabels, r.thickness.true),
    );
    if (d === 0) exact++;
    if (d <= 1) within++;
    // 1e-9: a mistilt of exactly 1 mrad off is within 1 mrad despite rounding in the table
    if (Math.abs(r.mistilt.predicted - r.mistilt.true) <= 1 + 1e-9) mis++;
    tErr += Math.abs(r.thickness.predicted - r.thickness.true);
    mErr += Math.abs(r.mistilt.predicted - r.mistilt.true);
  }
  const n = rows.length;
  return {
    n,
    thicknessExact: exact / n,
    thicknessWithinOne: within / n,
    mistiltWithin1: mis / n,
    thicknessMae: tErr / n,
    mistiltMae: mErr / n,
  };
}

export function meetsGoals(s: HeldOutScores): boolean {
  return (
    s.thicknessWithinOne >= PACBED_GOALS.thicknessWithinOne &&
    s.mistiltWithin1 >= PACBED_GOALS.mistiltWithin1
  );
}

/**
 * The best any constant answer scores on these rows, per target (each constant from the label
 * grids): the floor a model must clear to show it learned something.
 */
export function bestConstantScores(
  truth: readonly { thickness: number; mistilt: number }[],
  thicknessLabels: readonly number[],
  mistiltLabels: readonly number[],
): { thicknessWithinOne: number; mistiltWithin1: number; thickness: number; mistilt: number } {
  let bt = { score: -1, value: thicknessLabels[0]! };
  for (const t of thicknessLabels) {
    const s = scoreHeldOut(
      truth.map((r) => ({
        thickness: { true: r.thickness, predicted: t },
        mistilt: { true: r.mistilt, predicted: r.mistilt },
      })),
      thicknessLabels,
    ).thicknessWithinOne;
    if (s > bt.score) bt = { score: s, value: t };
  }
  let bm = { score: -1, value: mistiltLabels[0]! };
  for (const m of mistiltLabels) {
    const s = scoreHeldOut(
      truth.map((r) => ({
        thickness: { true: r.thickness, predicted: r.thickness },
        mistilt: { true: r.mistilt, predicted: m },
      })),
      thicknessLabels,
    ).mistiltWithin1;
    if (s > bm.score) bm = { score: s, value: m };
  }
  return {
    thicknessWithinOne: bt.score,
    mistiltWithin1: bm.score,
    thickness: bt.value,
    mistilt: bm.value,
  };
}

const key = (t: number, m: number, a: number, c: number): string =>
  [t, m, m === 0 ? 0 : a, c].map((v) => +v.toFixed(6)).join('|');

/**
 * Refuses a held-out table that is not held out: a row with the same thickness, mistilt,
 * azimuth (any azimuth at zero mistilt) and convergence angle as a training row, a thickness
 * or mistilt off the training label grid, or a convergence angle outside the trained range.
 */
export function checkDisjoint(train: TrainingTable, held: TrainingTable): void {
  const seen = new Set<string>();
  const az = (t: TrainingTable, r: number) => t.azimuth?.[r] ?? 0;
  for (let r = 0; r < train.rows; r++) {
    seen.add(key(train.thickness[r]!, train.mistilt[r]!, az(train, r), train.convAngle[r]!));
  }
  const thick = new Set(train.thickness);
  const mis = new Set(train.mistilt);
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of train.convAngle) {
    lo = Math.min(lo, c);
    hi = Math.max(hi, c);
  }
  for (let r = 0; r < held.rows; r++) {
    const t = held.thickness[r]!;
    const m = held.mistilt[r]!;
    const c = held.convAngle[r]!;
    const where = `${held.file} row ${r + 1} (${t} Å, ${m} mrad, ${az(held, r)}°, ${c} mrad)`;
    if (seen.has(key(t, m, az(held, r), c))) {
      throw new ValidationError(`${where} is also a training row`, 'heldOut');
    }
    if (!thick.has(t) || !mis.has(m)) {
      throw new ValidationError(`${where} is off the training label grid`, 'heldOut');
    }
    if (c < lo || c > hi) {
      throw new ValidationError(
        `${where}: the convergence angle is outside the trained ${lo}…${hi} mrad`,
        'heldOut',
      );
    }
  }
}

/**
 * A simulated size² pattern made to look measured: zoomed by `zoom` (a longer camera length for
 * zoom > 1), placed at a random column of a detector `pad` px wider (the centroid crop must find
 * it again), with Poisson noise at `dose` mean counts per pixel (absent: none).
 */
export function measuredLike(
  img: Float32Array,
  size: number,
  o: { zoom: number; seed: number; dose?: number; pad?: number },
): { data: Float32Array; ny: number; nx: number } {
  const rng = createRng(o.seed);
  const pad = o.pad ?? Math.round(0.75 * size);
  const z =
    o.zoom === 1
      ? Float32Array.from(img)
      : affine2d(img, size, size, { ...IDENTITY, zx: 1 / o.zoom, zy: 1 / o.zoom }, { fill: 'constant' }); // prettier-ignore
  const nx = size + pad;
  const canvas = new Float32Array(size * nx);
  const ox = rng.int(pad + 1);
  for (let y = 0; y < size; y++) canvas.set(z.subarray(y * size, (y + 1) * size), y * nx + ox);
  return { data: o.dose === undefined ? canvas : poissonAtDose(rng, canvas, o.dose), ny: size, nx };
}

export interface HeldOutCase {
  /** Poisson dose [mean counts per pixel] (absent: noise-free). */
  dose?: number;
  /** Camera-length zoom of the measured pattern (1: as trained). */
  zoom: number;
  /** Seed of the placement and noise draws (per row derived from it). */
  seed: number;
}

export interface HeldOutRow extends HeldOutOutcome {
  row: number;
  scale: { true: number; predicted: number };
}

/**
 * Predicts every row of a held-out table made to look measured (`measuredLike` at the case's
 * zoom and dose) with the full prediction pipeline (centroid crop, backgrounds, the scale loop
 * when a scale model is loaded) and scores the thickness and mistilt.
 */
export async function evaluateHeldOut(
  models: Partial<Record<PacbedTarget, LoadedModel>>,
  held: TrainingTable,
  c: HeldOutCase,
  images?: readonly Float32Array[],
): Promise<{ rows: HeldOutRow[]; scores: HeldOutScores }> {
  const th = models.thickness;
  if (th === undefined || models.mistilt === undefined) {
    throw new ValidationError('needs thickness and mistilt models', 'models');
  }
  const size = th.info.size;
  const rows: HeldOutRow[] = [];
  for (let r = 0; r < held.rows; r++) {
    const img = images?.[r] ?? (await tableImage(held.paths[r]!, size));
    const m = measuredLike(img, size, {
      zoom: c.zoom,
      seed: deriveSeed(c.seed, 'held-out', r),
      ...(c.dose !== undefined ? { dose: c.dose } : {}),
    });
    const p = predictWithModels(models, { data: Float64Array.from(m.data), ny: m.ny, nx: m.nx }, held.convAngle[r]!); // prettier-ignore
    rows.push({
      row: r,
      thickness: { true: held.thickness[r]!, predicted: p.thickness.value },
      mistilt: { true: held.mistilt[r]!, predicted: p.mistilt.value },
      scale: { true: 1 / c.zoom, predicted: p.scale },
    });
  }
  return { rows, scores: scoreHeldOut(rows, th.info.values) };
}
