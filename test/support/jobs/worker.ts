/** Worker module of the test pools: runs one pool task from the test registry. */
import { runPoolTask, type PoolTask } from '../../../src/jobs/pool-task.js';
import type { JobOutcome } from '../../../src/jobs/run-job.js';
import { testJobs } from './executors.js';

export default function runInThread(task: PoolTask): Promise<JobOutcome> {
  return runPoolTask(testJobs, task);
}
