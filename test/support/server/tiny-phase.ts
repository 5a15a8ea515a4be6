/**
 * A tiny phase model for route tests, made the way users make one: a phase dataset from the
 * sweep pipeline (2 phases × 24 orientations, 128 px detector, inline executor), one short
 * training of a small 1D CNN on the wasm backend, and a 4 × 5 "measured" map of the same
 * phases written in the seed's npz contract.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../../src/core/paths.js';
import { initBackend } from '../../../src/ml/backend/select.js';
import {
  simulatePhaseDataset,
  writeExperimentalNpz,
} from '../../../src/workflows/phase/demo-data.js';
import { syntheticPhaseMap } from '../../../src/workflows/phase/synthetic.js';
import { trainPhaseModel, type PhaseTrainResult } from '../../../src/workflows/phase/train.js';
import { inlineExecutor } from '../jobs/executors.js';

const structures = join(packageRoot(), 'data', 'structures');
export const TINY_PHASES = [
  { name: 'au', cif: join(structures, 'au.cif') },
  { name: 'pbi2-2h', cif: join(structures, 'pbi2-2h.cif') },
];
// 128 px at 4 × the seed's calibration: bins 3…39 span 0.10…1.32 Å⁻¹ like the seed's crop.
export const TINY_SWEEP = {
  detector: { size: 128 },
  calibration: { value: 0.0235, jitterPercent: 3 },
  postprocessing: { cropPx: [3, 40] as [number, number] },
};
export const TINY_ARCHITECTURE = { depth: 2, filters: 8, dense: 16, kernelSize: 4 };

/** Simulates the tiny dataset into `dir`. */
export async function tinyPhaseDataset(dir: string): Promise<string> {
  await simulatePhaseDataset(
    { name: 'tiny', seeds: [1], phases: TINY_PHASES, orientations: { count: 24 }, chunkSize: 12, ...TINY_SWEEP }, // prettier-ignore
    structures,
    dir,
    inlineExecutor(),
  );
  return dir;
}

/** Trains the tiny model from a dataset in `dataDir` into `<modelsDir>/<id>`. */
export async function tinyPhaseModel(
  dataDir: string,
  modelsDir: string,
): Promise<PhaseTrainResult> {
  await initBackend({ backend: 'wasm', threads: 2 });
  return trainPhaseModel({
    data: dataDir,
    outDir: modelsDir,
    epochs: 2,
    batchSize: 16,
    architecture: TINY_ARCHITECTURE,
  });
}

/** Writes a 4 × 5 map of the tiny phases (on another q-axis) as `<dir>/<name>.npz`; returns its bytes. */
export async function tinyPhaseMap(dir: string, name = 'scan'): Promise<Uint8Array> {
  const map = await syntheticPhaseMap({
    phases: TINY_PHASES,
    ny: 4,
    nx: 5,
    seed: 7,
    sweep: {
      ...TINY_SWEEP,
      postprocessing: {
        ...TINY_SWEEP.postprocessing,
        qAxis: { start: 0.09, stop: 1.4, points: 50 },
      },
    },
  });
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.npz`);
  await writeExperimentalNpz(file, map.q, map.y, map.ny, map.nx);
  return new Uint8Array(await readFile(file));
}

/** Copies the tiny phases' CIFs into `dir` as `<phase>.cif`. */
export async function tinyPhaseCifs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const p of TINY_PHASES) await copyFile(p.cif, join(dir, `${p.name}.cif`));
}
