/** Worker thread: runs PositionTasks and posts back the summed patterns. */
import { parentPort } from 'node:worker_threads';
import { runTask, type PositionTask } from './run.js';
import type { MultisliceEngine } from './engine.js';

const cache: { engine?: MultisliceEngine; key?: string } = {};
parentPort?.on('message', (msg: { id: number; task: PositionTask }) => {
  runTask(msg.task, cache).then(
    (acc) =>
      parentPort?.postMessage(
        { id: msg.id, acc },
        acc.map((a) => a.buffer as ArrayBuffer),
      ),
    (err: unknown) => parentPort?.postMessage({ id: msg.id, error: String(err) }),
  );
});
