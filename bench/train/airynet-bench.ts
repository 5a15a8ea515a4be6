/**
 * Entry point for bench/train/airynet-vs-torch.sh (no build needed):
 *   npx vite-node bench/train/airynet-bench.ts <net> <steps> <threads> <batch>
 * prints one JSON line of `benchTrain` (wasm backend), like `bragg bench train --json`.
 */
import { benchTrain } from './train-bench.js';

const [net = 'airynet-resnet18-64', steps = '3', threads = '2', batch = '24'] =
  process.argv.slice(2);
const r = await benchTrain({
  net,
  steps: Number(steps),
  warmup: 1,
  threads: Number(threads),
  batchSize: Number(batch),
  backend: 'wasm',
});
process.stdout.write(`${JSON.stringify(r)}\n`);
process.exit(0);
