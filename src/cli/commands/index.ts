/**
 * The registry of CLI commands, as data. Each command lives in its own file under
 * `src/cli/commands/` and exports a `CommandModule`; add it to this list to expose it.
 */
import type { CommandModule } from '../command.js';
import { demoCommand } from './demo.js';
import { phaseCommand } from './phase.js';
import { benchPhasePredictCommand } from './bench-phase-predict.js';
import { doctorCommand } from './doctor.js';
import { benchTrainCommand } from './bench-train.js';
import { benchFormatsDmCommand } from './bench-formats-dm.js';
import { benchFormatsNexusCommand } from './bench-formats-nexus.js';
import { workerCommand } from './worker.js';
import { simulateDatasetCommand } from './simulate-dataset.js';
import { runsCommand } from './runs.js';
import { benchScaleCommand } from './bench-scale.js';
import { infoCommand } from './info.js';
import { convertCommand } from './convert.js';
import { benchFormatsNpyCommand } from './bench-formats-npy.js';
import { simulateMultisliceCommand } from './simulate-multislice.js';
import { benchMultisliceCommand } from './bench-multislice.js';
import { simulatePacbedDatasetCommand } from './simulate-pacbed-dataset.js';
import { simulateKinematicCommand } from './simulate-kinematic.js';
import { benchKinematicCommand } from './bench-kinematic.js';
import { benchConvCommand } from './bench-conv.js';
import { simulateOrientationsCommand } from './simulate-orientations.js';

export const COMMANDS: readonly CommandModule[] = [
  demoCommand,
  phaseCommand,
  benchPhasePredictCommand,
  doctorCommand,
  benchTrainCommand,
  benchFormatsDmCommand,
  benchFormatsNexusCommand,
  workerCommand,
  simulateDatasetCommand,
  runsCommand,
  benchScaleCommand,
  infoCommand,
  convertCommand,
  benchFormatsNpyCommand,
  simulateMultisliceCommand,
  benchMultisliceCommand,
  simulatePacbedDatasetCommand,
  simulateKinematicCommand,
  benchKinematicCommand,
  benchConvCommand,
  simulateOrientationsCommand,
];
