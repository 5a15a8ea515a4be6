/**
 * The PACBED workflow (seed PACBED-CNN): multislice PACBED training sets → CNNs for thickness,
 * mistilt and scale → a measured pattern's parameters. So far: the training sets.
 */
import type { Workflow } from '../workflow.js';
import { simulatePacbedDatasetCommand } from './commands/simulate-pacbed-dataset.js';
import { PACBED_JOB_TYPES } from './jobs.js';

export const pacbedWorkflow: Workflow = {
  name: 'pacbed',
  title: 'a DM4 PACBED → thickness, mistilt, scale (2D CNNs)',
  contracts: [
    {
      name: 'dataset config',
      files: '<config>.yaml',
      description: 'CIF, zone, kV, thickness/mistilt/azimuth/convergence-angle series, output',
    },
    {
      name: 'training table',
      files: '<dir>/<table>.csv + images/*.{npy,tif}',
      description: 'Path;Thickness;Mistilt;Conv_Angle;Electron_Energy;Azimuth;Direction;Material',
    },
  ],
  jobTypes: PACBED_JOB_TYPES,
  architectures: [],
  commands: [simulatePacbedDatasetCommand],
};
