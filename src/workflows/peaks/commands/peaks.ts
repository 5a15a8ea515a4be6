/** The `bragg peaks …` command group. */
import { commandGroup, type CommandModule } from '../../command.js';
import { registerLabels } from './labels.js';
import { registerPredict } from './predict.js';
import { registerSimulate } from './simulate.js';
import { registerTrain } from './train.js';

export const peaksCommand: CommandModule = {
  name: 'peaks',
  register(program, ctx) {
    const group = commandGroup(
      program,
      'peaks',
      'Bragg-peak segmentation in detector scans: simulate, label, train, predict, evaluate',
    );
    registerSimulate(group, ctx);
    registerLabels(group);
    registerTrain(group, ctx);
    registerPredict(group, ctx);
  },
};
