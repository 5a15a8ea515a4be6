/** `bragg bench kinematic [--json]`: the kinematic-diffraction benchmark of issue 4. */
import { commandGroup, printJson, type CommandModule } from '../../src/workflows/command.js';
import { ValidationError } from '../../src/core/errors.js';
import { runKinematicBench } from '../kinematic/kinematic.js';

export const benchKinematicCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(program, 'bench', 'Benchmarks.')
      .command('kinematic')
      .description(
        'Kinematic reflections, 1D profiles and 2D patterns per second on one core (Si; 2×2×2 SrTiO3).',
      )
      .option('--min-ms <ms>', 'minimum time per measurement (default 400)')
      .option('--json', 'print JSON')
      .action((o: { minMs?: string; json?: boolean }) => {
        const minMs = o.minMs === undefined ? 400 : Number(o.minMs);
        if (!(minMs >= 1 && minMs <= 600000)) {
          throw new ValidationError(`expected 1…600000 ms, got '${o.minMs}'`, '--min-ms');
        }
        const r = runKinematicBench({ minMs });
        if (o.json) return printJson(r);
        const f = (x: number) => x.toPrecision(3).padStart(9);
        process.stdout.write(`kinematic benchmark (${r.node}; ${r.note})\n`);
        process.stdout.write(
          'crystal            atoms  refl  tables/s   refl/s  prof/s  spots/s  img/s  radial/s  prec/s  spots\n',
        );
        for (const c of r.cases) {
          process.stdout.write(
            `${c.crystal.padEnd(18)} ${String(c.atoms).padStart(5)} ${String(c.reflections).padStart(5)}` +
              `${f(c.tablesPerSecond)}${f(c.reflectionsPerSecond)}${f(c.profilesPerSecond)}${f(c.spotListsPerSecond)}` +
              `${f(c.patternsPerSecond)}${f(c.radialProfilesPerSecond)}${f(c.precessionSpotListsPerSecond)} ${c.meanSpotsPerPattern.toFixed(0).padStart(5)}\n`,
          );
        }
      });
  },
};
