/**
 * The services the composition root gives every command: executors that can run every job
 * type, and the run registry, configured from the environment read here, once.
 */
import { BullmqExecutor } from '../jobs/bullmq-executor.js';
import { InlineExecutor, LocalExecutor, type Executor } from '../jobs/executor.js';
import { RunRegistry, defaultRegistryPath } from '../jobs/run-registry.js';
import { backendConfig, backendConfigFromEnv } from '../ml/backend/select.js';
import type { CommandContext, ExecutorChoice } from '../workflows/command.js';
import { appJobRegistry, appJobWorker } from './jobs.js';
import { registerWorkflowArchitectures } from './workflows.js';

/** An executor for every job type of this build. */
export function createExecutor(choice: ExecutorChoice): Executor {
  if (choice.redis) {
    return new BullmqExecutor({
      redis: choice.redis,
      ...(choice.queue ? { queue: choice.queue } : {}),
    });
  }
  if (choice.inline && choice.workers === undefined) return new InlineExecutor(appJobRegistry());
  return new LocalExecutor({
    worker: appJobWorker(),
    ...(choice.workers !== undefined ? { size: choice.workers } : {}),
  });
}

export function createCommandContext(env: NodeJS.ProcessEnv): CommandContext {
  registerWorkflowArchitectures();
  return {
    env,
    executor: createExecutor,
    registryPath: () => defaultRegistryPath(env),
    openRegistry: (path) => RunRegistry.open(path ?? defaultRegistryPath(env)),
    backendConfig: (flags = {}) => backendConfig(flags, backendConfigFromEnv(env)),
  };
}
