/**
 * The `pacbed-shard` job type: one (convergence angle, mistilt, azimuth) of a PACBED dataset.
 * It simulates the whole thickness series in one multislice (or PRISM) pass, resizes each
 * pattern, publishes each image atomically (temporary name, then link/rename; images already
 * there are kept), and finally publishes the shard's table rows — whose presence marks the
 * shard done, so a rerun skips it. The payload carries the CIF text: workers need no files
 * but the shared output directory. Same payload → same bytes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ndarray } from '../../../core/ndarray.js';
import { crystalFromCif } from '../../../crystal/structure.js';
import { encodeTiff } from '../../../formats/image/tiff-write.js';
import { writeNpy } from '../../../formats/npy/npy.js';
import { formatCsv } from '../../../formats/table/csv.js';
import { publishAtomically, sha256File } from '../../../jobs/output.js';
import type { JobType, ShardResult } from '../../../jobs/types.js';
import { simulatePacbed } from '../../../simulate/multislice/simulate.js';
import { resize2d } from './resize.js';

/** The table columns of the PACBED workflow (DESIGN.md), in order. */
export const TABLE_COLUMNS = [
  'Path',
  'Thickness',
  'Mistilt',
  'Conv_Angle',
  'Electron_Energy',
  'Azimuth',
  'Direction',
  'Material',
] as const;

const finite = z.number().finite();

/** A zone axis [u, v, w]. */
export const zoneSchema = z.tuple([z.number().int(), z.number().int(), z.number().int()]);

/** The multislice settings of a shard, resolved (`maxAngle` given). */
export const pacbedSimulationSchema = z
  .object({
    sampling: z.number().positive(),
    extent: z.number().positive().optional(),
    sliceThickness: z.number().positive(),
    scan: z.number().int().min(1).max(1000).optional(),
    phonons: z.number().int().nonnegative(),
    parametrization: z.enum(['lobato', 'kirkland', 'peng']),
    projection: z.enum(['infinite', 'finite']),
    maxAngle: z.number().positive(),
    prism: z.number().int().min(1).max(64).optional(),
  })
  .strict();

/** The image output of a shard: file format, side [px] and resize method. */
export const pacbedOutputSchema = z
  .object({
    format: z.enum(['npy', 'tiff']),
    size: z.number().int().min(8).max(4096),
    resize: z.enum(['area', 'bilinear']),
  })
  .strict();

export type PacbedSimulationSettings = z.output<typeof pacbedSimulationSchema>;
export type PacbedOutputSettings = z.output<typeof pacbedOutputSchema>;

const payload = z
  .object({
    outDir: z.string().min(1),
    cifText: z.string().min(1),
    cifName: z.string().min(1),
    material: z.string().min(1),
    zone: zoneSchema,
    kv: z.number().positive(),
    convergenceAngle: z.number().positive(),
    mistilt: z.number().nonnegative(),
    azimuth: finite,
    thicknesses: z.array(z.number().positive()).min(1),
    images: z.array(z.string().min(1)).min(1),
    tableFile: z.string().min(1),
    id: z.string().min(1),
    seed: z.number().int().nonnegative(),
    simulation: pacbedSimulationSchema,
    output: pacbedOutputSchema,
    /** Multislice worker threads inside this job (1 when shards run in parallel). */
    threads: z.number().int().min(1).max(64),
  })
  .strict()
  .refine((p) => p.images.length === p.thicknesses.length, {
    message: 'one image per thickness',
    path: ['images'],
  });

export type PacbedShardPayload = z.input<typeof payload>;

/** What one thickness series needs: the structure, the geometry and the settings of a shard. */
export interface PacbedSeriesRequest {
  cifText: string;
  cifName: string;
  zone: readonly [number, number, number];
  kv: number;
  convergenceAngle: number;
  mistilt: number;
  azimuth: number;
  thicknesses: readonly number[];
  seed: number;
  simulation: PacbedSimulationSettings;
  output: Pick<PacbedOutputSettings, 'size' | 'resize'>;
}

export interface PacbedSeries {
  /** One resized pattern (size², float32) per requested thickness. */
  images: Float32Array[];
  /** The thicknesses simulated [Å] (whole slices). */
  thicknesses: number[];
}

/**
 * One thickness series as a shard simulates it: one multislice (or PRISM) pass, each pattern
 * resized to the output side. The shard job and the validation figure's on-the-fly simulation
 * (`recipe.ts`) both call this, so a case simulated later is the pattern the shard wrote.
 */
export async function simulatePacbedSeries(
  p: PacbedSeriesRequest,
  threads: number,
): Promise<PacbedSeries> {
  const crystal = crystalFromCif(p.cifText, { file: p.cifName });
  const sim = p.simulation;
  const r = await simulatePacbed(
    crystal,
    {
      zone: p.zone,
      kv: p.kv,
      convergenceAngle: p.convergenceAngle,
      thicknesses: [...p.thicknesses],
      sampling: sim.sampling,
      ...(sim.extent !== undefined ? { extent: sim.extent } : {}),
      sliceThickness: sim.sliceThickness,
      ...(sim.scan !== undefined ? { scan: sim.scan } : {}),
      phonons: sim.phonons,
      parametrization: sim.parametrization,
      projection: sim.projection,
      maxAngle: sim.maxAngle,
      mistilt: p.mistilt,
      azimuth: p.azimuth,
      seed: p.seed,
      ...(sim.prism !== undefined ? { prism: sim.prism } : {}),
    },
    { threads },
  );
  const [, ny, nx] = r.shape;
  const { size, resize } = p.output;
  const images = p.thicknesses.map((_, o) =>
    resize2d(r.patterns.subarray(o * ny * nx, (o + 1) * ny * nx), ny, nx, size, size, resize),
  );
  return { images, thicknesses: r.thicknesses };
}

/** Image bytes: float32 `.npy` of the resized intensities, or a 16-bit TIFF (65535·I/max). */
export function encodeImage(img: Float32Array, size: number, format: 'npy' | 'tiff'): Uint8Array {
  if (format === 'npy') return writeNpy(ndarray('float32', [size, size], img));
  let max = 0;
  for (const v of img) if (v > max) max = v;
  const s = max > 0 ? 65535 / max : 0;
  const u = new Uint16Array(img.length);
  for (let i = 0; i < img.length; i++) u[i] = Math.round(Math.max(0, img[i]!) * s);
  return encodeTiff(ndarray('uint16', [size, size], u));
}

export const pacbedShardJob: JobType<z.output<typeof payload>, ShardResult> = {
  name: 'pacbed-shard',
  description: 'simulate one (convergence angle, mistilt, azimuth) PACBED thickness series',
  payload,
  async run(p, ctx) {
    const t0 = performance.now();
    const final = join(p.outDir, p.tableFile);
    const written = await publishAtomically(final, async (tmp) => {
      const r = await simulatePacbedSeries(p, p.threads);
      if (ctx.signal?.aborted) throw new Error('aborted');
      const { size, format } = p.output;
      for (let o = 0; o < p.thicknesses.length; o++) {
        await publishAtomically(join(p.outDir, p.images[o]!), (t) =>
          writeFile(t, encodeImage(r.images[o]!, size, format)),
        );
      }
      const n = p.thicknesses.length;
      const dir = `(${p.zone.join(', ')})`;
      const table = formatCsv(
        {
          columns: [
            { name: 'Path', type: 'string', values: p.images },
            {
              name: 'Thickness',
              type: 'number',
              values: Float64Array.from(r.thicknesses, (t) => +t.toFixed(3)),
            },
            { name: 'Mistilt', type: 'number', values: new Float64Array(n).fill(p.mistilt) },
            {
              name: 'Conv_Angle',
              type: 'number',
              values: new Float64Array(n).fill(p.convergenceAngle),
            },
            {
              name: 'Electron_Energy',
              type: 'number',
              values: new Float64Array(n).fill(p.kv * 1000),
            },
            { name: 'Azimuth', type: 'number', values: new Float64Array(n).fill(p.azimuth) },
            { name: 'Direction', type: 'string', values: Array<string>(n).fill(dir) },
            { name: 'Material', type: 'string', values: Array<string>(n).fill(p.material) },
          ],
          rowCount: n,
          delimiter: ';',
        },
        ';',
      );
      await writeFile(tmp, table);
    });
    return {
      shardId: p.id,
      file: p.tableFile,
      count: p.thicknesses.length,
      sha256: await sha256File(final),
      written,
      ms: performance.now() - t0,
      worker: ctx.worker,
    };
  },
};
