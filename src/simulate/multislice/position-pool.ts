/**
 * A small pool of worker threads for multislice tasks (`WorkerTask`: probe positions, PRISM
 * beams and reductions), started on `worker.ts` through the one worker loader. A task's error
 * comes back as data and is rethrown as its own class.
 */
import { Worker } from 'node:worker_threads';
import { BraggError, errorFromData } from '../../core/errors.js';
import { workerModule } from '../../core/worker-loader.js';
import type { ErrorData } from '../../core/errors.js';
import type { WorkerTask } from './tasks.js';

export class PositionPool {
  private readonly workers: Worker[];
  private constructor(workers: Worker[]) {
    this.workers = workers;
  }

  static async create(threads: number): Promise<PositionPool> {
    const mod = workerModule(import.meta.url, './worker.js');
    return new PositionPool(
      Array.from({ length: threads }, () => new Worker(mod.filename, { execArgv: mod.execArgv })),
    );
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
        const onMsg = (m: { id: number; acc?: Float64Array[]; error?: ErrorData }): void => {
          if (m.error !== undefined || !m.acc) {
            w.off('message', onMsg);
            w.off('error', onErr);
            reject(
              m.error
                ? errorFromData(m.error)
                : new BraggError('PROTOCOL', 'multislice worker sent no result'),
            );
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
