/**
 * The `simulate-shard` job type: one shard of a sweep (one seed × class × orientation block)
 * simulated and written as one file in the phase-dataset contract (DESIGN.md): `1d/x_all`,
 * `1d/y_all`, `1d/x_all_q_axis`, `1d/x_px`, `1d/y_px`, `1d/x_px_q_axis`, `1d/x_q`, `1d/y_q`,
 * `1d/x_q_axis`, `metadata/phases`, `metadata/id`, `metadata/timestamp`, `metadata/summary`,
 * `metadata/metadata_json`. The payload carries the phase's CIF text, so workers need no
 * files but the shared output directory. Pure in the payload: same payload → same bytes. The
 * payload holds no time: `metadata/timestamp` is kept for the seed's layout but empty (the
 * run's creation time is `createdAt` in manifest.json), and HDF5 object times are fixed by
 * the HDF5 worker, so two runs of the same sweep write identical files.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { NDArray } from '../../../core/ndarray.js';
import { ndarray } from '../../../core/ndarray.js';
import { crystalFromCif } from '../../../crystal/structure.js';
import { writeNpz } from '../../../formats/npy/npz.js';
import { publishAtomically, sha256File } from '../../../jobs/output.js';
import type { JobType, ShardResult } from '../../../jobs/types.js';
import type { ReflectionTable } from '../../../simulate/kinematic/reflections.js';
import { crystalSymmetry } from '../../../simulate/kinematic/crystal.js';
import { prepareReflections } from '../../../simulate/kinematic/reflections.js';
import { fundamentalZoneGrid } from '../../../simulate/orientation/sampling.js';
import type { RadialGeometry } from './profiles.js';
import { radialGeometry, simulatePatterns } from './profiles.js';
import { writeShardHdf5 } from './shard-hdf5.js';
import { reflectionGMax } from './sweep-range.js';
import { sweepSchema } from './sweep-schema.js';
import type { Sweep } from './sweep-schema.js';

const payload = z
  .object({
    datasetId: z.string().min(1),
    outDir: z.string().min(1),
    classes: z.array(z.string()).min(1),
    sweep: sweepSchema,
    /** The shard's phase (absent: the all-background class). */
    phase: z
      .object({
        name: z.string(),
        /** The CIF's file name (for error messages). */
        cifFile: z.string().min(1).optional(),
        cifText: z.string(),
        cifSha256: z.string(),
      })
      .nullable(),
    shard: z.object({
      id: z.string().min(1),
      classIndex: z.number().int().nonnegative(),
      seed: z.number().int().nonnegative(),
      block: z.number().int().nonnegative(),
      start: z.number().int().nonnegative(),
      count: z.number().int().positive().max(1_000_000),
      shardSeed: z.number().int().nonnegative(),
      file: z.string().min(1),
      latticeScale: z.tuple([z.number(), z.number()]).nullable(),
    }),
  })
  .strict();

export type SimulateShardPayload = z.input<typeof payload>;

/** Per-thread caches: the reflection table of a CIF and the detector geometry are reused. */
const tables = new Map<string, { table: ReflectionTable; grid: Float64Array | undefined }>();
const geometries = new Map<string, RadialGeometry>();

function phaseSource(
  sweep: Sweep,
  phase: {
    name: string;
    cifFile?: string | undefined;
    cifText: string;
    cifSha256: string;
    latticeScale: [number, number] | null;
  },
) {
  const key = `${phase.cifSha256}:${String(phase.latticeScale)}:${sweep.calibration.jitterPercent}:${sweep.scattering}:${sweep.debyeWaller}:${sweep.detector.size}:${sweep.calibration.value}:${sweep.orientations.sampling}:${sweep.orientations.gridStepDeg}`;
  let hit = tables.get(key);
  if (!hit) {
    const crystal = crystalFromCif(phase.cifText, { file: phase.cifFile ?? `${phase.name}.cif` });
    // Reflections out to the detector corner (checked against the tables' range at load).
    const table = prepareReflections(crystal, {
      gMax: reflectionGMax(sweep, phase.latticeScale),
      params: sweep.scattering,
      debyeWaller: sweep.debyeWaller,
    });
    const grid =
      sweep.orientations.sampling === 'grid'
        ? fundamentalZoneGrid(
            crystalSymmetry(crystal).properRotations,
            sweep.orientations.gridStepDeg,
          ).quaternions
        : undefined;
    hit = { table, grid };
    if (tables.size > 16) tables.clear();
    tables.set(key, hit);
  }
  return hit;
}

function summary(sweep: Sweep): string {
  const cal = String(sweep.calibration.value).replace('.', 'p');
  return `1D_simulated_data_cal${cal}mod${sweep.calibration.jitterPercent}percent_${sweep.orientations.sampling}_${sweep.name}`;
}

function f32(shape: number[], data: Float32Array): NDArray {
  return ndarray('float32', shape, data);
}

export const simulateShardJob: JobType<z.output<typeof payload>, ShardResult> = {
  name: 'simulate-shard',
  description: 'simulate one shard of a sweep and write it in the phase-dataset contract',
  payload,
  async run(p, ctx) {
    const t0 = performance.now();
    const final = join(p.outDir, p.shard.file);
    const written = await publishAtomically(final, async (tmp) => {
      const { sweep, shard } = p;
      const gKey = `${sweep.detector.size}:${sweep.calibration.value}`;
      let geometry = geometries.get(gKey);
      if (!geometry) {
        geometry = radialGeometry(sweep.detector.size, sweep.calibration.value);
        if (geometries.size > 8) geometries.clear();
        geometries.set(gKey, geometry);
      }
      const src = p.phase
        ? {
            ...phaseSource(sweep, { ...p.phase, latticeScale: shard.latticeScale }),
            latticeScale: shard.latticeScale ?? undefined,
          }
        : { table: undefined, grid: undefined, latticeScale: undefined };
      if (ctx.signal?.aborted) throw new Error('aborted');
      const a = simulatePatterns(
        sweep,
        src,
        shard.classIndex,
        shard.count,
        shard.shardSeed,
        geometry,
      );
      const n = shard.count;
      const meta = {
        datasetId: p.datasetId,
        shard,
        classes: p.classes,
        sweep,
        generator: 'bragg simulate dataset',
      };
      const arrays: Record<string, NDArray> = {
        '1d/x_all': f32([n, a.bins], a.xAll),
        '1d/y_all': f32([n], a.y),
        '1d/x_all_q_axis': ndarray('float64', [a.bins], a.qAll),
        '1d/x_px': f32([n, a.cropWidth], a.xPx),
        '1d/y_px': f32([n], a.y),
        '1d/x_px_q_axis': ndarray('float64', [a.cropWidth], a.qPx),
        '1d/x_q': f32([n, a.qPoints], a.xQ),
        '1d/y_q': f32([n], a.y),
        '1d/x_q_axis': ndarray('float64', [a.qPoints], a.qAxis),
        'metadata/phases': ndarray('string', [p.classes.length], [...p.classes]),
        'metadata/id': ndarray('string', [], [`sim-${p.datasetId}`]),
        // no time in a shard: its bytes are a function of the config (the time is in the manifest)
        'metadata/timestamp': ndarray('string', [], ['']),
        'metadata/summary': ndarray('string', [], [summary(sweep)]),
        'metadata/metadata_json': ndarray('string', [], [JSON.stringify(meta)]),
      };
      if (sweep.output.format === 'hdf5') await writeShardHdf5(tmp, arrays);
      else await writeFile(tmp, writeNpz(arrays));
    });
    return {
      shardId: p.shard.id,
      file: p.shard.file,
      count: p.shard.count,
      sha256: await sha256File(final),
      written,
      ms: performance.now() - t0,
      worker: ctx.worker,
    };
  },
};
