/**
 * Executors for tests: a job registry with the runtime's synthetic job and the workflows'
 * dataset jobs (no composition root needed), its worker module, and the executors over them.
 */
import { workerModule, type WorkerModule } from '../../../src/core/worker-loader.js';
import { InlineExecutor, LocalExecutor } from '../../../src/jobs/executor.js';
import { JobRegistry } from '../../../src/jobs/registry.js';
import { syntheticShardJob } from '../../../src/jobs/synthetic-shard.js';
import type { JobType } from '../../../src/jobs/types.js';
import { classifyPredictJob } from '../../../src/workflows/classify/ml-jobs.js';
import { pacbedShardJob } from '../../../src/workflows/pacbed/dataset/shard-job.js';
import { peaksPredictJob } from '../../../src/workflows/peaks/ml-jobs.js';
import { simulateShardJob } from '../../../src/workflows/phase/dataset/shard-job.js';
import { phasePredictJob, phaseTrainJob } from '../../../src/workflows/phase/ml-jobs.js';
import { tickerJob } from './ticker-job.js';

export const testJobs = new JobRegistry([
  syntheticShardJob,
  simulateShardJob,
  pacbedShardJob,
  phaseTrainJob,
  phasePredictJob,
  classifyPredictJob,
  peaksPredictJob,
  tickerJob,
] as unknown as JobType<never, unknown>[]);

/** The worker module of the test pools (runs jobs from `testJobs`). */
export function testWorker(): WorkerModule {
  return workerModule(import.meta.url, './worker.js');
}

export function localExecutor(size: number): LocalExecutor {
  return new LocalExecutor({ worker: testWorker(), size });
}

export function inlineExecutor(): InlineExecutor {
  return new InlineExecutor(testJobs);
}
