/**
 * The PACBED workflow's job types, in a module of their own: worker threads and `bragg worker`
 * import this (through `src/app/job-types.ts`), not the workflow's commands and models.
 */
import type { JobType } from '../../jobs/types.js';
import { pacbedShardJob } from './dataset/shard-job.js';

export const PACBED_JOB_TYPES: readonly JobType<never, unknown>[] = [
  pacbedShardJob as unknown as JobType<never, unknown>,
];
