/**
 * The simulation recipe of a PACBED dataset: everything needed to simulate one more pattern
 * as `bragg simulate pacbed-dataset` simulated the dataset's — the structure (CIF text), zone
 * axis, high tension, the resolved multislice settings, the image output and the seed.
 * `bragg simulate pacbed-dataset` writes it beside the training table as
 * `<table>.recipe.json` (`df.csv.recipe.json`) on every run; a trained model carries it in
 * `bragg.json` → `training.simulation`. With it the validation figure simulates the predicted
 * case on the fly (`simulateCase`) where the training table's images are not at hand.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { z } from 'zod';
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { atomicWrite } from '../../ml/train/checkpoint.js';
import {
  loadPacbedDataset,
  planPacbedShards,
  type ResolvedPacbedDataset,
} from './dataset/config.js';
import { resize2d } from './dataset/resize.js';
import { pacbedDatasetSchema, seriesValues } from './dataset/schema.js';
import {
  encodeImage,
  pacbedOutputSchema,
  pacbedSimulationSchema,
  simulatePacbedSeries,
  zoneSchema,
} from './dataset/shard-job.js';
import { readPattern } from './pattern-io.js';
import { preparePattern, rescaleResize } from './preprocess.js';

/** The recipe file of a training table: `<table>` + this (`df.csv.recipe.json`). */
export const RECIPE_SUFFIX = '.recipe.json';

export const recipeSchema = z
  .object({
    kind: z.literal('pacbed-recipe'),
    version: z.literal(1),
    /** The table's `Material`. */
    material: z.string().min(1),
    /** Where the CIF came from (messages only; the text is `cifText`). */
    cifName: z.string().min(1),
    cifText: z.string().min(1),
    zone: zoneSchema,
    /** High tension [kV]. */
    kv: z.number().positive(),
    /** The multislice settings, resolved (`maxAngle` as the dataset's shards had it). */
    simulation: pacbedSimulationSchema,
    /** The image files the dataset wrote: format, side [px], resize method. */
    output: pacbedOutputSchema,
    /** The dataset's seed (each shard derives its own from it). */
    seed: z.number().int().nonnegative().max(0xffffffff),
    /**
     * The dataset's thickness series [Å]. With frozen phonons a case is simulated over the
     * whole series, as its shard was (the displaced specimen depends on its depth); a static
     * lattice needs only the predicted thickness.
     */
    thicknesses: z.array(z.number().positive()).min(1).optional(),
  })
  .strict();

export type Recipe = z.output<typeof recipeSchema>;

/** One case to simulate: thickness [Å], mistilt [mrad], convergence angle [mrad], azimuth [°]. */
export interface SimulationCase {
  thickness: number;
  mistilt: number;
  convAngle: number;
  azimuth: number;
}

/** The recipe of a resolved dataset config (the detector as `runPacbedDataset` resolves it). */
export function recipeFromDataset(r: ResolvedPacbedDataset): Recipe {
  const c = r.config;
  const maxAngle = c.simulation.maxAngle ?? 1.5 * Math.max(...seriesValues(c.convergenceAngles));
  return {
    kind: 'pacbed-recipe',
    version: 1,
    material: r.material,
    cifName: r.cifPath,
    cifText: r.cifText,
    zone: c.zone,
    kv: c.kv,
    simulation: { ...c.simulation, maxAngle },
    output: { format: c.output.format, size: c.output.size, resize: c.output.resize },
    seed: c.seed,
    thicknesses: seriesValues(c.thicknesses),
  };
}

/** The recipe file beside a training table. */
export function recipePath(tablePath: string): string {
  return `${tablePath}${RECIPE_SUFFIX}`;
}

/** A recipe from parsed JSON (a file's or a bundle's); not one is a FormatError naming `file`. */
export function parseRecipe(value: unknown, file: string, path?: string): Recipe {
  const r = recipeSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = [...(path !== undefined ? [path] : []), ...issue.path.map(String)].join('.');
  throw new FormatError('PACBED recipe', 'not a PACBED simulation recipe', {
    file,
    path: at || '(root)',
    expected: issue.message,
  });
}

/** Writes the recipe atomically (checked first). */
export async function writeRecipe(path: string, recipe: Recipe): Promise<void> {
  const checked = parseRecipe(recipe, path);
  await atomicWrite(path, `${JSON.stringify(checked, null, 2)}\n`);
}

/** Reads a recipe file: absent → NotFoundError; not JSON or not a recipe → FormatError. */
export async function readRecipe(path: string): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NotFoundError(`cannot read recipe ${path}: ${(err as Error).message}`, {
      what: 'recipe',
      resource: path,
      cause: err,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FormatError('PACBED recipe', 'not JSON', { file: path, cause: err });
  }
  return parseRecipe(parsed, path);
}

/** The recipe beside a training table (`<table>.recipe.json`); undefined when there is none. */
export async function recipeForTable(tablePath: string): Promise<Recipe | undefined> {
  const file = recipePath(tablePath);
  return existsSync(file) ? readRecipe(file) : undefined;
}

/**
 * A recipe from a file: a recipe JSON, or a PACBED dataset config (`.yaml`/`.yml`, read with
 * `loadPacbedDataset`: its CIF must be at hand) whose recipe is derived.
 */
export async function loadRecipe(file: string): Promise<Recipe> {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return recipeFromDataset(await loadPacbedDataset(file));
  return readRecipe(file);
}

/** Default multislice threads of an on-the-fly simulation: a small pool. */
export function defaultSimulationThreads(): number {
  return Math.min(2, availableParallelism());
}

export interface SimulateCaseOptions {
  /** Multislice worker threads (default `defaultSimulationThreads()`). */
  threads?: number;
}

export interface SimulatedCase {
  /** The pattern as the dataset's shard would have written it, read back (output.size²). */
  image: Float32Array;
  size: number;
  /** The thickness simulated [Å] (whole slices; as the table's `Thickness` column). */
  thickness: number;
}

/**
 * The pattern the dataset's shard for (convergence angle, mistilt, azimuth) would have written
 * at `thickness`: the shard's seed and simulation (`simulatePacbedSeries`), the file encoding
 * (a TIFF's 16-bit steps) read back as a table image is read.
 */
export async function simulateCaseImage(
  recipe: Recipe,
  c: SimulationCase,
  o: SimulateCaseOptions = {},
): Promise<SimulatedCase> {
  for (const [k, v] of [
    ['thickness', c.thickness],
    ['convAngle', c.convAngle],
  ] as const) {
    if (!(v > 0 && Number.isFinite(v))) throw new ValidationError(`must be > 0, got ${v}`, k);
  }
  const phonons = recipe.simulation.phonons > 0;
  const thicknesses = phonons && recipe.thicknesses ? recipe.thicknesses : [c.thickness];
  // the shard the dataset would have had for this case: its id, seed and azimuth
  const config = pacbedDatasetSchema.parse({
    material: recipe.material,
    cif: recipe.cifName,
    zone: recipe.zone,
    kv: recipe.kv,
    thicknesses,
    mistilts: [c.mistilt],
    azimuths: [c.azimuth],
    convergenceAngles: [c.convAngle],
    seed: recipe.seed,
    simulation: recipe.simulation,
    output: { dir: '.', ...recipe.output },
  });
  const [shard] = planPacbedShards({
    config,
    material: recipe.material,
    cifPath: recipe.cifName,
    cifText: recipe.cifText,
    cifSha256: sha256Hex(recipe.cifText),
    outDir: '.',
    hash: '',
    datasetId: '',
  });
  const series = await simulatePacbedSeries(
    {
      cifText: recipe.cifText,
      cifName: recipe.cifName,
      zone: recipe.zone,
      kv: recipe.kv,
      convergenceAngle: shard!.convergenceAngle,
      mistilt: shard!.mistilt,
      azimuth: shard!.azimuth,
      thicknesses: shard!.thicknesses,
      seed: shard!.seed,
      simulation: recipe.simulation,
      output: recipe.output,
    },
    o.threads ?? defaultSimulationThreads(),
  );
  let k = 0;
  series.thicknesses.forEach((t, i) => {
    if (Math.abs(t - c.thickness) < Math.abs(series.thicknesses[k]! - c.thickness)) k = i;
  });
  const { size, format } = recipe.output;
  const bytes = encodeImage(series.images[k]!, size, format);
  const read = await readPattern({ bytes, name: `case.${format === 'tiff' ? 'tif' : 'npy'}` });
  return {
    image: Float32Array.from(read.data),
    size,
    thickness: +series.thicknesses[k]!.toFixed(3),
  };
}

/**
 * `simulateCaseImage` prepared as the validation figure prepares a training table's image
 * (`tableImage`: bilinear to side²; then `preparePattern` and `rescaleResize`): side², [-1, 1].
 */
export async function simulateCase(
  recipe: Recipe,
  c: SimulationCase,
  side: number,
  o: SimulateCaseOptions = {},
): Promise<{ image: Float32Array; thickness: number }> {
  const s = await simulateCaseImage(recipe, c, o);
  const raw = s.size === side ? s.image : resize2d(s.image, s.size, s.size, side, side, 'bilinear');
  const prep = preparePattern({ data: Float64Array.from(raw), ny: side, nx: side }, side);
  return { image: rescaleResize(prep.a, 1, side), thickness: s.thickness };
}
