/**
 * Space groups: the 230 types in all the settings a CIF names (530 Hall settings), their
 * operations generated from Hall symbols, lookup by Hermann–Mauguin symbol (new and old
 * style), by number and setting, and identification from a list of operations.
 */
import { ValidationError } from '../../core/errors.js';
import { operationsFromHall } from './hall.js';
import type { SymOp } from './symop.js';
import { closeGroup, determinant, opSetKey } from './symop.js';
import type { SettingRow } from './table.js';
import { SETTINGS, factsOfNumber, laueClassOf, crystalSystemOfNumber } from './table.js';

export type { SymOp } from './symop.js';
export {
  parseSymOp,
  formatSymOp,
  composeOps,
  applyOp,
  closeGroup,
  isClosed,
  opKey,
  wrapUnit,
} from './symop.js';
export { operationsFromHall, hallGenerators } from './hall.js';
export { SETTINGS, SETTINGS_SOURCE, factsOfNumber, centringMultiplicity } from './table.js';
export type { SettingRow } from './table.js';

export interface SpaceGroup {
  /** International Tables number 1..230; 0 when operations match no tabulated setting. */
  number: number;
  /** Hermann–Mauguin symbol of the setting as in the table (monoclinic: extended, `P 1 2_1/c 1`). */
  symbol: string;
  /** Hall symbol of the setting ('' when unidentified). */
  hall: string;
  /** Setting: origin choice `1`/`2`, axes `H`/`R`, `b1`, `cab`, ...; absent for the only setting. */
  setting?: string;
  /** All operations of the conventional cell (centring included). */
  operations: readonly SymOp[];
  laueClass: string;
  pointGroup: string;
  crystalSystem: string;
  /** Row 1..530 of the settings table, when identified. */
  hallNumber?: number;
  /** Full Hermann–Mauguin symbol, when identified (`P 4_2/m 2_1/n 2/m`). */
  fullSymbol?: string;
}

const opsCache = new Map<number, readonly SymOp[]>();

function operationsOf(row: SettingRow): readonly SymOp[] {
  let ops = opsCache.get(row.hallNumber);
  if (!ops) {
    ops = Object.freeze(operationsFromHall(row.hall));
    opsCache.set(row.hallNumber, ops);
  }
  return ops;
}

/** Hermann–Mauguin symbol of a row's setting: monoclinic settings by their extended symbol. */
function settingSymbol(row: SettingRow): string {
  return row.number >= 3 && row.number <= 15 ? row.full : row.names[0]!;
}

function fromRow(row: SettingRow): SpaceGroup {
  const facts = factsOfNumber(row.number);
  const sg: SpaceGroup = {
    number: row.number,
    symbol: settingSymbol(row),
    hall: row.hall.replace(/=/g, '"'),
    operations: operationsOf(row),
    laueClass: facts.laueClass,
    pointGroup: facts.pointGroup,
    crystalSystem: facts.crystalSystem,
    hallNumber: row.hallNumber,
    fullSymbol: row.full,
  };
  if (row.choice !== '') sg.setting = row.choice;
  return sg;
}

/** Canonical key of a symbol: no spaces, no underscores (`P 4_2/m n m` → `P42/mnm`). */
export function symbolKey(s: string): string {
  return s.replace(/[\s_]/g, '');
}

/** Old (pre-1983/2002) symbols still written in files, for the standard settings. */
const OLD_SYMBOLS: Record<string, number> = {
  'A b m 2': 39,
  'A b a 2': 41,
  'C m c a': 64,
  'C m m a': 67,
  'C c c a': 68,
};

let aliasIndex: Map<string, SettingRow[]> | undefined;

function addAlias(map: Map<string, SettingRow[]>, name: string, row: SettingRow): void {
  const key = symbolKey(name);
  if (key === '') return;
  const list = map.get(key);
  if (!list) map.set(key, [row]);
  else if (!list.includes(row)) list.push(row);
}

function aliases(): Map<string, SettingRow[]> {
  if (aliasIndex) return aliasIndex;
  const map = new Map<string, SettingRow[]>();
  for (const row of SETTINGS) {
    for (const n of row.names) addAlias(map, n, row);
    addAlias(map, row.full, row);
    if (row.number >= 3 && row.number <= 15) {
      // Short monoclinic symbol of the setting: drop the '1' positions (P 1 2_1/n 1 → P 2_1/n).
      const [lat, ...rest] = row.full.split(' ');
      addAlias(map, [lat, ...rest.filter((t) => t !== '1')].join(' '), row);
    }
    if (row.number >= 195) {
      // Old cubic symbols without the bar on 3 (F m 3 m, F d 3 m, I a 3 d, P m 3).
      for (const n of row.names) addAlias(map, n.replace('-3', '3'), row);
    }
  }
  for (const [name, num] of Object.entries(OLD_SYMBOLS)) {
    addAlias(
      map,
      name,
      SETTINGS.find((r) => r.number === num)!,
    );
  }
  aliasIndex = map;
  return map;
}

/** Setting suffixes: `:1`/`:2` origin choice (ICSD writes ` S`/` Z`), `:H`/`:R` axes. */
function parseSuffix(raw: string): { base: string; origin?: string } {
  const s = raw.trim();
  const colon = /^(.*?)\s*:\s*(\S+)$/.exec(s);
  const icsd = /^(.*\S)\s+([SZHR])$/.exec(s);
  const m = colon ?? icsd;
  if (!m) return { base: s };
  const suffix = m[2]!.toUpperCase();
  const map: Record<string, string> = { '1': '1', S: '1', '2': '2', Z: '2', H: 'H', R: 'R' };
  const origin = map[suffix];
  if (origin === undefined) {
    throw new ValidationError(
      `unknown setting suffix ':${m[2]}' in '${raw}'; known suffixes are :1, :2 (origin choice), :H, :R (hexagonal/rhombohedral axes); give monoclinic settings by their full symbol such as 'C 1 2 1' or 'P 1 1 2_1/b'`,
      'space group',
    );
  }
  return { base: m[1]!, origin };
}

function matchesOrigin(row: SettingRow, origin: string): boolean {
  return row.choice.toUpperCase().startsWith(origin);
}

/**
 * Space group from a Hermann–Mauguin symbol: `P 42/m n m`, `P4_2/mnm`, `F m -3 m`,
 * old style `F m 3 m`, `Fd-3m:2`, `F d -3 m S`, `R -3 m :R`, `P 1 21/c 1`, `P21/n`.
 * Without a suffix the ITA default is used: origin choice 1, hexagonal axes for R groups,
 * unique axis b / cell choice 1 for monoclinic short symbols.
 */
export function spaceGroupFromSymbol(symbol: string): SpaceGroup {
  const cleaned = symbol.trim().replace(/^['"]|['"]$/g, '');
  const { base, origin } = parseSuffix(cleaned);
  const key = symbolKey(base);
  const map = aliases();
  let rows = map.get(key);
  if (!rows) {
    const lower = key.toLowerCase();
    const hits = [...map.entries()].filter(([k]) => k.toLowerCase() === lower);
    if (hits.length === 1) rows = hits[0]![1];
  }
  if (!rows || rows.length === 0) {
    throw new ValidationError(`unknown Hermann–Mauguin symbol '${symbol}'`, 'space group');
  }
  let pick = rows;
  if (origin !== undefined) {
    pick = rows.filter((r) => matchesOrigin(r, origin));
    if (pick.length === 0) {
      throw new ValidationError(
        `'${symbol}': space group ${rows[0]!.number} (${settingSymbol(rows[0]!)}) has no setting '${origin}'`,
        'space group',
      );
    }
  }
  return fromRow(pick[0]!);
}

/**
 * Space group by International Tables number and optional setting (`1`, `2`, `H`, `R`,
 * `b1`, `c2`, `cab`, `ba-c`, `1cab`, ...); the first (ITA default) setting without one.
 */
export function spaceGroupFromNumber(n: number, setting?: string): SpaceGroup {
  if (!Number.isInteger(n) || n < 1 || n > 230) {
    throw new ValidationError(`must be an integer in 1..230, got ${n}`, 'space-group number');
  }
  const rows = SETTINGS.filter((r) => r.number === n);
  if (setting === undefined || setting === '') return fromRow(rows[0]!);
  const want = setting.trim();
  const exact = rows.find((r) => r.choice.toLowerCase() === want.toLowerCase());
  if (exact) return fromRow(exact);
  const byOrigin = rows.find((r) => matchesOrigin(r, want.toUpperCase()));
  if (byOrigin && /^[12HR]$/i.test(want)) return fromRow(byOrigin);
  throw new ValidationError(
    `space group ${n} has no setting '${setting}'; settings: ${rows.map((r) => r.choice || '(standard)').join(', ')}`,
    'setting',
  );
}

/** Space group from a Hall symbol (any valid Hall symbol, identified when tabulated). */
export function spaceGroupFromHall(hall: string): SpaceGroup {
  const norm = hall.trim().replace(/\s+/g, ' ').replace(/"/g, '=');
  const row = SETTINGS.find((r) => r.hall.toLowerCase() === norm.toLowerCase());
  if (row) return fromRow(row);
  return spaceGroupFromOperations(operationsFromHall(hall));
}

let opIndex: Map<string, SettingRow> | undefined;

function operationIndex(): Map<string, SettingRow> {
  if (opIndex) return opIndex;
  const map = new Map<string, SettingRow>();
  for (const row of SETTINGS) {
    const k = opSetKey(operationsOf(row));
    if (!map.has(k)) map.set(k, row);
  }
  opIndex = map;
  return map;
}

/** Rotation-type signature → point group, learned from the tabulated settings. */
let pointGroupIndex: Map<string, string> | undefined;

function rotationSignature(ops: readonly SymOp[]): string {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (const op of ops) {
    const k = op.rotation.join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    const r = op.rotation;
    const type = `${determinant(r)}:${r[0]! + r[4]! + r[8]!}`;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([t, c]) => `${t}x${c}`)
    .join(' ');
}

function pointGroupOfOps(ops: readonly SymOp[]): string {
  if (!pointGroupIndex) {
    const map = new Map<string, string>();
    for (const row of SETTINGS) {
      const sig = rotationSignature(operationsOf(row));
      if (!map.has(sig)) map.set(sig, factsOfNumber(row.number).pointGroup);
    }
    pointGroupIndex = map;
  }
  return pointGroupIndex.get(rotationSignature(ops)) ?? 'unknown';
}

const SYSTEM_OF_POINT_GROUP: Record<string, number> = {
  '1': 1, '-1': 2, '2': 3, m: 6, '2/m': 10, '222': 16, mm2: 25, mmm: 47, '4': 75, '-4': 81,
  '4/m': 83, '422': 89, '4mm': 99, '-42m': 111, '4/mmm': 123, '3': 143, '-3': 147, '32': 149,
  '3m': 156, '-3m': 162, '6': 168, '-6': 174, '6/m': 175, '622': 177, '6mm': 183,
  '-6m2': 187, '6/mmm': 191, '23': 195, 'm-3': 200, '432': 207, '-43m': 215, 'm-3m': 221,
}; // prettier-ignore

/**
 * Space group of a list of operations. The list is closed under composition first (a CIF
 * may list only some operations); then the set is looked up among the 530 tabulated
 * settings. Unmatched sets (non-standard origins or cells) get number 0 and symbol
 * 'unknown', with point group, Laue class and crystal system from their rotations.
 */
export function spaceGroupFromOperations(ops: readonly SymOp[]): SpaceGroup {
  if (ops.length === 0) {
    throw new ValidationError('needs at least one operation', 'symmetry operations');
  }
  const closed = closeGroup(ops);
  const row = operationIndex().get(opSetKey(closed));
  if (row) {
    // Keep the caller's operations (closed) rather than the table's order.
    return { ...fromRow(row), operations: closed };
  }
  const pg = pointGroupOfOps(closed);
  const num = SYSTEM_OF_POINT_GROUP[pg];
  return {
    number: 0,
    symbol: 'unknown',
    hall: '',
    operations: closed,
    pointGroup: pg,
    laueClass: laueClassOf(pg),
    crystalSystem: num === undefined ? 'unknown' : crystalSystemOfNumber(num),
  };
}
