/**
 * The 530 Hall settings of the 230 space-group types, as data (`settings.json`, with its
 * source), plus the facts derived from the number alone: point group, Laue class, crystal
 * system and the order of the point group.
 */
import { ValidationError } from '../../core/errors.js';
import settingsJson from './settings.json' with { type: 'json' };

export interface SettingRow {
  /** 1..530, the row of the table (spglib "Hall number"). */
  hallNumber: number;
  /** International Tables number, 1..230. */
  number: number;
  /** Setting: '' standard only, '1'/'2' origin choice, 'H'/'R' axes, 'b1'…, 'cab'…, '1cab'… */
  choice: string;
  hall: string;
  /** Hermann–Mauguin names of the setting (first is the short name of the type). */
  names: string[];
  /** Full Hermann–Mauguin symbol (for monoclinic settings, the extended setting symbol). */
  full: string;
  schoenflies: string;
}

type RawRow = [number, number, string, string, string, string, string];

export const SETTINGS: readonly SettingRow[] = (settingsJson.rows as RawRow[]).map(
  ([hallNumber, number, choice, hall, hm, full, schoenflies]) => ({
    hallNumber,
    number,
    choice,
    hall,
    names: hm.split(' = ').map((s) => s.trim()),
    full,
    schoenflies,
  }),
);

export const SETTINGS_SOURCE: string = settingsJson.source;

/** Point groups and the space-group numbers of each (ITA Vol. A, Table 2.1.2.1 order). */
const POINT_GROUPS: readonly [number, string, number][] = [
  // [last space-group number, point group, order]
  [1, '1', 1],
  [2, '-1', 2],
  [5, '2', 2],
  [9, 'm', 2],
  [15, '2/m', 4],
  [24, '222', 4],
  [46, 'mm2', 4],
  [74, 'mmm', 8],
  [80, '4', 4],
  [82, '-4', 4],
  [88, '4/m', 8],
  [98, '422', 8],
  [110, '4mm', 8],
  [122, '-42m', 8],
  [142, '4/mmm', 16],
  [146, '3', 3],
  [148, '-3', 6],
  [155, '32', 6],
  [161, '3m', 6],
  [167, '-3m', 12],
  [173, '6', 6],
  [174, '-6', 6],
  [176, '6/m', 12],
  [182, '622', 12],
  [186, '6mm', 12],
  [190, '-6m2', 12],
  [194, '6/mmm', 24],
  [199, '23', 12],
  [206, 'm-3', 24],
  [214, '432', 24],
  [220, '-43m', 24],
  [230, 'm-3m', 48],
];

const LAUE: Record<string, string> = {
  '1': '-1',
  '-1': '-1',
  '2': '2/m',
  m: '2/m',
  '2/m': '2/m',
  '222': 'mmm',
  mm2: 'mmm',
  mmm: 'mmm',
  '4': '4/m',
  '-4': '4/m',
  '4/m': '4/m',
  '422': '4/mmm',
  '4mm': '4/mmm',
  '-42m': '4/mmm',
  '4/mmm': '4/mmm',
  '3': '-3',
  '-3': '-3',
  '32': '-3m',
  '3m': '-3m',
  '-3m': '-3m',
  '6': '6/m',
  '-6': '6/m',
  '6/m': '6/m',
  '622': '6/mmm',
  '6mm': '6/mmm',
  '-6m2': '6/mmm',
  '6/mmm': '6/mmm',
  '23': 'm-3',
  'm-3': 'm-3',
  '432': 'm-3m',
  '-43m': 'm-3m',
  'm-3m': 'm-3m',
};

export interface NumberFacts {
  pointGroup: string;
  pointGroupOrder: number;
  laueClass: string;
  crystalSystem: string;
}

export function crystalSystemOfNumber(n: number): string {
  if (n <= 2) return 'triclinic';
  if (n <= 15) return 'monoclinic';
  if (n <= 74) return 'orthorhombic';
  if (n <= 142) return 'tetragonal';
  if (n <= 167) return 'trigonal';
  if (n <= 194) return 'hexagonal';
  return 'cubic';
}

/** Point group, Laue class and crystal system of space-group type `n` (1..230). */
export function factsOfNumber(n: number): NumberFacts {
  const row = POINT_GROUPS.find(([last]) => n <= last);
  if (!row || n < 1 || !Number.isInteger(n)) {
    throw new ValidationError(`must be an integer in 1..230, got ${n}`, 'space-group number');
  }
  return {
    pointGroup: row[1],
    pointGroupOrder: row[2],
    laueClass: LAUE[row[1]]!,
    crystalSystem: crystalSystemOfNumber(n),
  };
}

export function laueClassOf(pointGroup: string): string {
  return LAUE[pointGroup] ?? 'unknown';
}

/** Number of lattice points per conventional cell for a lattice letter. */
export function centringMultiplicity(letter: string): number {
  switch (letter) {
    case 'P':
      return 1;
    case 'A':
    case 'B':
    case 'C':
    case 'I':
      return 2;
    case 'R':
    case 'S':
    case 'T':
      return 3;
    case 'F':
      return 4;
    default:
      return 0;
  }
}
