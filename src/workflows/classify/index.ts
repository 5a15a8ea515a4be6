/**
 * The classify workflow (seed AiryNet, Zimmermann et al., Phys. Rev. E 99, 063309 (2019)):
 * single-shot diffraction images → multi-label classes. So far: synthetic TFRecord datasets
 * (`bragg classify simulate`), the ResNet v2 / VGG architectures, training (`train`),
 * prediction with Grad-CAM++ (`predict`), `evaluate`, `demo`, and the Web API (`routes.ts`) with its
 * page.
 */
import type { Workflow } from '../workflow.js';
import { classifySimulateCommand } from './commands/simulate.js';
import { classifyDemoCommand } from './commands/demo.js';
import { classifyPredictCommand } from './commands/predict.js';
import { classifyTrainCommand } from './commands/train.js';
import { CLASSIFY_JOB_TYPES } from './jobs.js';
import { AIRYNET_RESNET, AIRYNET_VGG } from './models/index.js';
import { classifyRoutes } from './routes.js';

export const classifyWorkflow: Workflow = {
  name: 'classify',
  title: 'single-shot diffraction images → multi-label classes (ResNet v2 / VGG, AiryNet)',
  contracts: [
    {
      name: 'dataset',
      files: '<dir>/manifest.json + shards/<k>-of-<n>-{train,eval}.tfrecord',
      description:
        "TFRecord in AiryNet's layout: image/encoded raw uint16 (h, w, 1), image/height, image/width, image/class/label raw int16 multi-hot over the 11 helium classes",
    },
  ],
  jobTypes: CLASSIFY_JOB_TYPES,
  architectures: [AIRYNET_RESNET, AIRYNET_VGG],
  commands: [
    classifySimulateCommand,
    classifyTrainCommand,
    classifyPredictCommand,
    classifyDemoCommand,
  ],
  routes: [classifyRoutes],
  page: 'classify',
};
