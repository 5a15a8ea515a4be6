/**
 * From a crystal and user parameters to a checked simulation plan: oriented cell, lateral
 * tiling, grid, slices, thickness outputs, probe positions, and the transmission functions
 * of each (frozen-phonon) configuration.
 */
import { ValidationError } from '../../core/errors.js';
import { createRng, deriveSeed } from '../../core/rng.js';
import { electronWavelength, interactionParameter } from '../../crystal/wavelength.js';
import { atomicNumber, type Parametrization } from '../../crystal/scattering/index.js';
import { Grid, assertInterpolation, nextFastFftSize, validInterpolation } from './grid.js';
import { Fft2 } from './fft.js';
import { detectorGeometry, type DetectorGeometry, type EngineOptions } from './engine.js';
import { slicePotential, transmissionFunction, type Projection } from './potential.js';
import { probeNyquistStep, type ProbeOptions } from './probe.js';
import {
  orientCell,
  tileAtoms,
  type CrystalLike,
  type OrientedCell,
  type SpecimenAtoms,
} from './specimen.js';
import { antialiasMask } from './grid.js';

export interface MultisliceParams {
  /** Zone axis [uvw] along the beam. */
  zone: readonly [number, number, number];
  /** Accelerating voltage [kV]. */
  kv: number;
  /** Convergence semi-angle [mrad]. */
  convergenceAngle: number;
  /** Thicknesses [Å] at which to record patterns (each rounded to a whole number of slices). */
  thicknesses: readonly number[];
  /** Real-space sampling [Å/px] (rounded finer to a fast FFT size). Default 0.05. */
  sampling?: number;
  /** Lateral extent [Å]; rounded to whole orthogonal cells. Default: ≥ 25 Å. */
  extent?: number | readonly [number, number];
  /** Target slice thickness [Å]; the beam period is cut into equal slices no thicker. Default 2. */
  sliceThickness?: number;
  parametrization?: Parametrization;
  projection?: Projection;
  /** Mistilt magnitude [mrad] and its azimuth [degrees from +x toward +y]. */
  mistilt?: number;
  azimuth?: number;
  /** Frozen-phonon configurations (0 = static lattice). */
  phonons?: number;
  /** Per-element displacement σ [Å] per direction, overriding √Uiso from the CIF. */
  phononSigma?: Readonly<Record<string, number>>;
  seed?: number;
  /** Probe positions per cell edge for PACBED (default: Nyquist step λ/4α over one cell). */
  scan?: number;
  /** Half-width of the recorded pattern [mrad] (default: the band limit). */
  maxAngle?: number;
  /** Probe aberrations. */
  defocus?: number;
  c3?: number;
  c5?: number;
  /**
   * Run one probe position per orbit of the specimen's symmetry (symmetry.ts; the same
   * pattern to rounding). Default true; false runs every position.
   */
  symmetry?: boolean;
  /**
   * PRISM interpolation factor f (PACBED only; undefined = plain multislice). The grid is
   * rounded up, where needed, so that its sides divide into fast FFT windows of n/f.
   */
  prism?: number;
}

export interface Plan {
  grid: Grid;
  cell: OrientedCell;
  reps: [number, number];
  wavelength: number;
  sigma: number;
  dz: number;
  slicesPerPeriod: number;
  /** Slice counts at which patterns are recorded, one per requested thickness. */
  outputs: number[];
  /** The thicknesses actually simulated [Å] (outputs · dz). */
  thicknesses: number[];
  nSlices: number;
  engine: EngineOptions;
  probe: ProbeOptions;
  detector: DetectorGeometry;
  params: MultisliceParams;
}

function positive(v: number, field: string, unit: string): number {
  if (!Number.isFinite(v) || v <= 0)
    throw new ValidationError(`must be > 0 ${unit}, got ${v}`, field);
  return v;
}

export function planSimulation(crystal: CrystalLike, params: MultisliceParams): Plan {
  const kv = positive(params.kv, 'kv', 'kV');
  positive(params.convergenceAngle, 'convergenceAngle', 'mrad');
  if (params.thicknesses.length === 0)
    throw new ValidationError('give at least one thickness', 'thickness');
  for (const t of params.thicknesses) positive(t, 'thickness', 'Å');
  const cell = orientCell(crystal, params.zone);
  const ext = params.extent ?? 25;
  const [ex, ey] = typeof ext === 'number' ? [ext, ext] : ext;
  const reps: [number, number] = [
    Math.max(1, Math.round(positive(ex, 'extent', 'Å') / cell.a)),
    Math.max(1, Math.round(positive(ey, 'extent', 'Å') / cell.b)),
  ];
  const sampling = positive(params.sampling ?? 0.05, 'sampling', 'Å');
  let grid = new Grid({ extent: [reps[0] * cell.a, reps[1] * cell.b], sampling });
  if (params.prism !== undefined) {
    const f = assertInterpolation(params.prism, 'prism');
    if (!validInterpolation(grid, f)) {
      const side = (n: number): number => f * nextFastFftSize(Math.ceil(n / f));
      grid = new Grid({
        extent: [grid.extentX, grid.extentY],
        gpts: [side(grid.nx), side(grid.ny)],
      });
    }
  }
  const wavelength = electronWavelength(kv);
  const sigma = interactionParameter(kv);
  const target = positive(params.sliceThickness ?? 2, 'sliceThickness', 'Å');
  const slicesPerPeriod = Math.max(1, Math.ceil(cell.c / target - 1e-9));
  const dz = cell.c / slicesPerPeriod;
  const outputs = params.thicknesses.map((t) => Math.max(1, Math.round(t / dz)));
  const nSlices = Math.max(...outputs);
  if (nSlices > 100000) throw new ValidationError(`${nSlices} slices is too many`, 'thickness');
  const mistilt = params.mistilt ?? 0;
  const az = ((params.azimuth ?? 0) * Math.PI) / 180;
  if (!Number.isFinite(mistilt) || mistilt < 0) {
    throw new ValidationError(`must be ≥ 0 mrad, got ${mistilt}`, 'mistilt');
  }
  const maxAngle = params.maxAngle ?? Infinity;
  const engine: EngineOptions = {
    wavelength,
    sliceThickness: dz,
    tilt: [mistilt * Math.cos(az), mistilt * Math.sin(az)],
    maxAngle,
  };
  const probe: ProbeOptions = {
    wavelength,
    convergenceAngle: params.convergenceAngle,
    defocus: params.defocus ?? 0,
    c3: params.c3 ?? 0,
    c5: params.c5 ?? 0,
  };
  return {
    grid,
    cell,
    reps,
    wavelength,
    sigma,
    dz,
    slicesPerPeriod,
    outputs,
    thicknesses: outputs.map((n) => n * dz),
    nSlices,
    engine,
    probe,
    detector: detectorGeometry(grid, wavelength, maxAngle),
    params,
  };
}

/** PACBED probe positions [Å]: an n×n grid over one orthogonal cell (n from the Nyquist step). */
export function scanPositions(plan: Plan): Float64Array {
  const nyq = probeNyquistStep(plan.wavelength, plan.params.convergenceAngle);
  const nx = plan.params.scan ?? Math.ceil(plan.cell.a / nyq - 1e-9);
  const ny = plan.params.scan ?? Math.ceil(plan.cell.b / nyq - 1e-9);
  if (!Number.isInteger(nx) || nx < 1 || nx > 1000) {
    throw new ValidationError(`scan must be an integer in 1…1000, got ${nx}`, 'scan');
  }
  const out = new Float64Array(2 * nx * ny);
  let o = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      out[o++] = (i * plan.cell.a) / nx;
      out[o++] = (j * plan.cell.b) / ny;
    }
  }
  return out;
}

/**
 * Transmission functions of one configuration and the map slice → function (−1 for slices
 * outside the range built).
 */
export interface SliceStack {
  transmissions: Float32Array[];
  sliceMap: Int32Array;
}

/** Allocate a Float32Array on shared memory (so worker threads read it without a copy). */
function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * n));
}

/** Bytes of one slice's transmission function (complex64 on the grid). */
export function sliceBytes(plan: Plan): number {
  return 8 * plan.grid.nx * plan.grid.ny;
}

/**
 * The atoms whose potentials make the slices of configuration `config` (0-based): one beam
 * period for a static lattice (it repeats), all periods displaced for frozen phonons.
 */
export function specimenAtoms(plan: Plan, config: number): SpecimenAtoms {
  const { grid, cell, reps, dz, nSlices, slicesPerPeriod } = plan;
  const projection = plan.params.projection ?? 'infinite';
  const box: [number, number, number] = [cell.a, cell.b, cell.c];
  if ((plan.params.phonons ?? 0) <= 0) {
    let atoms = tileAtoms(cell.atoms, box, [reps[0], reps[1], 1]);
    if (projection === 'finite') {
      // periodic along the beam: neighbours' tails reach in from the periods above/below
      atoms = tileAtoms(atoms, [grid.extentX, grid.extentY, cell.c], [1, 1, 3]);
      for (let i = 0; i < atoms.z.length; i++) atoms.z[i] = atoms.z[i]! - cell.c;
    }
    return atoms;
  }
  const periods = Math.ceil(nSlices / slicesPerPeriod);
  const atoms = tileAtoms(cell.atoms, box, [reps[0], reps[1], periods]);
  displace(atoms, plan, config);
  if (projection === 'infinite') {
    const zmax = nSlices * dz - 1e-9;
    for (let i = 0; i < atoms.z.length; i++) atoms.z[i] = Math.min(Math.max(atoms.z[i]!, 0), zmax);
  }
  return atoms;
}

/**
 * Build the transmission functions of configuration `config` (0-based). A static lattice
 * repeats with the beam period, so only one period's slices are built (`range` is ignored).
 * With frozen phonons every slice differs; `range` = [from, to) builds only those slices, so
 * the memory held is (to − from) · `sliceBytes(plan)` (pass the configuration's atoms from
 * `specimenAtoms` to build several ranges of one configuration).
 */
export async function buildSliceStack(
  plan: Plan,
  config: number,
  range?: readonly [number, number],
  atoms: SpecimenAtoms = specimenAtoms(plan, config),
): Promise<SliceStack> {
  const { grid, dz, nSlices, slicesPerPeriod } = plan;
  const p = plan.params;
  const parametrization = p.parametrization ?? 'lobato';
  const projection = p.projection ?? 'infinite';
  const phonons = (p.phonons ?? 0) > 0;
  const [from, to] = phonons ? (range ?? [0, nSlices]) : [0, slicesPerPeriod];
  const ok = Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to;
  if (!ok || (phonons && to > nSlices)) {
    throw new ValidationError(`slice range [${from}, ${to}) outside 0…${nSlices}`, 'range');
  }
  const fft = await Fft2.create(grid.ny, grid.nx);
  const mask = antialiasMask(grid);
  try {
    const transmissions: Float32Array[] = [];
    for (let s = from; s < to; s++) {
      const v = slicePotential(
        grid,
        atoms,
        s * dz,
        (s + 1) * dz,
        { parametrization, projection },
        fft,
      );
      const t = transmissionFunction(grid, v, plan.sigma, fft, mask);
      const shared = sharedFloat32(t.length);
      shared.set(t);
      transmissions.push(shared);
    }
    const sliceMap = new Int32Array(nSlices).fill(-1);
    for (let i = 0; i < nSlices; i++) {
      if (!phonons) sliceMap[i] = i % slicesPerPeriod;
      else if (i >= from && i < to) sliceMap[i] = i - from;
    }
    return { transmissions, sliceMap };
  } finally {
    fft.dispose();
  }
}

/** Frozen phonons: Gaussian displacements σ = √Uiso (or the given σ) per direction, seeded. */
function displace(atoms: SpecimenAtoms, plan: Plan, config: number): void {
  const rng = createRng(deriveSeed(plan.params.seed ?? 0, 'phonon', config));
  const bySymbol = plan.params.phononSigma ?? {};
  const override = new Map<number, number>();
  for (const [el, s] of Object.entries(bySymbol)) {
    if (!Number.isFinite(s) || s < 0)
      throw new ValidationError(`must be ≥ 0 Å, got ${s}`, `phononSigma.${el}`);
    override.set(atomicNumber(el), s);
  }
  for (let i = 0; i < atoms.numbers.length; i++) {
    const s = override.get(atoms.numbers[i]!) ?? Math.sqrt(Math.max(0, atoms.uIso[i]!));
    if (s === 0) continue;
    atoms.x[i] = atoms.x[i]! + rng.normal(0, s);
    atoms.y[i] = atoms.y[i]! + rng.normal(0, s);
    atoms.z[i] = atoms.z[i]! + rng.normal(0, s);
  }
}

/** Default memory for slices and saved waves of one frozen-phonon configuration [bytes]. */
export const DEFAULT_MEMORY_BYTES = 2 ** 30;

/**
 * How a configuration's slices are held. Static lattice: one beam period, always. Frozen
 * phonons: every slice differs; if all of them fit in `memory` they are built at once,
 * otherwise in blocks of `block` slices, with the waves of `group` probe positions saved
 * between blocks (half the memory each): ≤ `memory` bytes per configuration, whatever the
 * thickness. More positions than `group` are run group by group (the slices are rebuilt per
 * group: time for memory).
 */
export function memoryLayout(
  plan: Plan,
  positions: number,
  memory = DEFAULT_MEMORY_BYTES,
): { blocked: boolean; block: number; group: number } {
  if (!(memory > 0)) throw new ValidationError(`must be > 0 bytes, got ${memory}`, 'memory');
  const sb = sliceBytes(plan);
  const phonons = (plan.params.phonons ?? 0) > 0;
  if (!phonons || plan.nSlices * sb <= memory) {
    return { blocked: false, block: plan.nSlices, group: positions };
  }
  const half = Math.max(1, Math.floor(memory / 2 / sb));
  return { blocked: true, block: Math.min(half, plan.nSlices), group: Math.min(half, positions) };
}
