/**
 * CSV tables: delimiter detection, RFC 4180 quoting, typed columns, required-column checks,
 * agreement with Python's csv module, round trips and bad input.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError, ValidationError } from '../../core/errors.js';
import { createRng } from '../../core/rng.js';
import { openAny } from '../registry.js';
import { formatCsv, numberColumn, parseCsv, requireColumns, stringColumn } from './csv.js';

// The PACBED training table as the seed's simulation script writes it with pandas
// (`df.to_csv(sep=';')`: an unnamed index column first), see shared/seeds/STUDY.md §1.4.
const PACBED = [
  ';Path;Thickness;Mistilt;Conv_Angle;Electron_Energy;Azimuth;Direction;Material',
  '0;Tilt_0_Azimuth_0_Conv_Angle_20/0010_Angstrom.tif;10;0.0;20;300;0;[0, 0, 1];Rutile',
  '1;Tilt_0_Azimuth_0_Conv_Angle_20/0020_Angstrom.tif;20;0.0;20;300;0;[0, 0, 1];Rutile',
  '2;"Tilt_1_Azimuth_785_Conv_Angle_20/0010_Angstrom.tif";10;1.0;20;300;785;[0, 0, 1];Rutile',
].join('\r\n');

describe('CSV parsing', () => {
  it('reads the PACBED table: ; detected, typed columns, pandas index column named', () => {
    const t = parseCsv(PACBED);
    expect(t.delimiter).toBe(';');
    expect(t.rowCount).toBe(3);
    expect(t.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'Unnamed: 0:number',
      'Path:string',
      'Thickness:number',
      'Mistilt:number',
      'Conv_Angle:number',
      'Electron_Energy:number',
      'Azimuth:number',
      'Direction:string',
      'Material:string',
    ]);
    expect(Array.from(numberColumn(t, 'Thickness'))).toEqual([10, 20, 10]);
    expect(Array.from(numberColumn(t, 'Mistilt'))).toEqual([0, 0, 1]);
    expect(stringColumn(t, 'Path')[2]).toBe('Tilt_1_Azimuth_785_Conv_Angle_20/0010_Angstrom.tif');
    expect(stringColumn(t, 'Direction')[0]).toBe('[0, 0, 1]');
    expect(() => requireColumns(t, ['Path', 'Thickness', 'Mistilt', 'Conv_Angle'])).not.toThrow();
  });

  it('requireColumns names every missing column and what the table has', () => {
    const t = parseCsv('Path,Thickness\na.tif,10\n');
    try {
      requireColumns(t, ['Path', 'Thickness', 'Mistilt', 'Conv_Angle']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toBe(
        'columns: missing columns Mistilt, Conv_Angle; the table has Path, Thickness',
      );
    }
  });

  it('quoted fields: delimiters, doubled quotes and line breaks inside; , detected', () => {
    const t = parseCsv('name,note,ok\n"a,b","say ""hi""",TRUE\n"multi\nline",,false\nx, y ,\n');
    expect(t.delimiter).toBe(',');
    expect(t.columns[0]!.values).toEqual(['a,b', 'multi\nline', 'x']);
    expect(t.columns[1]!.values).toEqual(['say "hi"', '', 'y']);
    expect(t.columns[2]).toEqual({ name: 'ok', type: 'bool', values: [true, false, null] });
  });

  it('numbers: exponents, signs, nan/inf, empty cells as NaN; mixed columns stay strings', () => {
    const t = parseCsv('a;b\n1e-3;x\n-.5;2\nnan;\n+inf;3\n;4\n');
    expect(Array.from(numberColumn(t, 'a'))).toEqual([0.001, -0.5, NaN, Infinity, NaN]);
    expect(t.columns[1]!.type).toBe('string');
    expect(() => numberColumn(t, 'b')).toThrow(/b: column is not numeric \(e\.g\. "x"\)/);
  });

  it('skips a BOM and blank lines, renames duplicate headers like pandas', () => {
    const t = parseCsv('\ufeffa,a,b\n\n1,2,3\n\n');
    expect(t.columns.map((c) => c.name)).toEqual(['a', 'a.1', 'b']);
    expect(t.rowCount).toBe(1);
  });

  it('bad input gives FormatErrors with the line number', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(/line 3.*|wrong number of fields/);
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(/unterminated quoted field/);
    expect(() => parseCsv('a,b\n"1"x,2\n')).toThrow(/after a closing quote/);
    expect(() => parseCsv('')).toThrow(/empty table/);
    try {
      parseCsv('a,b\n1,2\n3\n', { file: 't.csv' });
    } catch (err) {
      expect((err as FormatError).path).toBe('line 3');
      expect((err as FormatError).file).toBe('t.csv');
    }
  });

  it('format → parse round-trips any table of strings (fast-check)', () => {
    const cell = fc.string({
      unit: fc.constantFrom('a', 'b', ' ', ',', ';', '"', '\n', 'é', 'x'),
      maxLength: 6,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.array(cell, { minLength: 4, maxLength: 4 }), { maxLength: 5 }),
        fc.constantFrom(',', ';'),
        (k, rows, delim) => {
          const names = ['c0', 'c1', 'c2', 'c3'].slice(0, k);
          // cells that look numeric or boolean would be typed; keep them text by a prefix
          const cols = names.map((name, i) => ({
            name,
            type: 'string' as const,
            values: rows.map((r) => `s${r[i]!}`),
          }));
          const t = { columns: cols, rowCount: rows.length, delimiter: delim };
          const back = parseCsv(formatCsv(t), { delimiter: delim });
          expect(back.rowCount).toBe(rows.length);
          back.columns.forEach((c, i) => expect(c.values).toEqual(cols[i]!.values));
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });

  it('600 seeded random texts give a table or a FormatError, nothing else', () => {
    const rng = createRng(2024);
    const alphabet = ['a', '1', ',', ';', '"', '\n', '\r', ' ', '.', 'e', '-'];
    for (let k = 0; k < 600; k++) {
      let s = '';
      const n = rng.int(60);
      for (let i = 0; i < n; i++) s += rng.pick(alphabet);
      try {
        parseCsv(s);
      } catch (err) {
        expect(err).toBeInstanceOf(FormatError);
      }
    }
  });
});

const python = spawnSync('python3', ['-c', 'import csv'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!python)("agreement with Python's csv module", () => {
  it('fields written by csv.writer (QUOTE_MINIMAL and QUOTE_ALL) parse to the same values', () => {
    const rows = [
      ['Path', 'Thickness', 'Note'],
      ['a;b.tif', '12.5', 'he said "x"'],
      ['c\nd.tif', '-3', ''],
      ['e.tif', '1e3', 'commas, here'],
    ];
    for (const [quoting, delim] of [
      ['QUOTE_MINIMAL', ';'],
      ['QUOTE_ALL', ','],
    ] as const) {
      const r = spawnSync(
        'python3',
        [
          '-c',
          `import csv, sys, json; w = csv.writer(sys.stdout, delimiter='${delim}', quoting=csv.${quoting}); [w.writerow(r) for r in json.loads(sys.argv[1])]`,
          JSON.stringify(rows),
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const t = parseCsv(r.stdout);
      expect(t.delimiter).toBe(delim);
      expect(t.columns.map((c) => c.name)).toEqual(rows[0]);
      expect(stringColumn(t, 'Path')).toEqual(rows.slice(1).map((x) => x[0]));
      expect(Array.from(numberColumn(t, 'Thickness'))).toEqual([12.5, -3, 1000]);
      expect(stringColumn(t, 'Note')).toEqual(rows.slice(1).map((x) => x[2]));
    }
  });
});

describe('CSV through the format registry', () => {
  it('bragg opens a .csv as one dataset per column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bragg-csv-'));
    try {
      const p = join(dir, 'df.csv');
      writeFileSync(p, PACBED);
      const f = await openAny(p);
      expect(f.format).toBe('csv');
      expect(f.datasets.find((d) => d.name === 'Thickness')).toMatchObject({
        dtype: 'float64',
        shape: [3],
      });
      expect(f.datasets.find((d) => d.name === 'Path')).toMatchObject({
        dtype: 'string',
        shape: [3],
      });
      const th = await f.read('Thickness');
      expect(Array.from(th.array.data as Float64Array)).toEqual([10, 20, 10]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
