/**
 * Experimental phase maps (DESIGN.md): a file with `x` (nq,) the q-axis [Å⁻¹] and `y`
 * (ny, nx, nq) the radial profiles, as `.npz` (the seed's `np.savez(x=…, y=…)`) or HDF5
 * (datasets `x` and `y` at the root, or other names given by the caller).
 */
import { basename, extname } from 'node:path';
import { FormatError, ValidationError } from '../../core/errors.js';
import { toFloat32, toFloat64 } from '../../core/ndarray.js';
import { openAny } from '../../formats/registry.js';

export interface ExperimentalMap {
  file: string;
  /** File name without extension and without a trailing `_1d`… kept as is: the seed pairs predictions by it. */
  name: string;
  q: Float64Array;
  /** (ny·nx·nq) row-major profiles. */
  y: Float32Array;
  ny: number;
  nx: number;
  nq: number;
}

export interface MapKeys {
  x?: string;
  y?: string;
}

/** The experimental name of a file: its base name without extension (`scan_1d.npz` → `scan_1d`). */
export function experimentName(file: string): string {
  return basename(file, extname(file));
}

export async function readExperimentalMap(
  file: string,
  keys: MapKeys = {},
): Promise<ExperimentalMap> {
  const xKey = keys.x ?? 'x';
  const yKey = keys.y ?? 'y';
  const f = await openAny(file);
  try {
    const find = (k: string) => {
      const d = f.datasets.find((s) => s.name.replace(/^\/+/, '') === k.replace(/^\/+/, ''));
      if (!d) {
        throw new FormatError(f.format, `no dataset '${k}'`, {
          file,
          expected: `'${xKey}' (q-axis, Å⁻¹) and '${yKey}' (ny, nx, nq profiles)`,
          found:
            f.datasets.map((s) => `'${s.name}' [${s.shape.join(', ')}]`).join(', ') ||
            'no datasets',
        });
      }
      return d;
    };
    const xi = find(xKey);
    const yi = find(yKey);
    if (xi.shape.length !== 1 || xi.shape[0]! < 2) {
      throw new ValidationError(
        `the q-axis '${xKey}' must be 1-D with ≥ 2 points, got shape [${xi.shape.join(', ')}] in ${file}`,
        xKey,
      );
    }
    const nq = xi.shape[0]!;
    if (yi.shape.length !== 3 || yi.shape[2] !== nq || yi.shape[0]! < 1 || yi.shape[1]! < 1) {
      throw new ValidationError(
        `the profiles '${yKey}' must have shape (ny, nx, ${nq}) to match '${xKey}', got [${yi.shape.join(', ')}] in ${file}`,
        yKey,
      );
    }
    const q = toFloat64((await f.read(xi.name)).array);
    const ya = (await f.read(yi.name)).array;
    const y = ya.dtype === 'float32' ? (ya.data as Float32Array) : toFloat32(ya);
    return { file, name: experimentName(file), q, y, ny: yi.shape[0]!, nx: yi.shape[1]!, nq };
  } finally {
    await f.close();
  }
}
