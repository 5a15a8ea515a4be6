/**
 * One CIF data block → Crystal: cell, symmetry (explicit operations first, then Hall
 * symbol, Hermann–Mauguin symbol, IT number), atom sites (type symbol, coordinates,
 * occupancy, Uiso/Biso/aniso → Ueq), symmetry expansion. Tag names follow the core CIF
 * dictionary (DDL1 names, with their DDL2 `category.item` synonyms where common).
 */
import { BraggError, FormatError } from '../core/errors.js';
import type { CifBlock, CifValue } from '../formats/cif/parse.js';
import { firstTag, getColumn, getValue, valueNumber, valueText } from '../formats/cif/values.js';
import { elementOf } from './elements.js';
import { DEFAULT_MERGE_TOLERANCE, expandSites } from './expand.js';
import type { CellParameters } from './lattice.js';
import { Lattice } from './lattice.js';
import type { SpaceGroup, SymOp } from './spacegroup/index.js';
import {
  parseSymOp,
  spaceGroupFromHall,
  spaceGroupFromNumber,
  spaceGroupFromOperations,
  spaceGroupFromSymbol,
} from './spacegroup/index.js';
import type { AtomSite, Crystal, CrystalOptions } from './types.js';

const EIGHT_PI2 = 8 * Math.PI ** 2;

const OPS_TAGS = [
  '_space_group_symop_operation_xyz',
  '_symmetry_equiv_pos_as_xyz',
  '_space_group_symop.operation_xyz',
  '_symmetry_equiv.pos_as_xyz',
];
const HALL_TAGS = [
  '_space_group_name_hall',
  '_symmetry_space_group_name_hall',
  '_space_group.name_hall',
];
const HM_TAGS = [
  '_space_group_name_h-m_alt',
  '_symmetry_space_group_name_h-m',
  '_space_group_name_h-m_ref',
  '_space_group_name_h-m_full',
  '_space_group.name_h-m_alt',
];
const NUMBER_TAGS = [
  '_space_group_it_number',
  '_symmetry_int_tables_number',
  '_space_group.it_number',
];

/** Tag with DDL1 (`_atom_site_fract_x`) or DDL2 (`_atom_site.fract_x`) spelling. */
function synonyms(category: string, item: string): string[] {
  return [`${category}_${item}`, `${category}.${item}`];
}

class BlockReader {
  readonly warnings: string[] = [];
  constructor(
    readonly block: CifBlock,
    readonly file: string | undefined,
  ) {}

  error(what: string, path: string, expected?: string, found?: string, cause?: unknown) {
    return new FormatError('CIF', what, {
      ...(this.file !== undefined ? { file: this.file } : {}),
      path: `data_${this.block.name}/${path}`,
      ...(expected !== undefined ? { expected } : {}),
      ...(found !== undefined ? { found } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  /** A numeric single item; `fallback` when absent or `?`. */
  number(tags: string[], what: string, fallback?: number): number {
    const tag = firstTag(this.block, tags);
    const v = tag === undefined ? undefined : getValue(this.block, tag);
    if (v === undefined || v.kind !== 'text') {
      if (fallback !== undefined) return fallback;
      throw this.error(`missing ${what}`, tags[0]!, `a number for ${tags[0]}`, v ? shown(v) : 'no such tag'); // prettier-ignore
    }
    const n = valueNumber(v);
    if (!n) throw this.error(`${what} is not a number`, tag!, 'a number such as 5.431 or 5.431(2)', shown(v)); // prettier-ignore
    return n.value;
  }

  text(tags: string[]): { tag: string; text: string } | undefined {
    for (const tag of tags) {
      const t = valueText(getValue(this.block, tag)).trim();
      if (t !== '') return { tag, text: t };
    }
    return undefined;
  }
}

function shown(v: CifValue): string {
  return v.kind === 'text' ? `'${v.text.slice(0, 60)}'` : v.kind === 'unknown' ? '?' : '.';
}

function readCell(r: BlockReader): CellParameters {
  const cell: CellParameters = {
    a: r.number(synonyms('_cell', 'length_a'), 'cell length a'),
    b: r.number(synonyms('_cell', 'length_b'), 'cell length b'),
    c: r.number(synonyms('_cell', 'length_c'), 'cell length c'),
    alpha: r.number(synonyms('_cell', 'angle_alpha'), 'cell angle alpha', NaN),
    beta: r.number(synonyms('_cell', 'angle_beta'), 'cell angle beta', NaN),
    gamma: r.number(synonyms('_cell', 'angle_gamma'), 'cell angle gamma', NaN),
  };
  for (const k of ['alpha', 'beta', 'gamma'] as const) {
    if (Number.isNaN(cell[k])) {
      cell[k] = 90; // the core dictionary's default for _cell_angle_*
      r.warnings.push(`_cell_angle_${k} not given; using the dictionary default 90°`);
    }
  }
  return cell;
}

function readSpaceGroup(r: BlockReader): SpaceGroup {
  const block = r.block;
  const named = r.text(HM_TAGS);
  const numTag = firstTag(block, NUMBER_TAGS);
  const fileNumber = numTag === undefined ? undefined : valueNumber(getValue(block, numTag))?.value; // prettier-ignore
  const opsTag = firstTag(block, OPS_TAGS);
  const column = opsTag === undefined ? [] : getColumn(block, opsTag)!.filter((v) => v.kind === 'text'); // prettier-ignore
  if (opsTag !== undefined && column.length > 0) {
    const ops: SymOp[] = column.map((v, i) => {
      try {
        return parseSymOp(valueText(v));
      } catch (err) {
        throw r.error(`symmetry operation ${i + 1} cannot be read: ${(err as Error).message}`, `${opsTag}[${i}]`, "an operation such as 'x,y+1/2,-z'", shown(v), err); // prettier-ignore
      }
    });
    let sg: SpaceGroup;
    try {
      sg = spaceGroupFromOperations(ops);
    } catch (err) {
      throw r.error(`symmetry operations do not form a space group: ${(err as Error).message}`, opsTag, undefined, undefined, err); // prettier-ignore
    }
    if (sg.operations.length > ops.length) {
      r.warnings.push(`${opsTag} lists ${ops.length} operations; completed to the ${sg.operations.length} they generate`); // prettier-ignore
    }
    if (sg.number === 0) {
      if (named) sg.symbol = named.text;
      if (fileNumber !== undefined && Number.isInteger(fileNumber)) sg.number = fileNumber;
      r.warnings.push(`the ${ops.length} listed operations match no tabulated setting; used as listed`); // prettier-ignore
    }
    return sg;
  }
  const hall = r.text(HALL_TAGS);
  if (hall) {
    try {
      return spaceGroupFromHall(hall.text);
    } catch (err) {
      throw r.error(`invalid Hall symbol '${hall.text}'`, hall.tag, 'a Hall symbol such as -F 4 2 3', undefined, err); // prettier-ignore
    }
  }
  if (named) {
    try {
      return spaceGroupFromSymbol(named.text);
    } catch (err) {
      throw r.error(`unknown space group '${named.text}': ${(err as Error).message}`, named.tag, 'a Hermann–Mauguin symbol of one of the 230 space groups, or an explicit symmetry-operation loop', `'${named.text}'`, err); // prettier-ignore
    }
  }
  if (fileNumber !== undefined) {
    try {
      return spaceGroupFromNumber(fileNumber);
    } catch (err) {
      throw r.error(`invalid space-group number ${fileNumber}`, numTag!, 'an integer 1..230', String(fileNumber), err); // prettier-ignore
    }
  }
  r.warnings.push('no symmetry operations, Hall symbol, H-M symbol or number; assuming P 1');
  return spaceGroupFromNumber(1);
}

/** Ueq = (1/3) Σij Uij a*_i a*_j (a_i·a_j) (Fischer & Tillmanns, Acta Cryst. C44 (1988) 775). */
export function uEquivalent(u: readonly number[], lattice: Lattice): number {
  // u = [U11, U22, U33, U12, U13, U23]
  const U = [
    [u[0]!, u[3]!, u[4]!],
    [u[3]!, u[1]!, u[5]!],
    [u[4]!, u[5]!, u[2]!],
  ];
  const astar = lattice.reciprocal.map((r) => Math.hypot(r[0]!, r[1]!, r[2]!));
  let s = 0;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) s += U[i]![j]! * astar[i]! * astar[j]! * lattice.metric[i]![j]!;
  }
  return s / 3;
}

function anisoByLabel(r: BlockReader, lattice: Lattice): Map<string, number> {
  const out = new Map<string, number>();
  const labels = getColumn(r.block, '_atom_site_aniso_label') ?? getColumn(r.block, '_atom_site_aniso.id'); // prettier-ignore
  if (!labels) return out;
  for (const [prefix, scale] of [
    ['u', 1],
    ['b', 1 / EIGHT_PI2],
  ] as const) {
    const names = ['11', '22', '33', '12', '13', '23'];
    const cols = names.map((n) => getColumn(r.block, `_atom_site_aniso_${prefix}_${n}`) ?? getColumn(r.block, `_atom_site_aniso.${prefix}[${n[0]}][${n[1]}]`)); // prettier-ignore
    if (cols.some((c) => c === undefined)) continue;
    labels.forEach((lv, i) => {
      const vals = cols.map((c) => valueNumber(c![i])?.value);
      if (vals.every((v): v is number => v !== undefined && Number.isFinite(v))) {
        out.set(
          valueText(lv),
          uEquivalent(
            vals.map((v) => v * scale),
            lattice,
          ),
        );
      }
    });
  }
  return out;
}

function readSites(r: BlockReader, lattice: Lattice): AtomSite[] {
  const col = (item: string) => {
    const tag = firstTag(r.block, synonyms('_atom_site', item));
    return tag === undefined ? undefined : { tag, values: getColumn(r.block, tag)! };
  };
  let xyz = ['fract_x', 'fract_y', 'fract_z'].map(col);
  let cartesian = false;
  if (xyz.some((c) => c === undefined)) {
    const cart = ['cartn_x', 'cartn_y', 'cartn_z'].map(col);
    if (cart.some((c) => c === undefined)) return [];
    xyz = cart;
    cartesian = true;
  }
  const label = col('label');
  const type = col('type_symbol');
  const occ = col('occupancy');
  const uiso = col('u_iso_or_equiv');
  const biso = col('b_iso_or_equiv');
  const n = xyz[0]!.values.length;
  for (const c of [...xyz, label, type, occ, uiso, biso]) {
    if (c && c.values.length !== n) {
      throw r.error(`${c.tag} has ${c.values.length} values but ${xyz[0]!.tag} has ${n}`, c.tag, `${n} values (one per site)`, String(c.values.length)); // prettier-ignore
    }
  }
  const aniso = anisoByLabel(r, lattice);
  const sites: AtomSite[] = [];
  for (let i = 0; i < n; i++) {
    if (xyz.every((c) => c!.values[i]!.kind !== 'text') && label?.values[i]?.kind !== 'text') {
      r.warnings.push(`atom site row ${i + 1} has only '?'/'.' values; skipped`);
      continue;
    }
    const name = label ? valueText(label.values[i]) : '';
    const typeText = type ? valueText(type.values[i]) : '';
    const element = elementOf(typeText) ?? elementOf(name);
    if (element === undefined) {
      throw r.error(`cannot tell the element of atom site ${i + 1}`, `${type?.tag ?? label?.tag ?? '_atom_site_label'}[${i}]`, 'a type symbol or label starting with an element symbol (Fe, O2-, Cl1)', `type '${typeText}', label '${name}'`); // prettier-ignore
    }
    const f = xyz.map((c) => {
      const v = c!.values[i]!;
      const num = valueNumber(v);
      if (!num || !Number.isFinite(num.value) || Math.abs(num.value) > 1e6) {
        throw r.error(`coordinate of atom site ${name || i + 1} is not a number`, `${c!.tag}[${i}]`, 'a number', shown(v)); // prettier-ignore
      }
      return num.value;
    }) as [number, number, number];
    const p = cartesian ? lattice.cartToFrac(f) : f;
    let occupancy = 1;
    const ov = occ?.values[i];
    if (ov && ov.kind === 'text') {
      const num = valueNumber(ov);
      if (!num || !(num.value >= 0 && num.value <= 1.01)) {
        throw r.error(`occupancy of atom site ${name || i + 1} must be a number in [0, 1]`, `${occ!.tag}[${i}]`, 'a number in [0, 1]', shown(ov)); // prettier-ignore
      }
      occupancy = num.value;
    }
    let u: number | undefined = valueNumber(uiso?.values[i])?.value;
    if (u === undefined) {
      const b = valueNumber(biso?.values[i])?.value;
      if (b !== undefined) u = b / EIGHT_PI2;
    }
    u ??= aniso.get(name);
    if (u !== undefined && !Number.isFinite(u)) {
      throw r.error(`displacement parameter of atom site ${name || i + 1} is not finite`, uiso?.tag ?? '_atom_site_U_iso_or_equiv', 'a finite number', String(u)); // prettier-ignore
    }
    if (u !== undefined && u < 0) r.warnings.push(`atom site ${name} has a negative Uiso ${u} Å²`);
    sites.push({ label: name || `${element}${i + 1}`, element, x: p[0], y: p[1], z: p[2], occupancy, uIso: u ?? 0 }); // prettier-ignore
  }
  return sites;
}

/** Build the crystal of one data block. */
export function crystalFromCifBlock(block: CifBlock, opts: CrystalOptions = {}): Crystal {
  const r = new BlockReader(block, opts.file);
  const cell = readCell(r);
  let lattice: Lattice;
  try {
    lattice = new Lattice(cell);
  } catch (err) {
    if (!(err instanceof BraggError)) throw err;
    throw r.error(`impossible unit cell: ${err.message}`, '_cell_length_a', 'positive lengths and angles that form a cell', JSON.stringify(cell), err); // prettier-ignore
  }
  const spaceGroup = readSpaceGroup(r);
  const sites = readSites(r, lattice);
  const tol = opts.mergeTolerance ?? DEFAULT_MERGE_TOLERANCE;
  const atoms = expandSites(sites, spaceGroup.operations, lattice, tol);
  const crystal: Crystal = { name: block.name, cell, lattice, spaceGroup, sites, atoms };
  if (opts.file !== undefined) crystal.source = opts.file;
  if (r.warnings.length > 0) crystal.warnings = r.warnings;
  return crystal;
}
