/**
 * The services the composition root gives every command: executors that can run every job
 * type, the run registry, configured from the environment read here, once, and the stop signal
 * of the process edge (the CLI's Ctrl-C, SIGTERM and closed-stdout handling).
 */
import { BullmqExecutor } from '../jobs/bullmq-executor.js';
import { InlineExecutor, LocalExecutor, type Executor } from '../jobs/executor.js';
import { RunRegistry, defaultRegistryPath } from '../jobs/run-registry.js';
import { backendConfig, backendConfigFromEnv } from '../ml/backend/select.js';
import type { CommandContext, ExecutorChoice } from '../workflows/command.js';
import { appJobRegistry, appJobWorker } from './jobs.js';
import { h5Client } from '../formats/hdf5/index.js';
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

/** How the running command is asked to stop: given by the process edge (the CLI). */
export type CommandStop = Pick<CommandContext, 'signal' | 'interruptible'>;

/** A stop that never comes: for commands run in-process (tests, a library user). */
export function neverStop(): CommandStop {
  return { signal: new AbortController().signal, interruptible: () => () => undefined };
}

export function createCommandContext(
  env: NodeJS.ProcessEnv,
  stop: CommandStop = neverStop(),
): CommandContext {
  registerWorkflowArchitectures();
  configureHdf5(env);
  return {
    env,
    signal: stop.signal,
    interruptible: (notice) => stop.interruptible(notice),
    executor: createExecutor,
    registryPath: () => defaultRegistryPath(env),
    openRegistry: (path) => RunRegistry.open(path ?? defaultRegistryPath(env)),
    backendConfig: (flags = {}) => backendConfig(flags, backendConfigFromEnv(env)),
  };
}

/**
 * The HDF5 worker's settings from `BRAGG_HDF5_TIMEOUT_MS` (a value that is not a positive
 * number is ignored, as it always was) and `BRAGG_DEBUG` (HDF5's own diagnostics shown).
 */
function configureHdf5(env: NodeJS.ProcessEnv): void {
  const timeoutMs = Number(env.BRAGG_HDF5_TIMEOUT_MS);
  h5Client.configure({
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
    diagnostics: Boolean(env.BRAGG_DEBUG) && env.BRAGG_DEBUG !== '0',
  });
}
