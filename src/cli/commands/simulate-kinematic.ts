/**
 * `bragg simulate reflections|profile|pattern`: kinematic electron diffraction of a CIF.
 */
import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import type { CommandModule } from '../../workflows/command.js';
import { commandGroup, printJson } from '../../workflows/command.js';
import { UnsupportedError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { numberArg, parseNumberFlag } from '../../workflows/flags.js';
import { loadCrystal } from '../../crystal/structure.js';
import { assertParametrization } from '../../crystal/scattering/index.js';
import { encodePng } from '../../formats/image/png.js';
import { writerFor } from '../../formats/registry.js';
import { plotProfile } from '../../simulate/kinematic/plot.js';
import {
  EXCITATION_SHAPES,
  PEAK_SHAPES,
  kinematicProfile,
  linspace,
  prepareReflections,
  seed147Axis,
} from '../../simulate/kinematic/index.js';
import { reflectionRows } from '../../simulate/kinematic/listing.js';
import { simulateZonePattern } from '../../simulate/kinematic/zone-pattern.js';
import type {
  ExcitationShape,
  PeakShape,
  ReflectionTable,
} from '../../simulate/kinematic/index.js';

export function list(field: string, n: number) {
  return (v: string): number[] => {
    const xs = v.split(',').map((s) => parseNumberFlag(s, field));
    if (xs.length !== n)
      throw new ValidationError(`expected ${n} comma-separated numbers, got '${v}'`, field);
    return xs;
  };
}

interface CommonOpts {
  kv: number;
  gmax: number;
  params: string;
  dw: boolean;
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--kv <kV>',
      'accelerating voltage [kV]',
      numberArg('--kv', { min: 1e-3, max: 1e4 }),
    )
    .option(
      '--gmax <1/Å>',
      'largest |g| = 1/d [Å⁻¹]',
      numberArg('--gmax', { min: 1e-3, max: 20 }),
      1.5,
    )
    .option('--params <name>', 'scattering factors: lobato | kirkland | peng', 'lobato')
    .option('--no-dw', 'ignore Debye–Waller factors (Uiso/Biso) of the CIF');
}

async function table(cif: string, o: CommonOpts): Promise<ReflectionTable> {
  const crystal = await loadCrystal(cif);
  return prepareReflections(crystal, {
    gMax: o.gmax,
    params: assertParametrization(o.params, '--params'),
    debyeWaller: o.dw,
  });
}

export function outputExt(path: string, allowed: readonly string[]): string {
  const e = extname(path).slice(1).toLowerCase();
  if (!allowed.includes(e)) {
    throw new UnsupportedError(
      `cannot write '${path}': use one of ${allowed.map((x) => '.' + x).join(', ')}`,
    );
  }
  return e;
}

interface PatternCliOpts extends CommonOpts {
  output: string;
  zone: number[];
  rotation: number;
  euler?: number[];
  quaternion?: number[];
  size: number;
  calibration: number;
  sigma: number;
  relrod: number;
  shape: string;
  precession: number;
  directBeam?: number;
  scale: string;
  json?: boolean;
}

export const simulateKinematicCommand: CommandModule = {
  name: 'simulate',
  register(program) {
    const group = commandGroup(program, 'simulate', 'Simulate diffraction data from physics.');

    common(group.command('reflections <cif>'))
      .description('Kinematic reflection list: hkl, g [Å⁻¹], d [Å], multiplicity, |F|², intensity.')
      .option('--all', 'also list reflections whose |F|² vanishes (systematic absences)')
      .option('--json', 'print JSON')
      .action(async (cif: string, o: CommonOpts & { all?: boolean; json?: boolean }) => {
        const t = await table(cif, o);
        const rows = reflectionRows(t, o.kv, o.all === true);
        if (o.json) return printJson(rows);
        process.stdout.write(
          `${basename(cif)} (${t.crystalName}): ${rows.length} reflections with |g| ≤ ${o.gmax} Å⁻¹ (${t.params})\n`,
        );
        process.stdout.write('   h   k   l    g [1/Å]    d [Å]   mult        |F|²   intensity\n');
        for (const r of rows) {
          const [h, k, l] = r.hkl.map((x) => String(x).padStart(4));
          process.stdout.write(
            `${h}${k}${l} ${r.g.toFixed(5).padStart(10)} ${r.d.toFixed(5).padStart(8)} ${String(r.multiplicity).padStart(6)} ${r.F2.toPrecision(6).padStart(11)} ${r.intensity.toPrecision(6).padStart(11)}\n`,
          );
        }
      });

    common(group.command('profile <cif>'))
      .description('1D kinematic profile I(q), q = 1/d [Å⁻¹], written as .npy, .csv or .png.')
      .requiredOption('-o, --output <file>', 'output file (.npy, .csv, .png)')
      .option('--axis <name>', "preset q axis: 'seed147' (the seed pipeline's 147 points)")
      .option('--qmin <1/Å>', 'first q', numberArg('--qmin', { min: 0, max: 20 }), 0.1)
      .option('--qmax <1/Å>', 'last q', numberArg('--qmax', { min: 0, max: 20 }), 1.4)
      .option(
        '--n <points>',
        'number of q points',
        numberArg('--n', { int: true, min: 2, max: 1e7 }),
        1000,
      )
      .option('--shape <name>', `peak shape: ${PEAK_SHAPES.join(' | ')}`, 'gaussian')
      .option('--fwhm <1/Å>', 'peak FWHM [Å⁻¹]', numberArg('--fwhm', { min: 1e-6, max: 1 }), 0.01)
      .option(
        '--eta <0..1>',
        'Lorentzian fraction of the pseudo-Voigt',
        numberArg('--eta', { min: 0, max: 1 }),
        0.5,
      )
      .action(
        async (
          cif: string,
          o: CommonOpts & {
            output: string;
            axis?: string;
            qmin: number;
            qmax: number;
            n: number;
            shape: string;
            fwhm: number;
            eta: number;
          },
        ) => {
          const ext = outputExt(o.output, ['npy', 'csv', 'png']);
          if (o.axis !== undefined && o.axis !== 'seed147') {
            throw new ValidationError(
              `unknown axis preset '${o.axis}'; expected seed147`,
              '--axis',
            );
          }
          if (!(PEAK_SHAPES as readonly string[]).includes(o.shape)) {
            throw new ValidationError(
              `unknown peak shape '${o.shape}'; expected ${PEAK_SHAPES.join(', ')}`,
              '--shape',
            );
          }
          const q = o.axis === 'seed147' ? seed147Axis() : linspace(o.qmin, o.qmax, o.n);
          const t = await table(cif, o);
          const y = kinematicProfile(t, q, {
            shape: o.shape as PeakShape,
            fwhm: o.fwhm,
            eta: o.eta,
          });
          if (ext === 'csv') {
            const lines = ['q_inv_angstrom,intensity'];
            for (let i = 0; i < q.length; i++) lines.push(`${q[i]},${y[i]}`);
            await writeFile(o.output, lines.join('\n') + '\n');
          } else if (ext === 'png') {
            await writeFile(
              o.output,
              encodePng(ndarray('uint8', [320, 640], plotProfile(q, y)), { range: [0, 255] }),
            );
          } else {
            const arr = ndarray('float32', [2, q.length], Float32Array.from([...q, ...y]));
            await writerFor(o.output).write(o.output, [
              {
                name: 'profile',
                array: arr,
                axes: [],
                metadata: { rows: 'q [1/Å], intensity', cif, kv: o.kv },
              },
            ]);
          }
          process.stderr.write(
            `wrote ${o.output}: ${q.length} points, q ${q[0]!.toFixed(4)}…${q[q.length - 1]!.toFixed(4)} Å⁻¹\n`,
          );
        },
      );

    common(group.command('pattern <cif>'))
      .description(
        '2D kinematic zone-axis pattern: detector image (.npy/.png) and optional spot list.',
      )
      .requiredOption('-o, --output <file>', 'output image (.npy, .png)')
      .option('--zone <u,v,w>', 'zone axis [uvw] along the beam', list('--zone', 3), [0, 0, 1])
      .option(
        '--rotation <deg>',
        'in-plane rotation about the zone axis [deg]',
        numberArg('--rotation'),
        0,
      )
      .option(
        '--euler <phi1,Phi,phi2>',
        'Bunge Euler angles [deg] instead of --zone',
        list('--euler', 3),
      )
      .option(
        '--quaternion <w,x,y,z>',
        'orientation quaternion instead of --zone',
        list('--quaternion', 4),
      )
      .option(
        '--size <px>',
        'detector size [px]',
        numberArg('--size', { int: true, min: 2, max: 8192 }),
        256,
      )
      .option(
        '--calibration <1/Å per px>',
        'reciprocal-space sampling',
        numberArg('--calibration', { min: 1e-6, max: 10 }),
        0.01,
      )
      .option('--sigma <px>', 'spot σ [px]', numberArg('--sigma', { min: 0.05, max: 100 }), 1)
      .option(
        '--relrod <1/Å>',
        'excitation-error width [Å⁻¹]',
        numberArg('--relrod', { min: 1e-6, max: 10 }),
        0.01,
      )
      .option(
        '--shape <name>',
        `excitation-error shape: ${EXCITATION_SHAPES.join(' | ')}`,
        'lorentzian',
      )
      .option(
        '--precession <deg>',
        'precession semi-angle [deg]',
        numberArg('--precession', { min: 0, max: 9.99 }),
        0,
      )
      .option(
        '--direct-beam <I>',
        'add the direct beam with this intensity',
        numberArg('--direct-beam', { min: 0 }),
      )
      .option('--scale <linear|log|sqrt>', 'PNG intensity scale', 'log')
      .option('--json', 'print the spot list as JSON')
      .action(async (cif: string, o: PatternCliOpts) => {
        const ext = outputExt(o.output, ['npy', 'png']);
        const crystal = await loadCrystal(cif);
        const size = o.size;
        const cal = o.calibration;
        if (!(EXCITATION_SHAPES as readonly string[]).includes(o.shape)) {
          throw new ValidationError(
            `unknown shape '${o.shape}'; expected ${EXCITATION_SHAPES.join(', ')}`,
            '--shape',
          );
        }
        if (o.euler && o.quaternion)
          throw new ValidationError('give --euler or --quaternion, not both', '--euler');
        const { spots, image: img } = simulateZonePattern(crystal, {
          kv: o.kv,
          gMax: o.gmax,
          params: assertParametrization(o.params, '--params'),
          debyeWaller: o.dw,
          zone: o.zone,
          rotationDeg: o.rotation,
          ...(o.euler ? { euler: o.euler } : {}),
          ...(o.quaternion ? { quaternion: o.quaternion } : {}),
          size,
          calibration: cal,
          sigmaPx: o.sigma,
          relrod: o.relrod,
          shape: o.shape as ExcitationShape,
          precessionDeg: o.precession,
          ...(o.directBeam !== undefined ? { directBeam: o.directBeam } : {}),
        });
        const arr = ndarray('float32', [size, size], img);
        if (ext === 'png') {
          const scale = o.scale;
          if (!['linear', 'log', 'sqrt'].includes(scale))
            throw new ValidationError(`unknown scale '${scale}'`, '--scale');
          await writeFile(
            o.output,
            encodePng(arr, { scale: scale as 'linear' | 'log' | 'sqrt', decades: 4 }),
          );
        } else {
          const axis = (name: string) => ({
            name,
            size,
            scale: cal,
            offset: -(size / 2) * cal,
            units: '1/Å',
          });
          await writerFor(o.output).write(o.output, [
            {
              name: 'pattern',
              array: arr,
              axes: [axis('ky'), axis('kx')],
              metadata: { cif, kv: o.kv },
            },
          ]);
        }
        if (o.json) {
          printJson(
            Array.from({ length: spots.count }, (_, i) => ({
              hkl: [spots.hkl[3 * i]!, spots.hkl[3 * i + 1]!, spots.hkl[3 * i + 2]!],
              kx: spots.kx[i]!,
              ky: spots.ky[i]!,
              intensity: spots.intensity[i]!,
              excitationError: spots.excitationError[i]!,
            })),
          );
        }
        process.stderr.write(`wrote ${o.output}: ${size}×${size} px, ${spots.count} spots\n`);
      });
  },
};
