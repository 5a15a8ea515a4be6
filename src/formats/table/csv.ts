/**
 * CSV tables (RFC 4180): `,` or `;` (or tab) detected from the header line, quoted fields with
 * `""` escapes and line breaks, CRLF or LF, a UTF-8 BOM skipped; typed columns: `number` (NaN
 * for empty cells; `nan`, `inf`, `-inf` accepted), `bool` (`true`/`false`, any case; null for
 * empty), otherwise `string`. Empty header cells are named `Unnamed: <i>` and repeated names
 * get `.1`, `.2` suffixes, as pandas does (pandas' `to_csv` writes an unnamed index column).
 * Source: RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180).
 */
import { FormatError, ValidationError } from '../../core/errors.js';
import { readText, withSource } from '../../core/source.js';
import type { SourceInput, SourceOptions } from '../../core/source.js';

export type Column =
  | { name: string; type: 'number'; values: Float64Array }
  | { name: string; type: 'bool'; values: (boolean | null)[] }
  | { name: string; type: 'string'; values: string[] };

export type ColumnType = Column['type'];

export interface Table {
  columns: Column[];
  rowCount: number;
  delimiter: string;
}

export interface CsvOptions {
  /** Field delimiter; default: detected from the header line (`,`, `;` or tab). */
  delimiter?: string;
  /** File name for errors. */
  file?: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  nan: NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
};

function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Split CSV text into records of raw fields (quotes removed) with their 1-based line numbers. */
function records(text: string, delim: string, file?: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const blank = text[i] === '\n' || text[i] === '\r';
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) {
            throw new FormatError('CSV', 'unterminated quoted field', {
              file,
              path: `line ${start}`,
              expected: 'a closing "',
            });
          }
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== delim && next !== '\n' && next !== '\r') {
          throw new FormatError('CSV', 'unexpected character after a closing quote', {
            file,
            path: `line ${line}`,
            expected: `'${delim === '\t' ? '\\t' : delim}' or end of line`,
            found: JSON.stringify(next),
          });
        }
      } else {
        let j = i;
        while (j < n && text[j] !== delim && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j).trim();
        i = j;
      }
      fields.push(field);
      if (text[i] === delim) {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (!blank) out.push({ line: start, fields });
  }
  return out;
}

function typed(name: string, cells: string[]): Column {
  const nonEmpty = cells.filter((c) => c !== '');
  if (nonEmpty.length > 0 && nonEmpty.every((c) => NUMBER.test(c) || c.toLowerCase() in SPECIAL)) {
    const values = Float64Array.from(cells, (c) =>
      c === '' ? NaN : (SPECIAL[c.toLowerCase()] ?? Number(c)),
    );
    return { name, type: 'number', values };
  }
  if (nonEmpty.length > 0 && nonEmpty.every((c) => /^(true|false)$/i.test(c))) {
    return {
      name,
      type: 'bool',
      values: cells.map((c) => (c === '' ? null : c.toLowerCase() === 'true')),
    };
  }
  return { name, type: 'string', values: cells };
}

/** Parse CSV text into a typed table. */
export function parseCsv(text: string, o: CsvOptions = {}): Table {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delim = o.delimiter ?? detectDelimiter(body);
  const recs = records(body, delim, o.file);
  const head = recs[0];
  if (head === undefined)
    throw new FormatError('CSV', 'empty table', { file: o.file, expected: 'a header line' });
  const seen = new Map<string, number>();
  const names = head.fields.map((raw, i) => {
    const base = raw === '' ? `Unnamed: ${i}` : raw;
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    return k === 0 ? base : `${base}.${k}`;
  });
  const cells: string[][] = names.map(() => []);
  for (const r of recs.slice(1)) {
    if (r.fields.length !== names.length) {
      throw new FormatError('CSV', 'row has the wrong number of fields', {
        file: o.file,
        path: `line ${r.line}`,
        expected: `${names.length} fields (${names.join(delim)})`,
        found: `${r.fields.length}`,
      });
    }
    r.fields.forEach((f, i) => cells[i]!.push(f));
  }
  return {
    columns: names.map((nm, i) => typed(nm, cells[i]!)),
    rowCount: recs.length - 1,
    delimiter: delim,
  };
}

/** Read and parse a CSV file from a path, bytes or a stream (src/core/source.ts). */
export async function readCsv(
  input: SourceInput,
  o: Omit<CsvOptions, 'file'> & SourceOptions = {},
): Promise<Table> {
  const { maxBytes, ...csv } = o;
  return withSource(
    input,
    (s) => parseCsv(readText(s, 'CSV'), { ...csv, file: s.name }),
    maxBytes === undefined ? {} : { maxBytes },
  );
}

/**
 * Throw a ValidationError naming every missing column (and the columns the table has) unless
 * the table has all of `names`.
 */
export function requireColumns(table: Table, names: readonly string[]): void {
  const have = new Set(table.columns.map((c) => c.name));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw new ValidationError(
      `missing column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; the table has ${[...have].join(', ') || 'no columns'}`,
      'columns',
    );
  }
}

/** A column by name (ValidationError if absent). */
export function column(table: Table, name: string): Column {
  const c = table.columns.find((x) => x.name === name);
  if (c === undefined) requireColumns(table, [name]);
  return c!;
}

/** A numeric column's values (ValidationError if absent or not numeric). */
export function numberColumn(table: Table, name: string): Float64Array {
  const c = column(table, name);
  if (c.type !== 'number') {
    const bad = (c.values as (string | boolean | null)[]).find(
      (v) => v !== '' && v !== null && !NUMBER.test(String(v)),
    );
    throw new ValidationError(`column is not numeric (e.g. ${JSON.stringify(bad)})`, name);
  }
  return c.values;
}

/** A column's values as text (numbers and bools formatted). */
export function stringColumn(table: Table, name: string): string[] {
  const c = column(table, name);
  if (c.type === 'string') return c.values;
  return Array.from(c.values as ArrayLike<number | boolean | null>, (v) =>
    v === null || Number.isNaN(v) ? '' : String(v),
  );
}

/** CSV text for a table (RFC 4180 quoting; numbers as JavaScript writes them, NaN as empty). */
export function formatCsv(table: Table, delimiter = table.delimiter): string {
  const quote = (s: string): string =>
    s.includes(delimiter) ||
    s.includes('"') ||
    s.includes('\n') ||
    s.includes('\r') ||
    s !== s.trim()
      ? `"${s.replace(/"/g, '""')}"`
      : s;
  const lines = [table.columns.map((c) => quote(c.name)).join(delimiter)];
  for (let r = 0; r < table.rowCount; r++) {
    lines.push(
      table.columns
        .map((c) => {
          const v = c.values[r];
          if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)))
            return '';
          if (typeof v === 'number' && !Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
          return quote(String(v));
        })
        .join(delimiter),
    );
  }
  return `${lines.join('\n')}\n`;
}
