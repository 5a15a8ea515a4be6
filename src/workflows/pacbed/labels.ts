/**
 * The PACBED CNNs are classifiers (STUDY.md §1.2): the classes of a target are the sorted
 * unique values of its table column (thickness [Å], mistilt [mrad]) or, for the scale CNN, the
 * seed's fixed list of zoom factors. A label table — `Thickness / A,Index` (or `Mistilt /
 * mrad`, `Scale / []`), one row per class — is saved with every model, as the seed does.
 */
import { FormatError, ValidationError } from '../../core/errors.js';
import { parseCsv } from '../../formats/table/csv.js';

export const PACBED_TARGETS = ['thickness', 'mistilt', 'scale'] as const;
export type PacbedTarget = (typeof PACBED_TARGETS)[number];

/** The label-table column of each target, as the seed names it. */
export const LABEL_COLUMN: Record<PacbedTarget, string> = {
  thickness: 'Thickness / A',
  mistilt: 'Mistilt / mrad',
  scale: 'Scale / []',
};

/** The unit of each target's values. */
export const TARGET_UNIT: Record<PacbedTarget, string> = {
  thickness: 'Å',
  mistilt: 'mrad',
  scale: '',
};

/** The seed notebook's scale classes (zoom factors of the scale CNN). */
export const SCALE_LABELS: readonly number[] = [
  0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.2, 1.4, 1.5, 1.6, 1.7, 1.8,
];

export const LABELS_FILE = 'labels.csv';

export function isTarget(v: string): v is PacbedTarget {
  return (PACBED_TARGETS as readonly string[]).includes(v);
}

export function parseTarget(v: string, field = 'target'): PacbedTarget {
  const t = v.toLowerCase();
  if (!isTarget(t)) {
    throw new ValidationError(`expected ${PACBED_TARGETS.join(' | ')}, got '${v}'`, field);
  }
  return t;
}

/** Sorted unique finite values (the classes); at least two. */
export function labelValues(values: ArrayLike<number>, field: string): number[] {
  const set = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new ValidationError(`row ${i + 1} is ${v}`, field);
    set.add(v);
  }
  const out = [...set].sort((a, b) => a - b);
  if (out.length < 2) {
    throw new ValidationError(
      `a classifier needs at least two distinct values; the table has ${out.join(', ') || 'none'}`,
      field,
    );
  }
  return out;
}

/** Class index of `v` among `labels` (exact, as the table holds them). */
export function classIndex(labels: readonly number[], v: number): number {
  const i = labels.indexOf(v);
  if (i < 0) throw new ValidationError(`${v} is not a class (${labels.join(', ')})`, 'label');
  return i;
}

/** The label table as CSV text: header `<column>,Index`, then `value,index` per class. */
export function formatLabelTable(target: PacbedTarget, labels: readonly number[]): string {
  return [`${LABEL_COLUMN[target]},Index`, ...labels.map((v, i) => `${v},${i}`)].join('\n') + '\n';
}

/** Parse a label table written by bragg or the seed (a leading pandas index column is fine). */
export function parseLabelTable(
  text: string,
  file: string,
): { target: PacbedTarget; labels: number[] } {
  const t = parseCsv(text, { file });
  const entry = PACBED_TARGETS.map((k) => [k, LABEL_COLUMN[k]] as const).find(([, c]) =>
    t.columns.some((x) => x.name === c),
  );
  const index = t.columns.find((c) => c.name === 'Index');
  if (entry === undefined || index === undefined || index.type !== 'number') {
    throw new FormatError('PACBED label table', 'not a label table', {
      file,
      expected: `a column ${Object.values(LABEL_COLUMN).join(' | ')} and a numeric Index`,
      found: t.columns.map((c) => c.name).join(', '),
    });
  }
  const col = t.columns.find((c) => c.name === entry[1])!;
  if (col.type !== 'number') {
    throw new FormatError('PACBED label table', 'label values are not numbers', {
      file,
      path: entry[1],
    });
  }
  const labels = new Array<number>(t.rowCount);
  for (let r = 0; r < t.rowCount; r++) {
    const i = index.values[r]!;
    if (!(Number.isInteger(i) && i >= 0 && i < t.rowCount)) {
      throw new FormatError('PACBED label table', 'Index is not 0…n−1', {
        file,
        path: `row ${r + 1}`,
        found: String(i),
      });
    }
    labels[i] = col.values[r]!;
  }
  return { target: entry[0], labels };
}
