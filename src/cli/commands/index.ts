/**
 * The registry of CLI commands, as data: the platform's own commands (one file each under
 * `src/cli/commands/`, each exporting a `CommandModule`) and every workflow's commands from the
 * workflow registry. Add a platform command to this list; a workflow's go in its `Workflow`.
 */
import { WORKFLOWS } from '../../app/workflows.js';
import type { CommandModule } from '../../workflows/command.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { workerCommand } from './worker.js';
import { runsCommand } from './runs.js';
import { infoCommand } from './info.js';
import { convertCommand } from './convert.js';
import { modelCommand } from './model.js';
import { simulateMultisliceCommand } from './simulate-multislice.js';
import { simulateKinematicCommand } from './simulate-kinematic.js';
import { simulateOrientationsCommand } from './simulate-orientations.js';
import { serveCommand } from './serve.js';

export const COMMANDS: readonly CommandModule[] = [
  demoCommand,
  doctorCommand,
  workerCommand,
  runsCommand,
  infoCommand,
  convertCommand,
  modelCommand,
  simulateMultisliceCommand,
  simulateKinematicCommand,
  simulateOrientationsCommand,
  serveCommand,
  ...WORKFLOWS.flatMap((w) => w.commands),
];
