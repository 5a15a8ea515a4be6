/**
 * The registry of CLI commands, as data. Each command lives in its own file under
 * `src/cli/commands/` and exports a `CommandModule`; add it to this list to expose it.
 */
import type { CommandModule } from '../command.js';
import { demoCommand } from './demo.js';
import { benchFormatsDmCommand } from './bench-formats-dm.js';
import { workerCommand } from './worker.js';
import { simulateDatasetCommand } from './simulate-dataset.js';
import { runsCommand } from './runs.js';
import { infoCommand } from './info.js';
import { convertCommand } from './convert.js';
import { simulateMultisliceCommand } from './simulate-multislice.js';
import { benchMultisliceCommand } from './bench-multislice.js';
import { simulateKinematicCommand } from './simulate-kinematic.js';
import { benchKinematicCommand } from './bench-kinematic.js';

export const COMMANDS: readonly CommandModule[] = [
  demoCommand,
  benchFormatsDmCommand,
  workerCommand,
  simulateDatasetCommand,
  runsCommand,
  infoCommand,
  convertCommand,
  simulateMultisliceCommand,
  benchMultisliceCommand,
  simulateKinematicCommand,
  benchKinematicCommand,
];
