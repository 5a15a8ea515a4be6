/**
 * Data for the demo and the tests: phase datasets made by the real sweep pipeline
 * (`runPhaseDataset`) on any executor, and experimental maps written in the seed's npz
 * contract.
 */
import { writeFile } from 'node:fs/promises';
import { ndarray } from '../../core/ndarray.js';
import { writeNpz } from '../../formats/npy/npz.js';
import { runPhaseDataset, type PhaseDatasetRunResult } from './dataset/run.js';
import type { Executor } from '../../jobs/executor.js';
import type { Progress } from '../../jobs/sharded-run.js';
import { resolveSweep } from './dataset/sweep.js';
import { sweepSchema, type SweepInput } from './dataset/sweep-schema.js';

/** Simulate a phase dataset from a sweep given as an object; CIF paths relative to `baseDir`. */
export async function simulatePhaseDataset(
  input: SweepInput,
  baseDir: string,
  outDir: string,
  executor: Executor,
  onProgress?: (p: Progress) => void,
): Promise<PhaseDatasetRunResult> {
  const sweep = await resolveSweep(sweepSchema.parse(input), baseDir);
  return runPhaseDataset({ sweep, outDir, executor, ...(onProgress ? { onProgress } : {}) });
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
