/**
 * The phase-mapping workflow (the seed's diffsims XL pipeline): 4D-STEM radial profiles →
 * 1D CNN → phase-probability map → evaluation against the CIFs' reflections.
 */
import type { Workflow } from '../workflow.js';
import { phaseCommand } from './commands/phase.js';
import { simulateDatasetCommand } from './commands/simulate-dataset.js';
import { PHASE_JOB_TYPES } from './jobs.js';
import { phaseRoutes } from './routes.js';

export const phaseWorkflow: Workflow = {
  name: 'phase',
  title: '4D-STEM radial profiles → phase map (1D CNN)',
  contracts: [
    {
      name: 'sweep',
      files: '<sweep>.yaml',
      description: 'phases (CIFs), orientations, detector, augmentations, seeds, output format',
    },
    {
      name: 'dataset',
      files: '<dir>/manifest.json + shards/s<seed>-c<class>-b<block>.{npz,hdf5}',
      description:
        "labelled 1D profiles in the seed's layout (1d/x_all, 1d/y_all, 1d/x_px, 1d/y_px, metadata/*)",
    },
    {
      name: 'experimental map',
      files: '<name>.npz | <name>.h5',
      description: 'x (147,) q-axis [1/Å] and y (ny, nx, 147) radial profiles',
    },
    {
      name: 'prediction',
      files: '<name>_probability_pred.npz + <name>_phase_map.png',
      description: 'pred (ny, nx, n_phases) float32, phases (n,) names, cnn_id',
    },
    {
      name: 'model',
      files: '<models>/<id>/{model.json, weights.bin, bragg.json, confusion.png, curves.png}',
      description: 'TF.js layers model and its bragg.json (labels, preprocessing, lineage)',
    },
  ],
  jobTypes: PHASE_JOB_TYPES,
  // The phase CNN is ml's built-in `phase1d` (PHASE_CNN_ARCHITECTURE).
  architectures: [],
  commands: [phaseCommand, simulateDatasetCommand],
  routes: [phaseRoutes],
};
