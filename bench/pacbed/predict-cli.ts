/**
 * Runs the PACBED prediction bench (predict.ts) and prints its result as JSON:
 *   npx vite-node bench/pacbed/predict-cli.ts [--side 512] [--size 64] [--repeats 20]
 *     [--backend B] [--models ROOT --material M --kv KV --zone u,v,w]
 */
import type { BackendOptions } from '../../src/ml/backend/select.js';
import { parseZone } from '../../src/workflows/pacbed/table.js';
import { runPacbedPredictBench } from './predict.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

{
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  const root = flag('models');
  const backend = flag('backend');
  runPacbedPredictBench({
    ...(num(flag('side')) !== undefined ? { side: num(flag('side'))! } : {}),
    ...(num(flag('size')) !== undefined ? { size: num(flag('size'))! } : {}),
    ...(num(flag('repeats')) !== undefined ? { repeats: num(flag('repeats'))! } : {}),
    ...(backend !== undefined ? { backend: backend as BackendOptions['backend'] } : {}),
    ...(root !== undefined
      ? {
          models: {
            root,
            material: flag('material') ?? 'Rutile',
            kv: Number(flag('kv') ?? 80),
            zone: parseZone(flag('zone') ?? '0,0,1'),
          },
        }
      : {}),
  }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
