/**
 * The peaks workflow's job types, in a module of their own: worker threads and `bragg worker`
 * import this (through `src/app/job-types.ts`), not the workflow's commands.
 */
import type { JobType } from '../../jobs/types.js';
import { peaksPredictJob } from './ml-jobs.js';
import { peaksScanJob } from './synthetic/shard-job.js';

export const PEAKS_JOB_TYPES: readonly JobType<never, unknown>[] = [
  peaksScanJob as unknown as JobType<never, unknown>,
  peaksPredictJob as unknown as JobType<never, unknown>,
];
