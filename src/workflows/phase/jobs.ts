/**
 * The phase workflow's job types, in a module of their own: worker threads and `bragg worker`
 * import this (through `src/app/job-types.ts`), not the workflow's commands and models.
 */
import type { JobType } from '../../jobs/types.js';
import { simulateShardJob } from './dataset/shard-job.js';
import { phasePredictJob, phaseTrainJob } from './ml-jobs.js';

export const PHASE_JOB_TYPES: readonly JobType<never, unknown>[] = [
  simulateShardJob as unknown as JobType<never, unknown>,
  phaseTrainJob as unknown as JobType<never, unknown>,
  phasePredictJob as unknown as JobType<never, unknown>,
];
