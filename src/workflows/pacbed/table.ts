/**
 * The PACBED training table (`bragg simulate pacbed-dataset` writes it; the seed's `df.csv`):
 * `;`-separated, `Path` (relative to the table's folder or absolute), `Thickness` [Å],
 * `Mistilt` [mrad], `Conv_Angle` [mrad], and — for registering the trained model —
 * `Electron_Energy` [V], `Direction` (`(u, v, w)`), `Material`.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import {
  numberColumn,
  readCsv,
  requireColumns,
  stringColumn,
  type Table,
} from '../../formats/table/csv.js';

export interface TrainingTable {
  file: string;
  /** Absolute image paths, one per row. */
  paths: string[];
  thickness: Float64Array;
  mistilt: Float64Array;
  convAngle: Float64Array;
  /** Mistilt azimuth [°] of each row (absent without an `Azimuth` column). */
  azimuth?: Float64Array;
  /** What the model is registered under (absent columns: undefined). */
  material?: string;
  kv?: number;
  zone?: [number, number, number];
  rows: number;
}

/** `(0, 0, 1)`, `[0 0 1]`, `0,0,1` or `001` → [u, v, w]. */
export function parseZone(s: string, field = 'zone'): [number, number, number] {
  const t = s.trim().replace(/^[([]|[)\]]$/g, '');
  const parts = /^[0-9]{3}$/.test(t) ? t.split('') : t.split(/[\s,;]+/).filter((x) => x !== '');
  const v = parts.map(Number);
  if (v.length !== 3 || !v.every(Number.isInteger)) {
    throw new ValidationError(`expected a zone axis u,v,w (integers), got '${s}'`, field);
  }
  return v as [number, number, number];
}

/** The one value of a column, or an error naming the values when rows disagree. */
function single<T>(values: readonly T[], field: string, key: (v: T) => string): T | undefined {
  if (values.length === 0) return undefined;
  const seen = new Map(values.map((v) => [key(v), v]));
  if (seen.size > 1) {
    throw new ValidationError(
      `one model is for one value; the table has ${[...seen.keys()].slice(0, 5).join(', ')}`,
      field,
    );
  }
  return values[0];
}

export function trainingTableFrom(t: Table, file: string): TrainingTable {
  requireColumns(t, ['Path', 'Thickness', 'Mistilt', 'Conv_Angle']);
  if (t.rowCount === 0) throw new ValidationError(`${file} has no rows`, 'table');
  const dir = dirname(resolve(file));
  const paths = stringColumn(t, 'Path').map((p) => (isAbsolute(p) ? p : resolve(dir, p)));
  const has = (c: string): boolean => t.columns.some((x) => x.name === c);
  const material = has('Material')
    ? single(stringColumn(t, 'Material'), 'Material', (v) => v)
    : undefined;
  const energy = has('Electron_Energy')
    ? single(Array.from(numberColumn(t, 'Electron_Energy')), 'Electron_Energy', String)
    : undefined;
  const zone = has('Direction')
    ? single(
        stringColumn(t, 'Direction').map((d) => parseZone(d, 'Direction')),
        'Direction',
        (z) => z.join(','),
      )
    : undefined;
  return {
    file: resolve(file),
    paths,
    thickness: numberColumn(t, 'Thickness'),
    mistilt: numberColumn(t, 'Mistilt'),
    convAngle: numberColumn(t, 'Conv_Angle'),
    ...(has('Azimuth') ? { azimuth: numberColumn(t, 'Azimuth') } : {}),
    ...(material !== undefined ? { material } : {}),
    // the seed's key: acceleration voltage [V] // 1000
    ...(energy !== undefined ? { kv: Math.floor(energy / 1000) } : {}),
    ...(zone !== undefined ? { zone } : {}),
    rows: t.rowCount,
  };
}

export async function readTrainingTable(file: string): Promise<TrainingTable> {
  return trainingTableFrom(await readCsv(file, { delimiter: ';' }), file);
}
