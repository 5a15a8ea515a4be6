/** Worker thread: runs multislice tasks (positions, PRISM beams/reductions) and posts back the summed patterns. */
import { parentPort } from 'node:worker_threads';
import { errorToData } from '../../core/errors.js';
import { runWorkerTask, type WorkerCache, type WorkerTask } from './tasks.js';

const cache: WorkerCache = {};
parentPort?.on('message', (msg: { id: number; task: WorkerTask }) => {
  runWorkerTask(msg.task, cache).then(
    (acc) =>
      parentPort?.postMessage(
        { id: msg.id, acc },
        acc.map((a) => a.buffer as ArrayBuffer),
      ),
    (err: unknown) => parentPort?.postMessage({ id: msg.id, error: errorToData(err) }),
  );
});
