/**
 * Simulation recipes (`recipe.ts`): `bragg simulate pacbed-dataset` writes one beside the table
 * on every run; written and read back whole; a corrupt one is a FormatError naming the file;
 * `simulateCase` makes exactly the image the dataset's shard wrote for that case (a TIFF's
 * 16-bit steps included), prepared as the validation figure prepares a table image;
 * `nearestSimulated` takes the table's image when it is here, else simulates on the fly from
 * the model's recipe or one given (a recipe file or the dataset YAML); the server's cache of
 * simulated cases shares one promise per case; `POST /api/pacbed/predict` on models whose
 * table is gone draws the validation figure from the bundle's recipe, simulating the case once.
 * (`bragg pacbed predict --validation [--recipe]`: test/e2e/pacbed-recipe.test.ts.)
 */
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inlineExecutor } from '../../../test/support/jobs/executors.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { tinyPacbedModels } from '../../../test/support/workflows/pacbed/tiny-models.js';
import { addRecipeToBundle, TINY_RECIPE_SIDE as SIDE, TINY_RECIPE_YAML as YAML } from '../../../test/support/workflows/pacbed/tiny-recipe.js'; // prettier-ignore
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { BundleMeta } from '../../ml/store/schema.js';
import { tableImage } from './data.js';
import { loadPacbedDataset, type ResolvedPacbedDataset } from './dataset/config.js';
import { runPacbedDataset, type PacbedDatasetRunResult } from './dataset/run.js';
import { readPattern } from './pattern-io.js';
import { summarise, type LoadedModel, type PacbedPrediction } from './predict.js';
import { preparePattern, rescaleResize } from './preprocess.js';
import {
  loadRecipe,
  readRecipe,
  recipeForTable,
  recipeFromDataset,
  recipePath,
  simulateCase,
  simulateCaseImage,
  writeRecipe,
  type Recipe,
} from './recipe.js';
import { pacbedRoutes } from './routes.js';
import { cachedSimulator, PromiseLru, SIMULATED_CASES } from './serve.js';
import { readTrainingTable, type TrainingTable } from './table.js';
import {
  nearestSimulated,
  predictionValidation,
  simulationLabel,
  type CaseSimulator,
} from './validation-figure.js';

/** A table image prepared as `nearestSimulated` prepares it. */
async function preparedTableImage(path: string): Promise<Float32Array> {
  const raw = await tableImage(path, SIDE);
  const prep = preparePattern({ data: Float64Array.from(raw), ny: SIDE, nx: SIDE }, SIDE);
  return rescaleResize(prep.a, 1, SIDE);
}

/** A thickness model as `nearestSimulated` reads it: only `bragg.json` matters. */
function modelWith(dir: string, training: Record<string, unknown>, kv = 80): LoadedModel {
  const meta = { id: 'model-1', training, pacbed: { kv, zone: [0, 0, 1] } };
  return {
    bundle: { dir, model: undefined as never, meta: meta as unknown as BundleMeta },
    info: { target: 'thickness', values: [6, 12], size: SIDE, convRange: [20, 20], packed: true },
  };
}

function prediction(thickness: number, mistilt: number): PacbedPrediction {
  const onehot = (values: number[], v: number) => values.map((x) => (x === v ? 1 : 0));
  const tv = [6, 12].map((t) => t);
  return {
    thickness: summarise(tv, onehot(tv, thickness)),
    mistilt: summarise([0, 3], onehot([0, 3], mistilt)),
    scale: 1,
    scaleSteps: [],
    scaleModel: false,
    centre: [SIDE / 2, SIDE / 2],
    crop: SIDE,
    timings: { preprocessMs: 0, scaleMs: 0, thicknessMs: 0, mistiltMs: 0, totalMs: 0 },
    models: {},
  };
}

describe('PACBED simulation recipes', () => {
  let dir: string;
  let cfg: string;
  let ds: ResolvedPacbedDataset;
  let run: PacbedDatasetRunResult;
  let table: TrainingTable;
  let recipe: Recipe;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bragg-recipe-'));
    cfg = join(dir, 'tiny.yaml');
    await writeFile(cfg, YAML);
    ds = await loadPacbedDataset(cfg);
    run = await runPacbedDataset({ dataset: ds, threads: 1, executor: inlineExecutor() });
    table = await readTrainingTable(run.tablePath);
    recipe = (await recipeForTable(run.tablePath))!;
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The table's row of (thickness index, mistilt, azimuth). */
  const row = (k: number, mistilt: number, azimuth: number): number => {
    const ts = [...new Set(table.thickness)].sort((a, b) => a - b);
    for (let r = 0; r < table.rows; r++) {
      if (
        table.thickness[r] === ts[k] &&
        table.mistilt[r] === mistilt &&
        table.azimuth![r] === azimuth
      ) {
        return r;
      }
    }
    throw new Error(`no row ${k} ${mistilt} ${azimuth}`);
  };

  it('is written beside the table by every dataset run, also one that skips every shard', async () => {
    expect(run.rows).toBe(6);
    expect(run.recipePath).toBe(`${run.tablePath}.recipe.json`);
    expect(recipePath(run.tablePath)).toBe(run.recipePath);
    expect(recipe).toEqual(recipeFromDataset(ds));
    expect(recipe).toMatchObject({
      kind: 'pacbed-recipe',
      material: 'Rutile',
      zone: [0, 0, 1],
      kv: 80,
      seed: 5,
      thicknesses: [6, 12],
      cifText: ds.cifText,
      // the detector as the shards had it: 1.5 × the largest convergence angle
      simulation: { sampling: 0.2, extent: 9.2, scan: 2, maxAngle: 30, phonons: 0 },
      output: { format: 'tiff', size: SIDE, resize: 'bilinear' },
    });
    await unlink(run.recipePath);
    const again = await runPacbedDataset({ dataset: ds, threads: 1, executor: inlineExecutor() });
    expect(again.result.skipped).toBe(3);
    expect(again.result.computedPatterns).toBe(0);
    expect(await readRecipe(again.recipePath)).toEqual(recipe);
  });

  it('round-trips through writeRecipe/readRecipe; absent is undefined, corrupt a FormatError', async () => {
    const file = join(dir, 'copy.recipe.json');
    await writeRecipe(file, recipe);
    expect(await readRecipe(file)).toEqual(recipe);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(recipe);
    expect(await recipeForTable(join(dir, 'none.csv'))).toBeUndefined();
    await expect(readRecipe(join(dir, 'none.json'))).rejects.toBeInstanceOf(NotFoundError);

    await writeFile(join(dir, 'bad.csv.recipe.json'), '{"kind": "pacbed-recipe",');
    const notJson = recipeForTable(join(dir, 'bad.csv'));
    await expect(notJson).rejects.toBeInstanceOf(FormatError);
    await expect(notJson).rejects.toThrow(join(dir, 'bad.csv.recipe.json'));

    await writeFile(join(dir, 'kv.csv.recipe.json'), JSON.stringify({ ...recipe, kv: -80 }));
    const badKv = recipeForTable(join(dir, 'kv.csv'));
    await expect(badKv).rejects.toBeInstanceOf(FormatError);
    await expect(badKv).rejects.toMatchObject({
      path: 'kv',
      file: join(dir, 'kv.csv.recipe.json'),
    });
    const { cifText: _, ...noCif } = recipe;
    await expect(writeRecipe(join(dir, 'x.json'), noCif as Recipe)).rejects.toBeInstanceOf(
      FormatError,
    );
  });

  it('simulates a case exactly as the dataset wrote it (thickness inside the series, mistilt, TIFF steps)', async () => {
    for (const [k, m] of [
      [0, 0],
      [1, 0],
      [0, 3],
      [1, 3],
    ] as const) {
      const r = row(k, m, 0);
      const c = { thickness: table.thickness[r]!, mistilt: m, convAngle: 20, azimuth: 0 };
      const s = await simulateCaseImage(recipe, c, { threads: 2 });
      expect(s.thickness).toBe(table.thickness[r]);
      const written = await readPattern(table.paths[r]!);
      expect(s.size).toBe(SIDE);
      expect(Array.from(s.image)).toEqual(Array.from(written.data));
      const prepared = await simulateCase(recipe, c, SIDE, { threads: 1 });
      expect(Array.from(prepared.image)).toEqual(Array.from(await preparedTableImage(table.paths[r]!))); // prettier-ignore
    }
    // the azimuth matters: the 45° shard's image is not the azimuth-0 simulation
    const r45 = row(1, 3, 45);
    const az0 = await simulateCaseImage(recipe, {
      thickness: table.thickness[r45]!,
      mistilt: 3,
      convAngle: 20,
      azimuth: 0,
    });
    expect(Array.from(az0.image)).not.toEqual(Array.from((await readPattern(table.paths[r45]!)).data)); // prettier-ignore
    await expect(
      simulateCaseImage(recipe, { thickness: 0, mistilt: 0, convAngle: 20, azimuth: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('nearestSimulated: the table image when here, else simulated on the fly, else both reasons', async () => {
    const p = prediction(12, 3);
    const fromTable = await nearestSimulated(
      modelWith(dir, { table: run.tablePath, simulation: recipe }),
      p,
      20,
      SIDE,
    );
    expect(fromTable.found && fromTable.simulation.source).toBe('table');
    expect(fromTable.found && fromTable.simulation.path).toBeDefined();

    const gone = join(dir, 'elsewhere', 'df.csv');
    const simulated = await nearestSimulated(
      modelWith(dir, { table: gone, simulation: recipe }),
      p,
      20,
      SIDE,
      { threads: 1 },
    );
    if (!simulated.found) throw new Error(simulated.reason);
    const s = simulated.simulation;
    expect(s.source).toBe('simulated');
    expect(s.path).toBeUndefined();
    expect([s.thickness, s.mistilt, s.convAngle]).toEqual([table.thickness[row(1, 3, 0)], 3, 20]);
    expect(Array.from(s.image)).toEqual(
      Array.from(await preparedTableImage(table.paths[row(1, 3, 0)]!)),
    );
    expect(simulationLabel(s)).toMatch(/^simulated on the fly, /);
    expect(fromTable.found && simulationLabel(fromTable.simulation)).toMatch(/^nearest simulated, /); // prettier-ignore

    // an old bundle (no recipe): nothing, unless a recipe (file or dataset YAML) is given
    const old = modelWith(dir, { table: gone });
    const none = await nearestSimulated(old, p, 20, SIDE);
    expect(none.found).toBe(false);
    if (!none.found) {
      expect(none.reason).toContain(`training table ${gone} is not here`);
      expect(none.reason).toContain('no simulation recipe');
    }
    const pattern = { data: Float64Array.from((await readPattern(table.paths[row(1, 3, 45)]!)).data), ny: SIDE, nx: SIDE }; // prettier-ignore
    await expect(
      predictionValidation({ thickness: old }, pattern, p, 20, 'old', true),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      predictionValidation({ thickness: old }, pattern, p, 20, 'old', true),
    ).rejects.toThrow(/no simulation recipe/);
    for (const file of [run.recipePath, cfg]) {
      expect(await loadRecipe(file)).toEqual(recipe);
      const v = await predictionValidation({ thickness: old }, pattern, p, 20, 'old', true, {
        recipeFile: file,
        threads: 1,
      });
      expect(v.nearest.found && v.nearest.simulation.source).toBe('simulated');
      expect(v.nearest.found && Array.from(v.nearest.simulation.image)).toEqual(Array.from(s.image)); // prettier-ignore
      expect(v.registration?.score).toBeGreaterThan(0.5);
    }
    // a recipe of another high tension is refused
    await expect(
      nearestSimulated(modelWith(dir, { table: gone, simulation: recipe }, 200), p, 20, SIDE),
    ).rejects.toBeInstanceOf(ValidationError);
    // a bundle whose recipe is damaged: a FormatError naming its bragg.json
    await expect(
      nearestSimulated(modelWith(dir, { table: gone, simulation: { kind: 'x' } }), p, 20, SIDE),
    ).rejects.toThrow(join(dir, 'bragg.json'));
  });
});

describe("the server's cache of simulated cases", () => {
  it('shares one promise per key, keeps the most recent, drops rejections', async () => {
    const lru = new PromiseLru<number>(2);
    const make = vi.fn(() => Promise.resolve(1));
    const a = lru.get('a', make);
    expect(lru.get('a', make)).toBe(a);
    expect(make).toHaveBeenCalledTimes(1);
    lru.get('b', make);
    lru.get('a', make); // a is now the most recent
    lru.get('c', make); // b goes
    expect(lru.size).toBe(2);
    expect(lru.get('a', make)).toBe(a);
    expect(make).toHaveBeenCalledTimes(3);
    lru.get('b', make);
    expect(make).toHaveBeenCalledTimes(4);

    const failing = lru.get('f', () => Promise.reject(new Error('no')));
    await expect(failing).rejects.toThrow('no');
    expect(lru.get('f', () => Promise.resolve(2))).not.toBe(failing);
  });

  it('simulates a case once for concurrent and repeated requests of one model', async () => {
    let resolve!: (v: { image: Float32Array; thickness: number }) => void;
    const sim = vi.fn<CaseSimulator>(
      () =>
        new Promise((r) => {
          resolve = r;
        }),
    );
    const cache = new PromiseLru<{ image: Float32Array; thickness: number }>(16);
    const c = { thickness: 12, mistilt: 3, convAngle: 20, azimuth: 0 };
    const r = {} as Recipe;
    const one = cachedSimulator('model-1', cache, sim);
    const p1 = one(r, c, SIDE);
    const p2 = cachedSimulator('model-1', cache, sim)(r, { ...c }, SIDE);
    expect(p2).toBe(p1);
    expect(sim).toHaveBeenCalledTimes(1);
    resolve({ image: new Float32Array(1), thickness: 12 });
    await p1;
    expect(one(r, c, SIDE)).toBe(p1);
    expect(sim).toHaveBeenCalledTimes(1);
    // another model, side or case is another simulation
    void cachedSimulator('model-2', cache, sim)(r, c, SIDE);
    void one(r, c, 2 * SIDE);
    void one(r, { ...c, mistilt: 0 }, SIDE);
    expect(sim).toHaveBeenCalledTimes(4);
  });
});

describe('POST /api/pacbed/predict without the training table', () => {
  let r: RouteApp;
  let upload: string;
  beforeAll(async () => {
    r = await routeApp([{ prefix: '/api/pacbed', register: pacbedRoutes.register }]);
    const cfg = join(r.ctx.dir, 'tiny.yaml');
    await writeFile(cfg, YAML);
    const run = await runPacbedDataset({
      dataset: await loadPacbedDataset(cfg),
      threads: 1,
      executor: inlineExecutor(),
    });
    const root = join(r.ctx.modelsRoot, 'pacbed');
    await tinyPacbedModels(join(r.ctx.dir, 'synthetic'), root);
    await rm(join(r.ctx.dir, 'synthetic'), { recursive: true });
    await addRecipeToBundle(root, (await recipeForTable(run.tablePath))!);
    const file = (await readTrainingTable(run.tablePath)).paths[3]!;
    upload = await r.ctx.addUpload('p.tif', await readFile(file));
  }, 180_000);
  afterAll(() => r.close());

  it("draws the validation figure from the model's recipe, simulating the case once", async () => {
    const body = { input: { root: 'uploads', path: upload }, material: 'Rutile', kv: 80, zone: [0, 0, 1], convAngle: 20 }; // prettier-ignore
    const before = SIMULATED_CASES.size;
    const widths: number[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await r.app.inject({ method: 'POST', url: '/api/pacbed/predict', payload: body });
      expect(res.statusCode, res.body).toBe(200);
      const png = Buffer.from(res.json<{ validation: string }>().validation, 'base64');
      widths.push(png.readUInt32BE(16));
      // the first request simulated (and cached) the case, the second found it
      expect(SIMULATED_CASES.size).toBe(before + 1);
    }
    // the validation figure (three images), not the result figure (one image and bars)
    expect(widths).toEqual([665, 665]);
  }, 120_000);
});
