/**
 * The job registry of this build: the runtime's built-in job types plus every workflow's.
 * Executors on this machine, pool threads and `bragg worker` processes all use this one, so a
 * job queued anywhere runs anywhere.
 */
import { workerModule, type WorkerModule } from '../core/worker-loader.js';
import { JobRegistry } from '../jobs/registry.js';
import { RUNTIME_JOB_TYPES, WORKFLOW_JOB_TYPES } from './job-types.js';

let registry: JobRegistry | undefined;

export function appJobRegistry(): JobRegistry {
  registry ??= new JobRegistry([...RUNTIME_JOB_TYPES, ...WORKFLOW_JOB_TYPES]);
  return registry;
}

/** The module the worker threads run (`job-worker.ts`): it runs jobs from `appJobRegistry()`. */
export function appJobWorker(): WorkerModule {
  return workerModule(import.meta.url, './job-worker.js');
}
