/**
 * A tiny trained phase model and a small experimental map for the browser's phase flow: a
 * dataset of two bundled phases from the sweep pipeline (as test/e2e/phase.test.ts makes it),
 * `bragg phase train` through the CLI entry point (so the run registry records the training
 * run with its model lineage, as for a user), and a synthetic 6 × 7 map on another q-axis.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import { packageRoot } from '../../../src/core/paths.js';
import {
  simulatePhaseDataset,
  writeExperimentalNpz,
} from '../../../src/workflows/phase/demo-data.js';
import { syntheticPhaseMap } from '../../../src/workflows/phase/synthetic.js';
import { inlineExecutor } from '../jobs/executors.js';

const structures = join(packageRoot(), 'data', 'structures');
/** Two bundled structures, so the evaluation can name them by `structures`. */
export const PHASES = [
  { name: 'au', cif: join(structures, 'au.cif') },
  { name: 'pbi2-2h', cif: join(structures, 'pbi2-2h.cif') },
];
// A 128 px detector at 4 × the seed's calibration: bins 3…39 span 0.10…1.32 Å⁻¹.
const SMALL = {
  detector: { size: 128 },
  calibration: { value: 0.0235, jitterPercent: 3 },
  postprocessing: { cropPx: [3, 40] as [number, number] },
};

export interface PhaseFixture {
  /** The models root holding the one trained model. */
  modelsDir: string;
  modelId: string;
  /** The experimental map (`x`, `y`), 6 × 7 pixels. */
  mapFile: string;
  ny: number;
  nx: number;
}

/** Runs the CLI with its stdout/stderr kept (returned), not printed. */
async function quietMain(args: string[]): Promise<{ code: number; out: string }> {
  const write = { out: process.stdout.write, err: process.stderr.write };
  let out = '';
  process.stdout.write = ((s: string | Uint8Array) => (
    (out += String(s)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (
    (out += String(s)),
    true
  )) as typeof process.stderr.write;
  try {
    return { code: await main(['node', 'bragg', ...args]), out };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

/** Simulates, trains (3 epochs of a 2-layer CNN) and writes the map, all under `dir`. */
export async function makePhaseFixture(dir: string): Promise<PhaseFixture> {
  await simulatePhaseDataset(
    {
      name: 'web',
      seeds: [1],
      phases: PHASES,
      orientations: { count: 40 },
      chunkSize: 20,
      ...SMALL,
    },
    structures,
    join(dir, 'data'),
    inlineExecutor(),
  );
  const modelsDir = join(dir, 'models');
  const r = await quietMain([
    'phase',
    'train',
    '--data',
    join(dir, 'data'),
    '--epochs',
    '3',
    '--batch-size',
    '16',
    '-o',
    modelsDir,
    '--depth',
    '2',
    '--width',
    '8',
    '--dense',
    '16',
    '--kernel-size',
    '4',
    '--backend',
    'wasm',
    '--threads',
    '2',
  ]);
  if (r.code !== 0) throw new Error(`bragg phase train failed (${r.code}): ${r.out.slice(-2000)}`);
  const [modelId] = await readdir(modelsDir);
  if (!modelId) throw new Error(`no model in ${modelsDir}`);
  const ny = 6;
  const nx = 7;
  const map = await syntheticPhaseMap({
    phases: PHASES,
    ny,
    nx,
    seed: 77,
    sweep: {
      ...SMALL,
      postprocessing: { ...SMALL.postprocessing, qAxis: { start: 0.09, stop: 1.4, points: 60 } },
    },
  });
  const mapFile = join(dir, 'maps', 'scan_1d.npz');
  await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'maps'), { recursive: true }));
  await writeExperimentalNpz(mapFile, map.q, map.y, ny, nx);
  return { modelsDir, modelId, mapFile, ny, nx };
}
