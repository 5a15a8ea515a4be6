/**
 * The classic finder on worker threads for the peaks bench: frames split evenly over
 * `threads` workers (each holds its share and has warmed up), timed from the request to the
 * last answer — the finder's throughput with that many threads, transfers of the frames not
 * included.
 */
import { Worker } from 'node:worker_threads';
import { workerModule } from '../../src/core/worker-loader.js';
import type { ClassicOptions } from '../../src/workflows/peaks/classic/finder.js';

/** Frames per second of the finder over `frames` with `threads` workers, best of `repeats`. */
export async function finderOnThreads(
  frames: readonly Float32Array[],
  height: number,
  width: number,
  mask: Uint8Array,
  options: ClassicOptions,
  threads: number,
  repeats: number,
): Promise<{ framesPerSecond: number; peaks: number }> {
  const mod = workerModule(import.meta.url, './finder-worker.js');
  const workers = Array.from(
    { length: threads },
    () => new Worker(mod.filename, { execArgv: mod.execArgv }),
  );
  const answer = (w: Worker): Promise<{ peaks?: number }> =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(
      workers.map((w, t) => {
        const share = frames.filter((_, k) => k % threads === t);
        const a = answer(w);
        w.postMessage({ kind: 'load', frames: share, height, width, mask, options });
        return a;
      }),
    );
    let best = Infinity;
    let peaks = 0;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      const out = await Promise.all(
        workers.map((w) => {
          const a = answer(w);
          w.postMessage({ kind: 'run' });
          return a;
        }),
      );
      best = Math.min(best, performance.now() - t0);
      peaks = out.reduce((s, o) => s + (o.peaks ?? 0), 0);
    }
    return { framesPerSecond: (frames.length * 1000) / best, peaks };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
