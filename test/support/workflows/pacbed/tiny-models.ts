/**
 * Tiny PACBED models for route and serve tests, without a multislice run: a training table of
 * 16 synthetic 16 px patterns (a bright disc whose radius follows the thickness and whose
 * centre follows the mistilt; Rutile, 80 kV, [0 0 1], convergence angles 19 and 21 mrad),
 * then the thickness and mistilt CNNs (`trainPacbedModel`, 1 epoch, wasm) registered in `root`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ndarray } from '../../../../src/core/ndarray.js';
import { writeNpy } from '../../../../src/formats/npy/npy.js';
import { initBackend } from '../../../../src/ml/backend/select.js';
import { trainPacbedModel } from '../../../../src/workflows/pacbed/train.js';

export const TINY_SIDE = 32;

/** A synthetic pattern: disc of radius 5 + thickness/10 px, shifted by the mistilt [px]. */
export function tinyPattern(thickness: number, mistilt: number, side = TINY_SIDE): Float32Array {
  const out = new Float32Array(side * side);
  const r = 5 + thickness / 10;
  const c = side / 2 + mistilt;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const d = Math.hypot(y - side / 2, x - c);
      out[y * side + x] = d <= r ? 100 + 10 * Math.cos(d) : 2;
    }
  }
  return out;
}

/** Writes the table (`<dir>/df.csv` + `images/`), trains and registers; returns the table path. */
export async function tinyPacbedModels(dir: string, root: string): Promise<string> {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const rows = ['Path;Thickness;Mistilt;Conv_Angle;Electron_Energy;Azimuth;Direction;Material'];
  let i = 0;
  for (const t of [10, 20]) {
    for (const m of [0, 1]) {
      for (const c of [19, 21]) {
        for (const az of [0, 1]) {
          const name = `images/p${i++}.npy`;
          const img = tinyPattern(t, m + 0.1 * az);
          writeFileSync(join(dir, name), writeNpy(ndarray('float32', [TINY_SIDE, TINY_SIDE], img)));
          rows.push(`${name};${t};${m};${c};80000;${az};(0, 0, 1);Rutile`);
        }
      }
    }
  }
  const table = join(dir, 'df.csv');
  writeFileSync(table, rows.join('\n') + '\n');
  await initBackend({ backend: 'wasm', threads: 2 });
  for (const target of ['thickness', 'mistilt'] as const) {
    await trainPacbedModel({
      table,
      target,
      modelsRoot: root,
      epochs: 1,
      batchSize: 8,
      valSplit: 0.25,
      size: 16,
    });
  }
  return table;
}
