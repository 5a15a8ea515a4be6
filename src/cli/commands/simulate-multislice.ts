/**
 * `bragg simulate pacbed|cbed <cif>`: dynamical multislice patterns from a CIF, written as
 * npz (`pacbed` or `cbed` (n_thickness, ny, nx) float32, `thickness_A`, `mrad_per_px`) with
 * an optional PNG preview of the last thickness.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { commandGroup, printJson, type CommandModule } from '../../workflows/command.js';
import { parseNumberFlag } from '../../workflows/flags.js';
import { ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { loadCrystal } from '../../crystal/structure.js';
import { assertParametrization } from '../../crystal/scattering/index.js';
import { writeNpz } from '../../formats/npy/npz.js';
import { encodePng } from '../../formats/image/png.js';
import type { MultisliceParams } from '../../simulate/multislice/plan.js';
import {
  simulateCbed,
  simulatePacbed,
  type PatternResult,
} from '../../simulate/multislice/simulate.js';
import { checkOutputFile } from '../outputs.js';

interface Opts {
  zone: string;
  kv: string;
  convAngle: string;
  thickness: string;
  sampling: string;
  extent?: string;
  scan?: string;
  slice: string;
  phonons: string;
  mistilt: string;
  azimuth: string;
  params: string;
  projection: string;
  maxAngle?: string;
  seed: string;
  threads?: string;
  memory?: string;
  position?: string;
  prism?: boolean;
  symmetry?: boolean;
  interpolation: string;
  output: string;
  png?: string;
  json?: boolean;
}

function list(v: string, field: string): number[] {
  return v.split(',').map((s) => parseNumberFlag(s, field));
}

function params(o: Opts): MultisliceParams {
  const zone = list(o.zone, '--zone');
  if (zone.length !== 3) throw new ValidationError(`expected u,v,w, got ${o.zone}`, '--zone');
  const projection = o.projection;
  if (projection !== 'infinite' && projection !== 'finite') {
    throw new ValidationError(`expected infinite or finite, got ${projection}`, '--projection');
  }
  return {
    zone: [zone[0]!, zone[1]!, zone[2]!],
    kv: parseNumberFlag(o.kv, '--kv'),
    convergenceAngle: parseNumberFlag(o.convAngle, '--conv-angle'),
    thicknesses: list(o.thickness, '--thickness'),
    sampling: parseNumberFlag(o.sampling, '--sampling'),
    ...(o.extent !== undefined ? { extent: parseNumberFlag(o.extent, '--extent') } : {}),
    ...(o.scan !== undefined ? { scan: parseNumberFlag(o.scan, '--scan') } : {}),
    ...(o.maxAngle !== undefined ? { maxAngle: parseNumberFlag(o.maxAngle, '--max-angle') } : {}),
    sliceThickness: parseNumberFlag(o.slice, '--slice'),
    phonons: parseNumberFlag(o.phonons, '--phonons'),
    mistilt: parseNumberFlag(o.mistilt, '--mistilt'),
    azimuth: parseNumberFlag(o.azimuth, '--azimuth'),
    parametrization: assertParametrization(o.params, '--params'),
    projection,
    seed: parseNumberFlag(o.seed, '--seed'),
  };
}

function runOpts(o: Opts): { memoryBytes: number } {
  const mib = parseNumberFlag(o.memory ?? '1024', '--memory');
  if (!(mib > 0)) throw new ValidationError(`must be > 0 MiB, got ${mib}`, '--memory');
  return { memoryBytes: mib * 2 ** 20 };
}

async function write(kind: 'pacbed' | 'cbed', r: PatternResult, o: Opts): Promise<void> {
  const arrays = {
    [kind]: ndarray('float32', r.shape, r.patterns),
    thickness_A: ndarray('float64', [r.thicknesses.length], Float64Array.from(r.thicknesses)),
    mrad_per_px: ndarray('float64', [2], Float64Array.from(r.mradPerPx)),
    ...(r.prism
      ? { prism_interpolation: ndarray('int32', [1], Int32Array.of(r.prism.interpolation)) }
      : {}),
  };
  await writeFile(o.output, writeNpz(arrays));
  if (o.png !== undefined) {
    const [n, ny, nx] = r.shape;
    const last = r.patterns.subarray((n - 1) * ny * nx, n * ny * nx);
    await writeFile(o.png, encodePng(ndarray('float32', [ny, nx], Float32Array.from(last))));
  }
  const summary = {
    output: o.output,
    shape: r.shape,
    thicknessA: r.thicknesses,
    mradPerPx: r.mradPerPx,
    positions: r.positions,
    grid: r.plan.grid.toJSON(),
    slices: r.plan.nSlices,
    sliceThicknessA: r.plan.dz,
    ...(r.symmetry ? { symmetry: r.symmetry } : {}),
    ...(r.prism ? { prism: r.prism } : {}),
  };
  if (o.json) printJson(summary);
  else
    process.stdout.write(
      `${kind}: ${r.shape.join('×')} → ${o.output} (grid ${r.plan.grid.nx}×${r.plan.grid.ny}, ${r.plan.nSlices} slices, ${r.positions} positions${r.symmetry && r.symmetry.order > 1 ? `: ${r.symmetry.computedPositions} run, symmetry order ${r.symmetry.order}` : ''})\n`,
    );
}

/** The output files, checked before the simulation runs (minutes lost otherwise). */
async function checkOutputs(o: Opts): Promise<void> {
  await checkOutputFile(o.output, 'output');
  if (o.png !== undefined) await checkOutputFile(o.png, 'png');
}

function common(c: Command): Command {
  return c
    .requiredOption('--zone <u,v,w>', 'zone axis along the beam', '0,0,1')
    .requiredOption('--kv <kV>', 'accelerating voltage [kV]')
    .requiredOption('--conv-angle <mrad>', 'convergence semi-angle [mrad]')
    .requiredOption('--thickness <A,...>', 'thicknesses [Å], comma-separated')
    .option('--sampling <A>', 'real-space sampling [Å] (rounded finer to a fast FFT size)', '0.05')
    .option('--extent <A>', 'lateral extent [Å] (whole cells)')
    .option('--slice <A>', 'slice thickness [Å]', '1.48')
    .option('--phonons <n>', 'frozen-phonon configurations', '0')
    .option('--mistilt <mrad>', 'specimen mistilt [mrad]', '0')
    .option('--azimuth <deg>', 'mistilt azimuth [degrees from +x toward +y]', '0')
    .option('--params <name>', 'scattering parametrization: lobato|kirkland|peng', 'lobato')
    .option('--projection <kind>', 'infinite|finite', 'infinite')
    .option('--max-angle <mrad>', 'half-width of the recorded pattern [mrad]')
    .option('--seed <n>', 'seed of the frozen phonons', '0')
    .option('--threads <n>', 'worker threads')
    .option('--memory <MiB>', 'frozen-phonon slices + saved waves per configuration [MiB]', '1024')
    .requiredOption('-o, --output <file.npz>', 'output npz')
    .option('--png <file.png>', 'PNG preview of the largest thickness')
    .option('--json', 'print a JSON summary');
}

export const simulateMultisliceCommand: CommandModule = {
  name: 'simulate',
  register(program) {
    const sim = commandGroup(program, 'simulate', 'Simulate diffraction data from physics.');
    common(sim.command('pacbed <cif>'))
      .description('Position-averaged CBED (multislice) over one unit cell.')
      .option('--scan <n>', 'probe positions per cell edge (default: Nyquist step)')
      .option(
        '--no-symmetry',
        'run every probe position (default: one per orbit of the specimen symmetry; same pattern)',
      )
      .option('--prism', 'PRISM S-matrix instead of plain multislice (patterns f× coarser)')
      .option(
        '--interpolation <f>',
        'PRISM interpolation factor f (2^a·3^b·5^c; best when extent/f is whole cells)',
        '2',
      )
      .action(async (cif: string, o: Opts) => {
        await checkOutputs(o);
        const crystal = await loadCrystal(cif);
        const threads =
          o.threads !== undefined ? parseNumberFlag(o.threads, '--threads') : undefined;
        const p = params(o);
        if (o.prism) p.prism = parseNumberFlag(o.interpolation, '--interpolation');
        if (o.symmetry === false) p.symmetry = false;
        const r = await simulatePacbed(crystal, p, {
          ...runOpts(o),
          ...(threads !== undefined ? { threads } : {}),
        });
        await write('pacbed', r, o);
      });
    common(sim.command('cbed <cif>'))
      .description('CBED (multislice) for one probe position.')
      .option('--position <x,y>', 'probe position [Å]', '0,0')
      .action(async (cif: string, o: Opts) => {
        await checkOutputs(o);
        const crystal = await loadCrystal(cif);
        const pos = list(o.position ?? '0,0', '--position');
        if (pos.length !== 2)
          throw new ValidationError(`expected x,y, got ${o.position}`, '--position');
        const r = await simulateCbed(crystal, params(o), [pos[0]!, pos[1]!], runOpts(o));
        await write('cbed', r, o);
      });
  },
};
