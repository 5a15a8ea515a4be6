/**
 * The seed's validation figure (issue 13 item 4; STUDY.md §1): the measured pattern as the
 * thickness CNN saw it next to the nearest simulated pattern of the model's training table
 * (nearest in thickness, mistilt and convergence angle to the prediction), that simulation
 * turned onto the measurement by polar-log registration (`registration.ts`; the training
 * patterns have their own azimuths, the measurement its own orientation), their difference, and
 * the class probability curves of thickness [Å] and mistilt [mrad].
 *
 * Where the simulated pattern comes from, in order: the image of the training table recorded
 * in the thickness model's `bragg.json` (`training.table`) when it is on this machine; else
 * the predicted case (thickness and mistilt classes, the measurement's convergence angle,
 * azimuth 0 — the registration finds the rotation) simulated on the fly with bragg's multislice
 * from a simulation recipe (`recipe.ts`): the one given, or the model's own
 * (`training.simulation`); else `nearestSimulated` says why there is none (both missing).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { encodePng } from '../../formats/image/png.js';
import { svgToPng } from '../../ml/plots/render.js';
import { esc, fmt, svgOpen } from '../../ml/plots/svg.js';
import { tableImage } from './data.js';
import type { LoadedModel, PacbedPrediction, TargetPrediction } from './predict.js';
import { preparePattern, rescaleResize, type Img } from './preprocess.js';
import {
  loadRecipe,
  parseRecipe,
  simulateCase,
  type Recipe,
  type SimulationCase,
} from './recipe.js';
import { registerRotation, rotateImage, scaleImage, type Registration } from './registration.js';
import { readTrainingTable } from './table.js';

export interface NearestSimulation {
  /** The simulated pattern prepared as the measurement (side², [-1, 1], not yet registered). */
  image: Float32Array;
  /** `table`: the training table's image (`path`); `simulated`: simulated on the fly. */
  source: 'table' | 'simulated';
  /** The table image (source `table` only). */
  path?: string;
  thickness: number;
  mistilt: number;
  convAngle: number;
}

export type NearestResult =
  { found: true; simulation: NearestSimulation } | { found: false; reason: string };

/** Simulates one case prepared at side² (default `simulateCase`; the server passes a cache). */
export type CaseSimulator = (
  recipe: Recipe,
  c: SimulationCase,
  side: number,
) => Promise<{ image: Float32Array; thickness: number }>;

export interface NearestOptions {
  /** The recipe to simulate with (instead of the model's `training.simulation`). */
  recipe?: Recipe;
  /** Multislice threads of an on-the-fly simulation (default: `simulateCase`'s). */
  threads?: number;
  simulate?: CaseSimulator;
}

/** The simulation recipe a model records (`training.simulation`), checked; undefined if none. */
export function modelRecipe(model: LoadedModel): Recipe | undefined {
  const training = model.bundle.meta.training as { simulation?: unknown };
  if (training.simulation === undefined) return undefined;
  return parseRecipe(training.simulation, join(model.bundle.dir, 'bragg.json'), 'training.simulation'); // prettier-ignore
}

/** A recipe for another key than the model's is a ValidationError (field `recipe`). */
function checkRecipeKey(model: LoadedModel, r: Recipe): void {
  const p = model.bundle.meta.pacbed as { kv?: unknown; zone?: unknown } | undefined;
  if (typeof p?.kv === 'number' && Math.abs(p.kv - r.kv) > 1e-9) {
    throw new ValidationError(`the recipe is for ${r.kv} kV, the model for ${p.kv} kV`, 'recipe');
  }
  if (Array.isArray(p?.zone) && p.zone.join(',') !== r.zone.join(',')) {
    throw new ValidationError(
      `the recipe is for zone [${r.zone.join(' ')}], the model for [${p.zone.join(' ')}]`,
      'recipe',
    );
  }
}

/** The training-table image nearest to the prediction, or why there is none. */
async function nearestTableImage(
  model: LoadedModel,
  p: PacbedPrediction,
  convAngle: number,
  side: number,
): Promise<NearestResult> {
  const training = model.bundle.meta.training as { table?: unknown };
  const file = typeof training.table === 'string' ? training.table : undefined;
  if (file === undefined) return { found: false, reason: 'the model records no training table' };
  if (!existsSync(file)) return { found: false, reason: `training table ${file} is not here` };
  const t = await readTrainingTable(file);
  const spacing = (v: readonly number[]) => {
    const s = [...new Set(v)].sort((a, b) => a - b);
    return s.length > 1 ? (s[s.length - 1]! - s[0]!) / (s.length - 1) : 1;
  };
  const dt = spacing(Array.from(t.thickness));
  const dm = spacing(Array.from(t.mistilt));
  let best = -1;
  let bestD = Infinity;
  for (let r = 0; r < t.rows; r++) {
    const d =
      1e3 * Math.abs(t.convAngle[r]! - convAngle) +
      Math.abs(t.thickness[r]! - p.thickness.value) / dt +
      Math.abs(t.mistilt[r]! - p.mistilt.value) / dm;
    if (d < bestD) {
      bestD = d;
      best = r;
    }
  }
  const path = t.paths[best];
  if (path === undefined || !existsSync(path)) {
    return { found: false, reason: `the table's image ${path ?? '(none)'} is not here` };
  }
  const raw = await tableImage(path, side);
  const prep = preparePattern({ data: Float64Array.from(raw), ny: side, nx: side }, side);
  return {
    found: true,
    simulation: {
      image: rescaleResize(prep.a, 1, side),
      source: 'table',
      path,
      thickness: t.thickness[best]!,
      mistilt: t.mistilt[best]!,
      convAngle: t.convAngle[best]!,
    },
  };
}

/**
 * The simulated pattern of the validation figure: the training-table row nearest to the
 * prediction (the closest convergence angle, then the predicted thickness and mistilt, each
 * in units of its class spacing) when the table and its image are here; else the predicted
 * case (thickness and mistilt classes at `convAngle`, azimuth 0) simulated on the fly from
 * `o.recipe` or the model's recipe; else `{found: false}` with both reasons.
 */
export async function nearestSimulated(
  model: LoadedModel,
  p: PacbedPrediction,
  convAngle: number,
  side: number,
  o: NearestOptions = {},
): Promise<NearestResult> {
  const fromTable = await nearestTableImage(model, p, convAngle, side);
  if (fromTable.found) return fromTable;
  const recipe = o.recipe ?? modelRecipe(model);
  if (recipe === undefined) {
    return {
      found: false,
      reason: `${fromTable.reason}, and the model records no simulation recipe (training.simulation) to simulate the case with`,
    };
  }
  checkRecipeKey(model, recipe);
  const c: SimulationCase = {
    thickness: p.thickness.value,
    mistilt: p.mistilt.value,
    convAngle,
    azimuth: 0,
  };
  const simulate: CaseSimulator =
    o.simulate ??
    ((r, k, n) => simulateCase(r, k, n, o.threads !== undefined ? { threads: o.threads } : {}));
  const s = await simulate(recipe, c, side);
  return {
    found: true,
    simulation: {
      image: s.image,
      source: 'simulated',
      thickness: s.thickness,
      mistilt: c.mistilt,
      convAngle,
    },
  };
}

/** The label over the simulated image of the figure. */
export function simulationLabel(
  s: Pick<NearestSimulation, 'source' | 'thickness' | 'mistilt'>,
): string {
  const what = s.source === 'simulated' ? 'simulated on the fly' : 'nearest simulated';
  return `${what}, ${fmt(s.thickness)} Å, ${fmt(s.mistilt)} mrad`;
}

export interface ValidationFigureInput {
  /** The thickness CNN's input, side², in [-1, 1]. */
  image: Float32Array;
  side: number;
  prediction: PacbedPrediction;
  nearest: NearestResult;
  title: string;
}

export interface ValidationFigure {
  png: Uint8Array;
  /** The registration of the simulation onto the measurement (absent without a simulation). */
  registration?: Registration;
}

const IMG = 200;
const PANEL_W = 300;
const PANEL_H = 170;

/** A [-1, 1] (or [0, 1] with `unit`) image as an 8-bit gray PNG data URI, IMG px wide. */
function imageHref(image: Float32Array, side: number, unit = false): string {
  const f = Math.max(1, Math.floor(IMG / side));
  const n = side * f;
  const out = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const v = image[Math.floor(y / f) * side + Math.floor(x / f)]!;
      const u = unit ? v : (v + 1) / 2;
      out[y * n + x] = Math.round(255 * Math.min(1, Math.max(0, u)));
    }
  }
  const png = encodePng(ndarray('uint8', [n, n], out), { range: [0, 255] });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** The probability curve of one target at (x0, y0), the predicted class marked. */
function curvePanel(
  x0: number,
  y0: number,
  name: string,
  unit: string,
  t: TargetPrediction,
  simulated?: number,
): string {
  const out: string[] = [];
  const k = t.labels.length;
  const lo = t.labels[0]!;
  const hi = t.labels[k - 1]!;
  const w = PANEL_W - 40;
  const h = PANEL_H - 50;
  const left = x0 + 35;
  const top = y0 + 22;
  const X = (v: number) => left + (hi > lo ? ((v - lo) / (hi - lo)) * w : w / 2);
  const Y = (p: number) => top + h - Math.max(0, Math.min(1, p)) * h;
  const head = `${name}: ${fmt(t.value)} ${unit} (p ${t.probability.toFixed(2)}; ${fmt(t.expected)} ± ${fmt(t.spread)})`;
  out.push(`<text x="${x0}" y="${y0 + 12}">${esc(head)}</text>`);
  out.push(
    `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#000"/>`,
    `<text x="${left - 4}" y="${top + 4}" font-size="10" text-anchor="end">1</text>`,
    `<text x="${left - 4}" y="${top + h}" font-size="10" text-anchor="end">0</text>`,
  );
  const pts = t.labels.map((v, i) => `${X(v).toFixed(1)},${Y(t.probabilities[i]!).toFixed(1)}`);
  out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`);
  t.labels.forEach((v, i) => {
    out.push(
      `<circle cx="${X(v).toFixed(1)}" cy="${Y(t.probabilities[i]!).toFixed(1)}" r="2" fill="#1f77b4"/>`,
    );
  });
  const px = X(t.value).toFixed(1);
  out.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${top + h}" stroke="#d62728"/>`);
  if (simulated !== undefined) {
    const sx = X(simulated).toFixed(1);
    out.push(
      `<line x1="${sx}" y1="${top}" x2="${sx}" y2="${top + h}" stroke="#2ca02c" stroke-dasharray="4 3"/>`,
    );
  }
  const step = Math.max(1, Math.ceil(k / 6));
  for (let i = 0; i < k; i += step) {
    out.push(
      `<text x="${X(t.labels[i]!).toFixed(1)}" y="${top + h + 13}" font-size="10" text-anchor="middle">${esc(fmt(t.labels[i]!))}</text>`,
    );
  }
  out.push(
    `<text x="${left + w / 2}" y="${top + h + 27}" font-size="11" text-anchor="middle">${esc(`${name} [${unit}]`)}</text>`,
  );
  return out.join('');
}

/** The figure (PNG) and the registration it found. */
export function validationFigure(v: ValidationFigureInput): ValidationFigure {
  const p = v.prediction;
  const n = v.side;
  const W = 10 + 3 * (IMG + 15) + 10;
  const H = 60 + IMG + 30 + PANEL_H + 10;
  const out: string[] = [svgOpen(W, H)];
  out.push(`<text x="10" y="20" font-size="14">${esc(v.title)}</text>`);
  const scale = p.scaleModel ? `scale ${p.scale.toFixed(3)}` : 'scale 1 (no scale model)';
  let registration: Registration | undefined;
  const imgAt = (i: number, href: string, label: string) => {
    const x = 10 + i * (IMG + 15);
    out.push(
      `<text x="${x}" y="52" font-size="11">${esc(label)}</text>`,
      `<image x="${x}" y="58" width="${IMG}" height="${IMG}" href="${href}" image-rendering="pixelated"/>`,
    );
  };
  imgAt(0, imageHref(v.image, n), `measured (CNN input, ${scale})`);
  if (v.nearest.found) {
    const s = v.nearest.simulation;
    registration = registerRotation(s.image, v.image, n);
    const aligned = scaleImage(rotateImage(s.image, n, registration.angle), n, registration.scale);
    const diff = new Float32Array(n * n);
    for (let i = 0; i < diff.length; i++) diff[i] = Math.abs(aligned[i]! - v.image[i]!) / 2;
    imgAt(1, imageHref(aligned, n), simulationLabel(s));
    imgAt(2, imageHref(diff, n, true), '|measured − simulated|');
    out.push(
      `<text x="10" y="36">${esc(
        `polar-log registration: rotation ${registration.angle.toFixed(1)}°, scale ${registration.scale.toFixed(3)}, correlation ${registration.score.toFixed(3)}; simulated at ${fmt(s.convAngle)} mrad`,
      )}</text>`,
    );
  } else {
    out.push(
      `<text x="${10 + IMG + 15}" y="${58 + IMG / 2}">${esc(`no simulated pattern: ${v.nearest.reason}`)}</text>`,
    );
  }
  const y = 58 + IMG + 20;
  const sim = v.nearest.found ? v.nearest.simulation : undefined;
  out.push(curvePanel(10, y, 'thickness', 'Å', p.thickness, sim?.thickness));
  out.push(curvePanel(10 + PANEL_W + 20, y, 'mistilt', 'mrad', p.mistilt, sim?.mistilt));
  out.push('</svg>');
  return { png: svgToPng(out.join('')), ...(registration ? { registration } : {}) };
}

/** The thickness CNN's input for a prediction, made again as `predictWithModels` made it. */
export function cnnInput(
  models: Partial<Record<'thickness' | 'mistilt' | 'scale', LoadedModel>>,
  pattern: Img,
  scale: number,
): { image: Float32Array; side: number } {
  const th = models.thickness!;
  const size = Math.max(...Object.values(models).map((m) => m.info.size));
  const prep = preparePattern(pattern, size);
  return { image: rescaleResize(prep.a, scale, th.info.size), side: th.info.size };
}

/**
 * The validation figure of one prediction: the CNN input, the simulated pattern
 * (`nearestSimulated`: the training table's, else simulated on the fly) and the curves.
 * `requireSimulation`: no simulated pattern at hand is a NotFoundError naming why.
 * `o.recipeFile`: a recipe JSON or a PACBED dataset YAML (`loadRecipe`) to simulate with.
 */
export async function predictionValidation(
  models: Partial<Record<'thickness' | 'mistilt' | 'scale', LoadedModel>>,
  pattern: Img,
  prediction: PacbedPrediction,
  convAngle: number,
  title: string,
  requireSimulation = false,
  o: NearestOptions & { recipeFile?: string } = {},
): Promise<ValidationFigure & { nearest: NearestResult }> {
  const { recipeFile, ...rest } = o;
  const opts = recipeFile !== undefined ? { ...rest, recipe: await loadRecipe(recipeFile) } : rest;
  const { image, side } = cnnInput(models, pattern, prediction.scale);
  const nearest = await nearestSimulated(models.thickness!, prediction, convAngle, side, opts);
  if (!nearest.found && requireSimulation) {
    throw new NotFoundError(
      `no simulated pattern for the validation figure: ${nearest.reason} (give the dataset's simulation recipe, <table>.recipe.json, or its YAML config)`,
      { what: 'simulation recipe', resource: 'validation' },
    );
  }
  return { ...validationFigure({ image, side, prediction, nearest, title }), nearest };
}
