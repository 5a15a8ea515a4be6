/**
 * What the PACBED routes share: the models root they read (the server's `--models`, or its
 * `pacbed/` folder when the register lives there), the checks of a request's key and
 * convergence angle with the request's own field names, and one prediction with its figure
 * (through the server's bounded queue, models from the server's model cache). A case the
 * validation figure simulates on the fly (no training table at hand) is kept in a small LRU
 * cache, so repeated requests do not simulate it again.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { initBackend } from '../../ml/backend/select.js';
import type { RouteContext } from '../route.js';
import type { PacbedTarget } from './labels.js';
import type { Pattern } from './pattern-io.js';
import { modelCacheOf, type ModelLease } from '../../ml/store/model-cache.js';
import {
  loadPacbedModels,
  predictWithModels,
  type LoadedModel,
  type PacbedPrediction,
} from './predict.js';
import { preparePattern, rescaleResize } from './preprocess.js';
import {
  DEFAULT_MODELS_ROOT,
  describeKey,
  REGISTER_CSV,
  REGISTER_JSON,
  type Zone,
} from './register.js';
import { resultFigurePng } from './result-figure.js';
import type { Recipe, SimulationCase } from './recipe.js';
import { simulateCase } from './recipe.js';
import { nearestSimulated, validationFigure, type CaseSimulator } from './validation-figure.js';

/**
 * A small LRU cache of promises: concurrent calls for one key share one promise; a promise
 * that rejects is dropped (the next call tries again); beyond `capacity` keys the least
 * recently used goes.
 */
export class PromiseLru<T> {
  private readonly entries = new Map<string, Promise<T>>();
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, make: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const p = make();
    this.entries.set(key, p);
    p.catch(() => {
      if (this.entries.get(key) === p) this.entries.delete(key);
    });
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return p;
  }
}

/** Cases simulated on the fly by the server's validation figures. */
export const SIMULATED_CASES = new PromiseLru<{ image: Float32Array; thickness: number }>(16);

/**
 * A case simulator through `cache`, keyed by model id, thickness, mistilt, convergence angle
 * and side (the model fixes the recipe; the azimuth is always 0).
 */
export function cachedSimulator(
  modelId: string,
  cache = SIMULATED_CASES,
  simulate: CaseSimulator = (r, c, side) => simulateCase(r, c, side),
): CaseSimulator {
  return (recipe: Recipe, c: SimulationCase, side: number) =>
    cache.get(JSON.stringify([modelId, c.thickness, c.mistilt, c.convAngle, c.azimuth, side]), () =>
      simulate(recipe, c, side),
    );
}

/**
 * The PACBED models root under the server's models root: the root itself when it holds a
 * register, else its `pacbed/` folder (the CLI's default `models/pacbed` under `models/`).
 */
export function pacbedModelsRoot(modelsRoot: string): string {
  const has = (d: string) =>
    existsSync(join(d, REGISTER_JSON)) || existsSync(join(d, REGISTER_CSV));
  if (has(modelsRoot)) return modelsRoot;
  const sub = join(modelsRoot, DEFAULT_MODELS_ROOT.split('/').pop()!);
  return has(sub) ? sub : modelsRoot;
}

export interface PacbedQuery {
  material: string;
  /** High tension [kV]. */
  kv: number;
  zone: Zone;
  /** Convergence semi-angle [mrad]. */
  convAngle: number;
}

/** The request's names of the query's fields (for errors). */
export interface QueryFields {
  key: string;
  convAngle: string;
}

export interface ServedPrediction {
  prediction: PacbedPrediction;
  /** The result figure (PNG). */
  figure: Uint8Array;
  /** Where the models came from: `<material>, <kV> kV, [u v w]`. */
  key: string;
  timings: { readMs: number; loadMs: number };
}

function checkAngle(
  models: Partial<Record<PacbedTarget, LoadedModel>>,
  c: number,
  field: string,
): void {
  for (const m of Object.values(models)) {
    const [lo, hi] = m.info.convRange;
    const tol = 1e-9 * Math.max(1, hi);
    if (!(c >= lo - tol && c <= hi + tol)) {
      throw new ValidationError(
        `${c} mrad is outside the range of the registered ${m.info.target} model, ${lo}…${hi} mrad`,
        field,
      );
    }
  }
}

/**
 * Reads the pattern (`read`, inside the queue), loads the key's models, predicts and draws the
 * figure. A key nobody registered is a NotFoundError (`asValidation`: a ValidationError of
 * `fields.key`, as the seed's interface takes the key as parameters).
 */
export function servePrediction(
  ctx: RouteContext,
  q: PacbedQuery,
  read: () => Promise<Pattern>,
  fields: QueryFields,
  asValidation = false,
): Promise<ServedPrediction> {
  return ctx.heavy(async () => {
    const t0 = performance.now();
    const pattern = await read();
    const readMs = performance.now() - t0;
    await initBackend(ctx.command.backendConfig());
    const t1 = performance.now();
    const root = pacbedModelsRoot(ctx.modelsRoot);
    let models: Partial<Record<PacbedTarget, LoadedModel>>;
    // through the server's model cache: loaded once (again when a bundle changes), held by
    // this request until it is done
    const leases: ModelLease[] = [];
    const release = () => {
      for (const l of leases.splice(0)) l.release();
    };
    const cache = modelCacheOf(ctx);
    try {
      models = await loadPacbedModels(root, q.material, q.kv, q.zone, async (dir) => {
        const lease = await cache.acquire(dir);
        leases.push(lease);
        return lease.bundle;
      });
    } catch (err) {
      release();
      if (!(err instanceof NotFoundError)) throw err;
      // the server's folders stay out of answers
      const msg = err.message.split(resolve(root)).join("the server's models root");
      if (asValidation) throw new ValidationError(msg, fields.key, { cause: err });
      throw new NotFoundError(msg, { what: 'model', resource: describeKey(q) });
    }
    const loadMs = performance.now() - t1;
    try {
      checkAngle(models, q.convAngle, fields.convAngle);
      const prediction = predictWithModels(models, pattern, q.convAngle);
      // the thickness CNN's input, made again as predictWithModels made it
      const th = models.thickness!;
      const size = Math.max(...Object.values(models).map((m) => m.info.size));
      const prep = preparePattern(pattern, size);
      const image = rescaleResize(prep.a, prediction.scale, th.info.size);
      const key = describeKey(q);
      const title = `${pattern.source}: ${key}, ${q.convAngle} mrad`;
      // the seed's validation figure when the training table is at hand or the model's recipe
      // simulates the case (cached), else the result figure
      // (a recipe that does not load or a simulation that fails gives the result figure too:
      // the prediction stands without its figure's simulation)
      const nearest = await nearestSimulated(th, prediction, q.convAngle, th.info.size, {
        simulate: cachedSimulator(th.bundle.meta.id),
      }).catch((err: unknown) => ({
        found: false as const,
        reason: `simulating the case failed: ${err instanceof Error ? err.message : String(err)}`,
      }));
      const figure = nearest.found
        ? validationFigure({ image, side: th.info.size, prediction, nearest, title }).png
        : resultFigurePng({ image, side: th.info.size, prediction, title });
      return { prediction, figure, key, timings: { readMs, loadMs } };
    } finally {
      release();
    }
  });
}
