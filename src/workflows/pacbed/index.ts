/**
 * The PACBED workflow (seed PACBED-CNN): multislice PACBED training sets → CNNs for thickness,
 * mistilt and scale → a measured pattern's parameters. So far: the training sets, training,
 * the models register, prediction, and the Web API (the seed's `POST /inference/` and
 * `/api/pacbed/…`) with its UI page (the seed's validation figure is to come).
 */
import type { Workflow } from '../workflow.js';
import { pacbedCommand } from './commands/pacbed.js';
import { pacbedDemoCommand } from './commands/demo.js';
import { simulatePacbedDatasetCommand } from './commands/simulate-pacbed-dataset.js';
import { PACBED_JOB_TYPES } from './jobs.js';
import { PACBED_COMPACT_ARCHITECTURE } from './models/compact.js';
import { PACBED_XCEPTION_ARCHITECTURE } from './models/xception.js';
import { pacbedRoutes, pacbedSeedRoutes } from './routes.js';

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
    {
      name: 'models root',
      files: '<root>/register.json, Register.csv, <material>_<kV>kV_<uvw>/<target>-<id>/',
      description:
        "bragg's register and the seed's (material;high tension;direction); one bundle per target with labels.csv",
    },
  ],
  jobTypes: PACBED_JOB_TYPES,
  architectures: [PACBED_COMPACT_ARCHITECTURE, PACBED_XCEPTION_ARCHITECTURE],
  commands: [simulatePacbedDatasetCommand, pacbedCommand, pacbedDemoCommand],
  routes: [pacbedRoutes, pacbedSeedRoutes],
  page: 'pacbed',
};
