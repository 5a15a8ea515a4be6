/**
 * The classify workflow's job types, in a module of their own: worker threads and
 * `bragg worker` import this (through `src/app/job-types.ts`), not the commands and models.
 */
import type { JobType } from '../../jobs/types.js';
import { classifyShardJob } from './dataset/shard-job.js';
import { classifyPredictJob } from './ml-jobs.js';

export const CLASSIFY_JOB_TYPES: readonly JobType<never, unknown>[] = [
  classifyShardJob as unknown as JobType<never, unknown>,
  classifyPredictJob as unknown as JobType<never, unknown>,
];
