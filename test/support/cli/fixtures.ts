/**
 * Small inputs for tests that run `bragg` as a child process: a tiny phase sweep (the one of
 * test/support/jobs/sweep.ts at 96 px), a tiny PACBED dataset config (one rutile cell, 2×2
 * probe positions, 16 px images: a second per shard), and a 3 × 3 "measured" phase map of the
 * sweep's phases.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../../src/core/paths.js';
import { writeExperimentalNpz } from '../../../src/workflows/phase/demo-data.js';
import { syntheticPhaseMap } from '../../../src/workflows/phase/synthetic.js';
import { writeSmallSweep } from '../jobs/sweep.js';

/** A small 1D CNN that fits the 96 px sweep's profiles (`bragg phase train` flags). */
export const TINY_ARCH = ['--depth', '2', '--width', '8', '--dense', '16', '--kernel-size', '4'];

/** The sweep's detector: 96 px (profiles of 35 points). */
const DETECTOR = { size: 128 };

/** Writes the tiny sweep (2 seeds × 3 classes × 2 blocks = 12 shards of 3 patterns) into `dir`. */
export function writeTinySweep(dir: string, count = 6): Promise<string> {
  return writeSmallSweep(dir, { count, chunk: 3, size: DETECTOR.size });
}

/** Writes a PACBED dataset config of 3 shards (2 images each) into `dir`; returns its path. */
export async function writeTinyPacbedConfig(dir: string): Promise<string> {
  const cif = join(packageRoot(), 'data', 'structures', 'rutile.cif');
  const path = join(dir, 'pacbed-tiny.yaml');
  await writeFile(
    path,
    `name: tiny
material: Rutile
cif: ${cif}
zone: [0, 0, 1]
kv: 80
thicknesses: {start: 10, stop: 20, step: 10}
mistilts: [0, 2]
azimuths: [0, 90]
convergenceAngles: [20]
seed: 3
simulation:
  sampling: 0.15
  extent: 4.6
  scan: 2
output:
  dir: pacbed-out
  format: npy
  size: 16
  resize: bilinear
`,
  );
  return path;
}

/**
 * Writes `<dir>/maps/scan.npz`: a 3 × 3 map of the sweep's phases (au, cspbbr3) as the seed's
 * pre-processing writes one (`x` q-axis, `y` (ny, nx, nq)); returns its path.
 */
export async function writeTinyMap(dir: string): Promise<string> {
  const map = await syntheticPhaseMap({
    phases: [
      { name: 'au', cif: join(dir, 'au.cif') },
      { name: 'cspbbr3', cif: join(dir, 'cspbbr3.cif') },
    ],
    ny: 3,
    nx: 3,
    seed: 5,
    sweep: { detector: DETECTOR },
  });
  await mkdir(join(dir, 'maps'), { recursive: true });
  const file = join(dir, 'maps', 'scan.npz');
  await writeExperimentalNpz(file, map.q, map.y, map.ny, map.nx);
  return file;
}
