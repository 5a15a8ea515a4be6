/**
 * Entry module of the job pool's worker threads (piscina loads it by file name): runs one job
 * from the app's job registry, its progress and stop going over the task's port (`PoolTask`).
 */
import { runPoolTask, type PoolTask } from '../jobs/pool-task.js';
import type { JobOutcome } from '../jobs/run-job.js';
import { appJobRegistry } from './jobs.js';

export default function runInThread(task: PoolTask): Promise<JobOutcome> {
  return runPoolTask(appJobRegistry(), task);
}
