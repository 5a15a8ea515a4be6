/**
 * The `bragg simulate pacbed-dataset` config: one material along one zone axis, the grid of
 * thicknesses × mistilts × azimuths × convergence angles to simulate, the multislice settings
 * and the image output. Defaults follow the seed's simulation notebook where it makes sense
 * (STUDY.md §1.4: detector to 1.5× the largest convergence angle; the azimuth loop skipped
 * at zero mistilt). Keys are camelCase; units in the comments.
 */
import { z } from 'zod';

/** At most this many images per dataset (a typo in a step should not mean 10⁹ files). */
export const MAX_IMAGES = 1_000_000;

/** A list of values, or an inclusive range {start, stop, step}. */
const series = (what: string) =>
  z.union([
    z.array(z.number().finite()).min(1),
    z
      .object({
        start: z.number().finite(),
        stop: z.number().finite(),
        step: z.number().positive(),
      })
      .strict()
      .refine((r) => r.stop >= r.start, { message: `${what}: stop must be ≥ start` })
      .refine((r) => (r.stop - r.start) / r.step <= MAX_IMAGES, {
        message: `${what}: more than ${MAX_IMAGES} values`,
      }),
  ]);

export const pacbedDatasetSchema = z
  .object({
    /** Dataset name (informational). */
    name: z.string().min(1).default('pacbed'),
    /** `Material` column of the table (default: the CIF's file name without extension). */
    material: z.string().min(1).optional(),
    /** CIF path, relative to the config file. */
    cif: z.string().min(1),
    /** Zone axis [uvw] along the beam. */
    zone: z.tuple([z.number().int(), z.number().int(), z.number().int()]).default([0, 0, 1]),
    /** Accelerating voltage [kV]. */
    kv: z.number().positive(),
    /** Specimen thicknesses [Å] (all from one multislice pass per shard). */
    thicknesses: series('thicknesses'),
    /** Mistilt magnitudes [mrad]. */
    mistilts: series('mistilts').default([0]),
    /** Mistilt azimuths [degrees from +x toward +y]; only 0 is used at zero mistilt. */
    azimuths: series('azimuths').default([0]),
    /** Convergence semi-angles [mrad]. */
    convergenceAngles: series('convergenceAngles'),
    /** Seed of the frozen phonons (each shard derives its own). */
    seed: z.number().int().nonnegative().max(0xffffffff).default(0),
    simulation: z
      .object({
        /** Real-space sampling [Å] (rounded finer to a fast FFT size). */
        sampling: z.number().positive().default(0.05),
        /** Lateral extent [Å] (whole cells). */
        extent: z.number().positive().optional(),
        /** Slice thickness [Å]. */
        sliceThickness: z.number().positive().default(1.48),
        /** Probe positions per cell edge (default: the Nyquist step). */
        scan: z.number().int().min(1).max(1000).optional(),
        /** Frozen-phonon configurations (0: static lattice). */
        phonons: z.number().int().nonnegative().max(1000).default(0),
        parametrization: z.enum(['lobato', 'kirkland', 'peng']).default('lobato'),
        projection: z.enum(['infinite', 'finite']).default('infinite'),
        /** Half-width of the pattern [mrad] (default 1.5 × the largest convergence angle). */
        maxAngle: z.number().positive().optional(),
        /** PRISM interpolation factor (absent: plain multislice). */
        prism: z.number().int().min(1).max(64).optional(),
      })
      .strict()
      .default({}),
    output: z
      .object({
        /** Output directory, relative to the config file. */
        dir: z.string().min(1),
        /** `npy`: float32 intensities; `tiff`: 16-bit, 65535·I/max per image. */
        format: z.enum(['npy', 'tiff']).default('tiff'),
        /** Image side [px] after resizing. */
        size: z.number().int().min(8).max(4096).default(200),
        /** Resize method: `area` (mean over overlapping pixel areas) or `bilinear`. */
        resize: z.enum(['area', 'bilinear']).default('area'),
        /** Table file name (`;`-separated), in the output directory. */
        table: z.string().min(1).default('df.csv'),
      })
      .strict(),
  })
  .strict();

export type PacbedDatasetInput = z.input<typeof pacbedDatasetSchema>;
export type PacbedDataset = z.output<typeof pacbedDatasetSchema>;
export type Series = PacbedDataset['thicknesses'];

/** The values of a series (ranges inclusive of `stop`, to 1e-9 of a step). */
export function seriesValues(s: Series): number[] {
  if (Array.isArray(s)) return [...s];
  const n = Math.floor((s.stop - s.start) / s.step + 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => +(s.start + i * s.step).toPrecision(12));
}
