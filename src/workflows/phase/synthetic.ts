/**
 * Synthetic "measured" phase maps with known phase regions, for the demo and the tests: a
 * seeded Voronoi partition of the (ny, nx) grid into regions, each region one phase, and at
 * each pixel a profile simulated by the sweep pipeline (`simulatePatterns`) with the map's own
 * seed, augmentations and q-axis (so they can differ from the training data's).
 */
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../../core/errors.js';
import { createRng, deriveSeed } from '../../core/rng.js';
import { crystalFromCif } from '../../crystal/structure.js';
import { prepareReflections } from '../../simulate/kinematic/reflections.js';
import { radialGeometry, simulatePatterns } from './dataset/profiles.js';
import { sweepSchema, type SweepInput } from './dataset/sweep-schema.js';

export interface SyntheticMapOptions {
  phases: readonly { name: string; cif: string; latticeScale?: [number, number] }[];
  ny: number;
  nx: number;
  seed: number;
  /** Regions per phase in the Voronoi partition (default 2). */
  regionsPerPhase?: number;
  /** Sweep settings of the map (augmentation, calibration, detector, postprocessing.qAxis). */
  sweep?: Omit<SweepInput, 'seeds' | 'phases' | 'orientations'>;
}

export interface SyntheticMap {
  /** q-axis [Å⁻¹] of the profiles. */
  q: Float64Array;
  /** (ny·nx·nq) profiles, min-max normalised per pixel. */
  y: Float32Array;
  /** Known phase index per pixel (ny·nx). */
  labels: Int32Array;
  ny: number;
  nx: number;
  nq: number;
}

/** Seeded Voronoi regions; region r belongs to phase r mod nPhases (every phase present). */
export function regionLabels(
  ny: number,
  nx: number,
  nPhases: number,
  seed: number,
  perPhase = 2,
): Int32Array {
  const rng = createRng(deriveSeed(seed, 'regions'));
  const k = nPhases * perPhase;
  const cy = Array.from({ length: k }, () => rng.uniform(0, ny));
  const cx = Array.from({ length: k }, () => rng.uniform(0, nx));
  const out = new Int32Array(ny * nx);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let best = 0;
      let bd = Infinity;
      for (let r = 0; r < k; r++) {
        const d = (y + 0.5 - cy[r]!) ** 2 + (x + 0.5 - cx[r]!) ** 2;
        if (d < bd) {
          bd = d;
          best = r;
        }
      }
      out[y * nx + x] = best % nPhases;
    }
  }
  return out;
}

export async function syntheticPhaseMap(o: SyntheticMapOptions): Promise<SyntheticMap> {
  if (!(
    Number.isInteger(o.ny) &&
    Number.isInteger(o.nx) &&
    o.ny >= 1 &&
    o.nx >= 1 &&
    o.ny * o.nx <= 1 << 20
  )) {
    throw new ValidationError(`map size must be 1…2^20 pixels, got ${o.ny} × ${o.nx}`, 'map');
  }
  const sweep = sweepSchema.parse({
    ...o.sweep,
    seeds: [o.seed],
    phases: o.phases.map((p) => ({ name: p.name, cif: p.cif })),
    orientations: { count: 1 },
  });
  const labels = regionLabels(o.ny, o.nx, o.phases.length, o.seed, o.regionsPerPhase);
  const geometry = radialGeometry(sweep.detector.size, sweep.calibration.value);
  const nq = sweep.postprocessing.qAxis.points;
  const y = new Float32Array(o.ny * o.nx * nq);
  let q = new Float64Array(0);
  const jitter = 1 + sweep.calibration.jitterPercent / 100;
  for (const [c, phase] of o.phases.entries()) {
    const pixels: number[] = [];
    labels.forEach((l, i) => {
      if (l === c) pixels.push(i);
    });
    const crystal = crystalFromCif(await readFile(phase.cif, 'utf8'), { file: phase.cif });
    // reflections out to the end of the map's q-axis (with margin for jitter, scale and spot width)
    const scaleMin = phase.latticeScale?.[0] ?? 1;
    const gMax = Math.min(20, ((sweep.postprocessing.qAxis.stop * jitter) / scaleMin) * 1.15);
    const table = prepareReflections(crystal, {
      gMax,
      params: sweep.scattering,
      debyeWaller: sweep.debyeWaller,
    });
    if (pixels.length === 0) continue;
    const r = simulatePatterns(
      sweep,
      { table, latticeScale: phase.latticeScale, grid: undefined },
      c,
      pixels.length,
      deriveSeed(o.seed, 'map', c),
      geometry,
    );
    q = Float64Array.from(r.qAxis);
    pixels.forEach((p, j) => y.set(r.xQ.subarray(j * nq, (j + 1) * nq), p * nq));
  }
  if (q.length === 0) {
    const { start, stop } = sweep.postprocessing.qAxis;
    q = Float64Array.from({ length: nq }, (_, i) => start + ((stop - start) * i) / (nq - 1));
  }
  return { q, y, labels, ny: o.ny, nx: o.nx, nq };
}
