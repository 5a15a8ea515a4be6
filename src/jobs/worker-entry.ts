/**
 * Entry module of the pool's worker threads (piscina loads it by file name from dist/).
 */
import type { JobRequest } from './types.js';
import type { JobOutcome } from './run-job.js';
import { runJob } from './run-job.js';

export default function runInThread(req: JobRequest): Promise<JobOutcome> {
  return runJob(req);
}
