/**
 * Every job type of this build, from each workflow's light `jobs.ts` module (not its
 * `index.ts`, which pulls in commands and models): what worker threads and `bragg worker`
 * processes load, so they start fast. `src/app/app.test.ts` checks that this list is exactly
 * the job types the workflow registry declares.
 */
import { syntheticShardJob } from '../jobs/synthetic-shard.js';
import type { JobType } from '../jobs/types.js';
import { CLASSIFY_JOB_TYPES } from '../workflows/classify/jobs.js';
import { PACBED_JOB_TYPES } from '../workflows/pacbed/jobs.js';
import { PEAKS_JOB_TYPES } from '../workflows/peaks/jobs.js';
import { PHASE_JOB_TYPES } from '../workflows/phase/jobs.js';

/** The runtime's own diagnostic job (queue benchmarks, tests). */
export const RUNTIME_JOB_TYPES: readonly JobType<never, unknown>[] = [
  syntheticShardJob as unknown as JobType<never, unknown>,
];

export const WORKFLOW_JOB_TYPES: readonly JobType<never, unknown>[] = [
  ...PHASE_JOB_TYPES,
  ...PACBED_JOB_TYPES,
  ...PEAKS_JOB_TYPES,
  ...CLASSIFY_JOB_TYPES,
];
