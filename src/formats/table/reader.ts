/**
 * CSV as a registered format: one dataset per column (numbers → float64, NaN for empty cells;
 * bools → bool, empty as false with the count in `missing`; text → string), axis `row`.
 * There is no default dataset: a table is many columns.
 */
import type { DataArray } from '../../core/data-array.js';
import { NotFoundError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import { ndarray } from '../../core/ndarray.js';
import { uncalibratedAxis } from '../../core/axes.js';
import { inputName } from '../../core/source.js';
import type { SourceInput, SourceOptions } from '../../core/source.js';
import { select } from '../npy/reader.js';
import type { ArrayInfo, FormatReader, OpenedFile } from '../types.js';
import type { Column } from './csv.js';
import { readCsv } from './csv.js';

function toArray(c: Column): NDArray {
  switch (c.type) {
    case 'number':
      return ndarray('float64', [c.values.length], c.values);
    case 'bool':
      return ndarray(
        'bool',
        [c.values.length],
        Uint8Array.from(c.values, (v) => (v ? 1 : 0)),
      );
    case 'string':
      return ndarray('string', [c.values.length], c.values);
  }
}

async function openCsv(input: SourceInput, options?: SourceOptions): Promise<OpenedFile> {
  const table = await readCsv(input, options);
  const path = inputName(input);
  const infos: ArrayInfo[] = table.columns.map((c) => {
    const a = toArray(c);
    const missing =
      c.type === 'number'
        ? c.values.filter(Number.isNaN).length
        : c.type === 'bool'
          ? c.values.filter((v) => v === null).length
          : c.values.filter((v) => v === '').length;
    return {
      name: c.name,
      shape: [...a.shape],
      dtype: a.dtype,
      axes: [uncalibratedAxis('row', table.rowCount)],
      metadata: { columnType: c.type, missing },
    };
  });
  return {
    format: 'csv',
    path,
    datasets: infos,
    metadata: {
      delimiter: table.delimiter,
      rows: table.rowCount,
      columns: table.columns.map((c) => c.name),
    },
    defaultDataset: undefined,
    async read(name, sel): Promise<DataArray> {
      const i = table.columns.findIndex((c) => c.name === name);
      if (i < 0)
        throw new NotFoundError(
          `${path}: no column '${name}'; columns: ${table.columns.map((c) => c.name).join(', ')}`,
        );
      const a = select(toArray(table.columns[i]!), sel);
      return {
        name,
        array: a,
        axes: [{ ...infos[i]!.axes[0]!, size: a.shape[0] ?? 0 }].slice(0, a.shape.length),
        metadata: infos[i]!.metadata,
      };
    },
    async close() {},
  };
}

export const csvReader: FormatReader = {
  id: 'csv',
  extensions: ['csv'],
  sniff: () => false,
  open: openCsv,
};
