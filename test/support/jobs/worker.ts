/** Worker module of the test pools: runs one job from the test registry. */
import { runJob, type JobOutcome } from '../../../src/jobs/run-job.js';
import type { JobRequest } from '../../../src/jobs/types.js';
import { testJobs } from './executors.js';

export default function runInThread(req: JobRequest): Promise<JobOutcome> {
  return runJob(testJobs, req);
}
