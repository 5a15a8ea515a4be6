/**
 * The sweep schema: what a `sweep.yaml` may say, with the seed pipeline's values (diffsims XL
 * `param_space_yaml.yml`, see /work/shared/seeds/STUDY.md §4.2) as defaults. Keys are camelCase;
 * units are in the key names (KeV, Px, Percent, Deg) or in the comments.
 */
import { z } from 'zod';

/** The seed's 147-point q axis [Å⁻¹] (DESIGN.md, Phase datasets; STUDY.md §4.4). */
export const SEED147_Q_START = 0.10777668889613681;
export const SEED147_Q_STOP = 1.318191810345058;
export const SEED147_POINTS = 147;

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const nonEmptyList = (item: z.ZodNumber) => z.array(item).min(1);

const range = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo <= hi, { message: 'range must be [low, high] with low ≤ high' });

const phaseSchema = z
  .object({
    /** Class name written to `metadata/phases` (default: CIF file name without extension). */
    name: z.string().min(1).optional(),
    /** CIF path, relative to the sweep file. */
    cif: z.string().min(1),
    /** Lattice scaling factor drawn per pattern from U(low, high); none = 1. */
    latticeScale: range.optional(),
  })
  .strict();

export const sweepSchema = z
  .object({
    /** Short name of the dataset (goes into the summary string). */
    name: z.string().min(1).default('sweep'),
    /** Random seeds; each seed is an independent partition of the dataset (seed: 6 seeds). */
    seeds: z.array(z.number().int().nonnegative().max(0xffffffff)).min(1),
    phases: z.array(phaseSchema).min(1),
    /** Add an all-background class (patterns multiplied by 0, as in the seed). */
    backgroundClass: z.boolean().default(false),
    /** Accelerating voltage [kV]. */
    beamEnergyKeV: positive.default(200),
    /** Electron scattering-factor parametrization. */
    scattering: z.enum(['lobato', 'kirkland', 'peng']).default('lobato'),
    /**
     * How a 1D profile is made: `image` renders the detector image, adds the seed noise per
     * pixel and integrates it azimuthally (as the seed); `exact` (default) gives profiles
     * distributed exactly as `image`'s, drawing the noise without per-pixel passes
     * (exact-profile.ts; proven by exact-profile.test.ts); `rings` computes the ring means
     * from the spots directly with approximately the same statistics (fastest; not the same
     * distribution).
     */
    profileMethod: z.enum(['image', 'exact', 'rings']).default('exact'),
    /** Include the Debye–Waller factor from the CIF's Uiso/Biso. */
    debyeWaller: z.boolean().default(true),
    calibration: z
      .object({
        /** Detector calibration [Å⁻¹/px]. */
        value: positive.default(0.00588),
        /** Per-pattern jitter of the simulated calibration, ± percent (uniform). */
        jitterPercent: nonNegative.max(50).default(5),
      })
      .strict()
      .default({}),
    orientations: z
      .object({
        /** Patterns per phase per seed. */
        count: z.number().int().positive(),
        /** `random`: uniform random rotations; `grid`: draws (seeded) from a fundamental-zone grid. */
        sampling: z.enum(['random', 'grid']).default('random'),
        /** Angular step of the grid [degrees] (sampling: grid). */
        gridStepDeg: positive.max(90).default(3),
      })
      .strict(),
    augmentation: z
      .object({
        peakRemoval: z
          .object({
            enabled: z.boolean().default(true),
            /** Remove a random number k ∈ [0, brightest] of the `brightest` most intense spots. */
            brightest: z.number().int().nonnegative().default(20),
          })
          .strict()
          .default({}),
        noise: z
          .object({
            enabled: z.boolean().default(true),
            /** Signal-to-noise values; one drawn per pattern. */
            snrs: nonEmptyList(z.number().gt(0).lte(1)).default([0.9, 0.99, 0.999, 0.9999]),
            /** Spike ("pepper") intensities; one drawn per pattern (0: none). */
            spikes: nonEmptyList(nonNegative).default([0, 0, 0, 0, 0.1, 0.25, 0.5, 0.75]),
          })
          .strict()
          .default({}),
        background: z
          .object({
            enabled: z.boolean().default(true),
            /** Amplitudes A of A·exp(−τ q) added after min-max normalisation. */
            a: nonEmptyList(nonNegative).default([0, 0, 0, 0, 0.1, 1, 5, 10]),
            /** Decay constants τ [Å]. */
            tau: nonEmptyList(nonNegative).default([0.1, 0.5, 1.0, 1.5, 2.0, 2.5]),
          })
          .strict()
          .default({}),
        /**
         * Relrod widths [Å⁻¹] (Lorentzian HWHM of the excitation-error shape); one drawn per
         * pattern. (The seed's list [0.02 … 10] went to diffsims' third positional argument,
         * a precession angle in diffsims ≥ 0.4 — see STUDY.md §4.3.)
         */
        relrod: nonEmptyList(positive).default([0.005, 0.01, 0.02, 0.05]),
        /** Spot σ [px]; one drawn per pattern. */
        spotSigmaPx: nonEmptyList(positive).default([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
      })
      .strict()
      .default({}),
    detector: z
      .object({
        /** Square detector, pixels per side (seed: Medipix 515). */
        size: z.number().int().min(16).max(4096).default(515),
        /** Physical pixel size [m] (recorded in the metadata). */
        pixelSizeM: positive.default(55e-6),
      })
      .strict()
      .default({}),
    postprocessing: z
      .object({
        /** Pixel crop [start, stop) of the radial profile → `1d/x_px` (seed: 13..160). */
        cropPx: z
          .tuple([z.number().int().nonnegative(), z.number().int().positive()])
          .refine(([a, b]) => a < b, { message: 'cropPx must be [start, stop) with start < stop' })
          .default([13, 160]),
        /** q window [Å⁻¹] and points of `1d/x_q` (linear interpolation); default the seed's 147-point axis. */
        qAxis: z
          .object({
            start: nonNegative.default(SEED147_Q_START),
            stop: positive.default(SEED147_Q_STOP),
            points: z.number().int().min(2).max(100000).default(SEED147_POINTS),
          })
          .strict()
          .refine((q) => q.start < q.stop, { message: 'qAxis.start must be below qAxis.stop' })
          .default({}),
        /** Per-profile normalisation of the cropped profiles. */
        normalise: z.enum(['minmax', 'none']).default('minmax'),
        /** Take the square root of the radial profile first. */
        sqrt: z.boolean().default(false),
      })
      .strict()
      .default({}),
    /** Patterns per shard (seed: `simulation_orientations_chunk_size: 2500`). */
    chunkSize: z.number().int().positive().max(1_000_000).default(2500),
    output: z
      .object({
        /** Output directory, relative to the sweep file (`-o` overrides). */
        dir: z.string().min(1).optional(),
        /** `npz` (keys flattened with `/`) or `hdf5` (needs the HDF5 writer). */
        format: z.enum(['hdf5', 'npz']).default('npz'),
      })
      .strict()
      .default({}),
  })
  .strict();

export type SweepInput = z.input<typeof sweepSchema>;
export type Sweep = z.output<typeof sweepSchema>;
