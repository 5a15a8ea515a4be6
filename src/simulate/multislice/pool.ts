/**
 * A small pool of worker threads for multislice tasks (`WorkerTask`). Under vitest (sources are .ts) the
 * worker is bundled once with esbuild into node_modules/.cache so Node can start it.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { BraggError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import type { WorkerTask } from './tasks.js';

async function workerPath(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'worker.js');
  const out = join(packageRoot(), 'node_modules', '.cache', 'bragg', 'multislice-worker.mjs');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(dirname(here), 'worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outfile: out,
    logLevel: 'silent',
  });
  return out;
}

export class PositionPool {
  private readonly workers: Worker[];
  private constructor(workers: Worker[]) {
    this.workers = workers;
  }

  static async create(threads: number): Promise<PositionPool> {
    const path = await workerPath();
    return new PositionPool(Array.from({ length: threads }, () => new Worker(path)));
  }

  /** Run tasks; results come back in task order. */
  async runAll(tasks: readonly WorkerTask[]): Promise<Float64Array[][]> {
    const results: Float64Array[][] = new Array<Float64Array[]>(tasks.length);
    let next = 0;
    const drive = (w: Worker): Promise<void> =>
      new Promise((resolve, reject) => {
        const pump = (): void => {
          if (next >= tasks.length) {
            w.off('message', onMsg);
            w.off('error', onErr);
            resolve();
            return;
          }
          const id = next++;
          w.postMessage({ id, task: tasks[id] });
        };
        const onMsg = (m: { id: number; acc?: Float64Array[]; error?: string }): void => {
          if (m.error !== undefined || !m.acc) {
            w.off('message', onMsg);
            w.off('error', onErr);
            reject(new BraggError('WORKER', `multislice worker failed: ${m.error}`));
            return;
          }
          results[m.id] = m.acc;
          pump();
        };
        const onErr = (e: Error): void =>
          reject(new BraggError('WORKER', 'multislice worker crashed', { cause: e }));
        w.on('message', onMsg);
        w.on('error', onErr);
        pump();
      });
    await Promise.all(this.workers.map(drive));
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
