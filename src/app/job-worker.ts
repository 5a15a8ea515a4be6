/**
 * Entry module of the job pool's worker threads (piscina loads it by file name): runs one job
 * from the app's job registry.
 */
import type { JobOutcome } from '../jobs/run-job.js';
import { runJob } from '../jobs/run-job.js';
import type { JobRequest } from '../jobs/types.js';
import { appJobRegistry } from './jobs.js';

export default function runInThread(req: JobRequest): Promise<JobOutcome> {
  return runJob(appJobRegistry(), req);
}
