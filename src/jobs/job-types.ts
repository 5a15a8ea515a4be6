/**
 * The job types bragg knows, registered as data (like tfjs kernel configs). Workers look a
 * job's type up here by name; add a type by implementing `JobType` and listing it below.
 * Planned: `predict-shard` (batch prediction), `train-run`.
 */
import { NotFoundError } from '../core/errors.js';
import { simulateShardJob } from '../simulate/sweep/shard-job.js';
import { pacbedShardJob } from '../simulate/multislice/dataset/shard-job.js';
import { syntheticShardJob } from './synthetic-shard.js';
import type { JobType } from './types.js';

export const JOB_TYPES: readonly JobType<never, unknown>[] = [
  simulateShardJob as JobType<never, unknown>,
  syntheticShardJob as JobType<never, unknown>,
  pacbedShardJob as JobType<never, unknown>,
];

export function jobType(name: string): JobType<never, unknown> {
  const t = JOB_TYPES.find((j) => j.name === name);
  if (!t) {
    throw new NotFoundError(
      `unknown job type '${name}'; known: ${JOB_TYPES.map((j) => j.name).join(', ')}`,
    );
  }
  return t;
}
