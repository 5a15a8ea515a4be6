/**
 * `bragg simulate orientations <cif> (--step deg | --random n)`: orientation sampling over the
 * fundamental zone of the crystal's Laue class, or Haar-uniform random rotations (seeded).
 */
import type { CommandModule } from '../../workflows/command.js';
import { commandGroup, printJson } from '../../workflows/command.js';
import { LimitError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { loadCrystal } from '../../crystal/structure.js';
import { writerFor } from '../../formats/registry.js';
import { crystalSymmetry } from '../../simulate/kinematic/crystal.js';
import {
  eulerFromOrientation,
  orientationFromQuaternion,
} from '../../simulate/orientation/rotations.js';
import {
  checkGridStep,
  fundamentalZoneGrid,
  randomQuaternions,
} from '../../simulate/orientation/sampling.js';
import { numberArg } from '../../workflows/flags.js';
import { outputExt } from './simulate-kinematic.js';

/** Memory the orientation arrays of one `simulate orientations --random` may take [bytes]. */
export const ORIENTATION_MEMORY_BYTES = 2 ** 31;

/**
 * Bytes one random orientation takes at the peak: its quaternion (4 float64), and with an
 * output the `.npy` bytes of what is written (a copy: quaternions, or with `euler` the Bunge
 * angles, 3 float64, plus those angles themselves).
 */
export function bytesPerOrientation(output: boolean, euler: boolean): number {
  if (!output) return 32;
  return euler ? 32 + 24 + 24 : 32 + 32;
}

/** The most random orientations that fit {@link ORIENTATION_MEMORY_BYTES}. */
export function maxRandomOrientations(output: boolean, euler: boolean): number {
  return Math.floor(ORIENTATION_MEMORY_BYTES / bytesPerOrientation(output, euler));
}

/** Refuses `--random n` whose arrays would not fit the memory limit (`LimitError`, field `random`). */
export function checkRandomCount(n: number, output: boolean, euler: boolean): void {
  const per = bytesPerOrientation(output, euler);
  const max = maxRandomOrientations(output, euler);
  if (n > max) {
    throw new LimitError(`${n} orientations need ${per} bytes each`, {
      field: 'random',
      value: n * per,
      limit: ORIENTATION_MEMORY_BYTES,
      unit: 'bytes',
      hint: `at most ${max} orientations at a time (use several seeds for more)`,
    });
  }
}

export const simulateOrientationsCommand: CommandModule = {
  name: 'simulate',
  register(program) {
    const group = commandGroup(program, 'simulate', 'Simulate diffraction data from physics.');

    group
      .command('orientations <cif>')
      .description(
        'Orientation sampling: a grid over the fundamental zone of the Laue class at --step degrees, or --random N Haar-uniform rotations.',
      )
      .option(
        '--step <deg>',
        'angular step of the fundamental-zone grid [deg]',
        numberArg('--step', { min: 0.5, max: 90 }),
      )
      .option(
        '--random <n>',
        `number of uniform random orientations (at most ${maxRandomOrientations(true, true)} with -o and --euler, ${maxRandomOrientations(false, false)} without -o: ${ORIENTATION_MEMORY_BYTES / 2 ** 30} GiB of arrays)`,
        numberArg('--random', { int: true, min: 1, max: Number.MAX_SAFE_INTEGER }),
      )
      .option(
        '--seed <n>',
        'seed of --random',
        numberArg('--seed', { int: true, min: 0, max: 2 ** 32 - 1 }),
        0,
      )
      .option(
        '-o, --output <file.npy>',
        'write quaternions (n, 4) [w, x, y, z], or with --euler Bunge angles (n, 3) [deg]',
      )
      .option('--euler', 'write Bunge Euler angles in degrees instead of quaternions')
      .option('--json', 'print the summary as JSON')
      .action(
        async (
          cif: string,
          o: {
            step?: number;
            random?: number;
            seed: number;
            output?: string;
            euler?: boolean;
            json?: boolean;
          },
        ) => {
          if ((o.step === undefined) === (o.random === undefined)) {
            throw new ValidationError('give exactly one of --step <deg> or --random <n>', '--step');
          }
          if (o.output !== undefined) outputExt(o.output, ['npy']);
          // Sizes first: nothing is read or computed for a request over the limits.
          if (o.random !== undefined) checkRandomCount(o.random, o.output !== undefined, !!o.euler);
          if (o.step !== undefined) checkGridStep(o.step);
          const crystal = await loadCrystal(cif);
          const sym = crystalSymmetry(crystal);
          let quats: Float64Array;
          const summary: Record<string, number | string> = {
            laueClass: crystal.spaceGroup.laueClass,
            symmetryOrder: sym.properRotations.length,
          };
          if (o.step !== undefined) {
            const g = fundamentalZoneGrid(sym.properRotations, o.step);
            quats = g.quaternions;
            Object.assign(summary, {
              stepDeg: o.step,
              count: g.count,
              fullGridCount: g.fullGridCount,
            });
          } else {
            quats = randomQuaternions(o.random!, o.seed);
            Object.assign(summary, { random: o.random!, seed: o.seed, count: o.random! });
          }
          if (o.output !== undefined) {
            const n = quats.length / 4;
            let arr;
            if (o.euler) {
              const e = new Float64Array(3 * n);
              for (let i = 0; i < n; i++)
                e.set(
                  eulerFromOrientation(orientationFromQuaternion(quats.subarray(4 * i, 4 * i + 4))),
                  3 * i,
                );
              arr = ndarray('float64', [n, 3], e);
            } else arr = ndarray('float64', [n, 4], quats);
            await writerFor(o.output).write(o.output, [
              { name: 'orientations', array: arr, axes: [], metadata: { ...summary, cif } },
            ]);
            summary.output = o.output;
          }
          if (o.json) return printJson(summary);
          process.stdout.write(
            Object.entries(summary)
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n') + '\n',
          );
        },
      );
  },
};
