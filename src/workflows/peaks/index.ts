/**
 * The peaks workflow (seed DiPID, Diamond I16): Bragg-peak instance segmentation in detector
 * scans — NeXus in, per-peak masks, a peak table and a 3D volume out. So far: scan input,
 * Zooniverse labels, synthetic scans (a sharded dataset), the classic peakfinder8-style
 * baseline, the supervised U-Net (`models/unet.ts`, `cnn/`: `bragg peaks train`), the seed's
 * self-supervised SSLM (`models/sslm.ts`, `ssl/`: `bragg peaks train --method ssl`), predict
 * (classic or a trained model of either method) and evaluate.
 */
import type { Workflow } from '../workflow.js';
import { peaksCommand } from './commands/peaks.js';
import { peaksDemoCommand } from './commands/demo.js';
import { PEAKS_JOB_TYPES } from './jobs.js';
import { peaksRoutes } from './routes.js';
import { PEAKS_SSLM_ARCHITECTURE } from './models/sslm.js';
import { PEAKS_UNET_ARCHITECTURE } from './models/unet.js';

export const peaksWorkflow: Workflow = {
  name: 'peaks',
  title: 'a detector scan (NeXus) → per-peak masks, peak table, 3D volume',
  contracts: [
    {
      name: 'scan',
      files: '<scan>.nxs (entry1/pil3_100k/data (n, h, w)) | NXdetector/NXdata stack | .npy | .tif',
      description: 'frames × rows × columns counts; negative or pixel_mask pixels are repaired',
    },
    {
      name: 'masks',
      files: '<scan>_labels.h5 | <scan>_masks.h5',
      description: 'masks (n, h, w) uint16 instance ids, frame_index (n), peaks/<column> table',
    },
    {
      name: 'dataset',
      files: '<dir>/manifest.json + scan_NNNN.nxs + scan_NNNN_labels.h5',
      description: 'synthetic scans (I16 layout) with truth masks (10 % rule)',
    },
    {
      name: 'prediction',
      files: 'OUT/<scan>_{masks.h5,peaks.csv,volume.nxs,frame<k>.png}',
      description: 'masks, peak table, NXdata volume (frame, y, x), 2×2 overlay figures',
    },
  ],
  jobTypes: PEAKS_JOB_TYPES,
  architectures: [PEAKS_UNET_ARCHITECTURE, PEAKS_SSLM_ARCHITECTURE],
  commands: [peaksCommand, peaksDemoCommand],
  routes: [peaksRoutes],
  page: 'peaks',
};
