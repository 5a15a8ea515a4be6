/**
 * Helpers for the phase tests and the demo: phase datasets made by the real sweep pipeline
 * (`runDataset`), either on worker threads or in this thread (`InlineExecutor`, for tests that
 * run TypeScript sources), and experimental maps written in the seed's npz contract.
 */
import { writeFile } from 'node:fs/promises';
import { ndarray } from '../../core/ndarray.js';
import { writeNpz } from '../../formats/npy/npz.js';
import { runDataset, type DatasetRunResult } from '../../jobs/dataset-run.js';
import type { Executor, ExecutorHooks, Task } from '../../jobs/executor.js';
import { runJob } from '../../jobs/run-job.js';
import type { Progress } from '../../jobs/sharded-run.js';
import { resolveSweep } from '../../simulate/sweep/config.js';
import { sweepSchema, type SweepInput } from '../../simulate/sweep/schema.js';

/** Runs every job in this thread, one after another. */
export class InlineExecutor implements Executor {
  readonly name = 'inline:1';
  async runAll(
    _runId: string,
    tasks: readonly Task[],
    hooks: ExecutorHooks,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const t of tasks) {
      if (signal?.aborted) return;
      hooks.onStart(t.key);
      const out = await runJob(t.request, signal);
      if (out.ok) hooks.onDone(t.key, out.result);
      else hooks.onFail(t.key, out.error);
    }
  }
  async close(): Promise<void> {}
}

/** Simulate a phase dataset from a sweep given as an object; CIF paths relative to `baseDir`. */
export async function simulatePhaseDataset(
  input: SweepInput,
  baseDir: string,
  outDir: string,
  executor: Executor,
  onProgress?: (p: Progress) => void,
): Promise<DatasetRunResult> {
  const sweep = await resolveSweep(sweepSchema.parse(input), baseDir);
  return runDataset({ sweep, outDir, executor, ...(onProgress ? { onProgress } : {}) });
}

/** Write an experimental map as the seed's pre-processing did: `np.savez(y=…, x=…)`. */
export async function writeExperimentalNpz(
  file: string,
  q: Float64Array,
  y: Float32Array,
  ny: number,
  nx: number,
): Promise<void> {
  await writeFile(
    file,
    writeNpz({
      x: ndarray('float64', [q.length], q),
      y: ndarray('float32', [ny, nx, q.length], y),
    }),
  );
}
