/**
 * `bragg bench …`: the benchmark commands of BENCHMARKS.md. They live outside the shipped
 * package (bench drivers use test support); `bin/bragg.js` adds them when this checkout has
 * them built (`dist/bench/cli.js`).
 */
import type { CommandModule } from '../src/workflows/command.js';
import { benchPhasePredictCommand } from './commands/phase-predict.js';
import { benchTrainCommand } from './commands/train.js';
import { benchFormatsDmCommand } from './commands/formats-dm.js';
import { benchFormatsNexusCommand } from './commands/formats-nexus.js';
import { benchScaleCommand } from './commands/scale.js';
import { benchFormatsNpyCommand } from './commands/formats-npy.js';
import { benchMultisliceCommand } from './commands/multislice.js';
import { benchKinematicCommand } from './commands/kinematic.js';
import { benchConvCommand } from './commands/conv.js';
import { benchServeCommand } from './serve/command.js';
import { benchPeaksCommand } from './peaks/command.js';

export const BENCH_COMMANDS: readonly CommandModule[] = [
  benchPhasePredictCommand,
  benchTrainCommand,
  benchFormatsDmCommand,
  benchFormatsNexusCommand,
  benchScaleCommand,
  benchFormatsNpyCommand,
  benchMultisliceCommand,
  benchKinematicCommand,
  benchConvCommand,
  benchServeCommand,
  benchPeaksCommand,
];
