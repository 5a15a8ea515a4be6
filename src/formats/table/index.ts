/** Public API of CSV tables. */
export {
  column,
  formatCsv,
  numberColumn,
  parseCsv,
  readCsv,
  requireColumns,
  stringColumn,
} from './csv.js';
export type { Column, ColumnType, CsvOptions, Table } from './csv.js';
export { csvReader } from './reader.js';
