/**
 * Space-group operations from a Hall symbol (S. R. Hall, Acta Cryst. A37 (1981) 517–525;
 * International Tables for Crystallography Vol. B, section 1.4, Tables A1.4.2.1–A1.4.2.6).
 *
 * A Hall symbol is `[-]L  [-]N[screw][axis][translations] ...  [(vx vy vz)]`:
 * the lattice symbol L (P A B C I R S T F, `-` adds the inversion at the origin), up to four
 * matrix symbols (N ∈ 1 2 3 4 6; axis x y z, ' or " (face diagonal, spglib writes " as =),
 * * (body diagonal); translation letters a b c n u v w d; a screw digit after N), and an
 * optional change-of-origin vector in twelfths.
 */
import { ValidationError } from '../../core/errors.js';
import type { SymOp } from './symop.js';
import { closeGroup } from './symop.js';

type Vec3 = [number, number, number];
type Axis = 'x' | 'y' | 'z' | "'" | '"' | '*';

/** Centring translations of each lattice symbol (besides 0,0,0). ITB Table A1.4.2.2. */
const LATTICE: Record<string, Vec3[]> = {
  P: [],
  A: [[0, 1 / 2, 1 / 2]],
  B: [[1 / 2, 0, 1 / 2]],
  C: [[1 / 2, 1 / 2, 0]],
  I: [[1 / 2, 1 / 2, 1 / 2]],
  R: [
    [2 / 3, 1 / 3, 1 / 3],
    [1 / 3, 2 / 3, 2 / 3],
  ],
  S: [
    [1 / 3, 1 / 3, 2 / 3],
    [2 / 3, 2 / 3, 1 / 3],
  ],
  T: [
    [1 / 3, 2 / 3, 1 / 3],
    [2 / 3, 1 / 3, 2 / 3],
  ],
  F: [
    [0, 1 / 2, 1 / 2],
    [1 / 2, 0, 1 / 2],
    [1 / 2, 1 / 2, 0],
  ],
};

/** Translation symbols. ITB Table A1.4.2.3. */
const TRANSLATION: Record<string, Vec3> = {
  a: [1 / 2, 0, 0],
  b: [0, 1 / 2, 0],
  c: [0, 0, 1 / 2],
  n: [1 / 2, 1 / 2, 1 / 2],
  u: [1 / 4, 0, 0],
  v: [0, 1 / 4, 0],
  w: [0, 0, 1 / 4],
  d: [1 / 4, 1 / 4, 1 / 4],
};

/** Proper rotation matrices along the principal axes, row-major. ITB Table A1.4.2.4. */
const PRINCIPAL: Record<'x' | 'y' | 'z', Record<number, number[]>> = {
  x: {
    1: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    2: [1, 0, 0, 0, -1, 0, 0, 0, -1],
    3: [1, 0, 0, 0, 0, -1, 0, 1, -1],
    4: [1, 0, 0, 0, 0, -1, 0, 1, 0],
    6: [1, 0, 0, 0, 1, -1, 0, 1, 0],
  },
  y: {
    1: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    2: [-1, 0, 0, 0, 1, 0, 0, 0, -1],
    3: [-1, 0, 1, 0, 1, 0, -1, 0, 0],
    4: [0, 0, 1, 0, 1, 0, -1, 0, 0],
    6: [0, 0, 1, 0, 1, 0, -1, 0, 1],
  },
  z: {
    1: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    2: [-1, 0, 0, 0, -1, 0, 0, 0, 1],
    3: [0, -1, 0, 1, -1, 0, 0, 0, 1],
    4: [0, -1, 0, 1, 0, 0, 0, 0, 1],
    6: [1, -1, 0, 1, 0, 0, 0, 0, 1],
  },
};

/** Two-fold rotations along face diagonals, by the preceding axis. ITB Table A1.4.2.5. */
const FACE_DIAGONAL: Record<'x' | 'y' | 'z', { "'": number[]; '"': number[] }> = {
  x: { "'": [-1, 0, 0, 0, 0, -1, 0, -1, 0], '"': [-1, 0, 0, 0, 0, 1, 0, 1, 0] },
  y: { "'": [0, 0, -1, 0, -1, 0, -1, 0, 0], '"': [0, 0, 1, 0, -1, 0, 1, 0, 0] },
  z: { "'": [0, -1, 0, -1, 0, 0, 0, 0, -1], '"': [0, 1, 0, 1, 0, 0, 0, 0, -1] },
};

/** Three-fold rotation along the body diagonal a+b+c. ITB Table A1.4.2.6. */
const BODY_DIAGONAL = [0, 0, 1, 1, 0, 0, 0, 1, 0];

interface MatrixSymbol {
  improper: boolean;
  order: number;
  screw: number;
  axis: Axis | undefined;
  translations: string[];
}

function bad(hall: string, what: string): ValidationError {
  return new ValidationError(`invalid Hall symbol '${hall}': ${what}`, 'hall');
}

function parseMatrixSymbol(token: string, hall: string): MatrixSymbol {
  let i = 0;
  let improper = false;
  if (token[i] === '-') {
    improper = true;
    i++;
  }
  const order = Number(token[i]);
  if (![1, 2, 3, 4, 6].includes(order)) {
    throw bad(hall, `'${token}' does not start with a rotation order 1, 2, 3, 4 or 6`);
  }
  i++;
  let screw = 0;
  let axis: Axis | undefined;
  const translations: string[] = [];
  if (i < token.length && /[1-5]/.test(token[i]!)) {
    screw = Number(token[i]);
    if (screw >= order) throw bad(hall, `screw ${order}${screw} in '${token}'`);
    i++;
  }
  for (; i < token.length; i++) {
    const ch = token[i]!;
    if ('xyz\'"=*'.includes(ch)) {
      if (axis !== undefined) throw bad(hall, `two axes in '${token}'`);
      axis = ch === '=' ? '"' : (ch as Axis);
    } else if (ch in TRANSLATION) {
      translations.push(ch);
    } else {
      throw bad(hall, `unexpected '${ch}' in '${token}'`);
    }
  }
  return { improper, order, screw, axis, translations };
}

/** Axis of the i-th matrix symbol from Hall's default rules when it is not written. */
function defaultAxis(i: number, sym: MatrixSymbol, prev: MatrixSymbol | undefined): Axis {
  if (sym.order === 1) return 'z';
  if (i === 0) return 'z';
  if (i === 1 && sym.order === 2 && prev) {
    if (prev.order === 2 || prev.order === 4) return 'x';
    if (prev.order === 3 || prev.order === 6) return "'";
  }
  if (i === 2 && sym.order === 3) return '*';
  throw new ValidationError(
    `matrix symbol ${i + 1} (order ${sym.order}) needs an explicit axis`,
    'hall',
  );
}

function rotationOf(sym: MatrixSymbol, axis: Axis, prevAxis: Axis | undefined, hall: string) {
  let r: number[] | undefined;
  if (axis === 'x' || axis === 'y' || axis === 'z') r = PRINCIPAL[axis][sym.order];
  else if (axis === '*') {
    if (sym.order !== 3) throw bad(hall, `axis * needs order 3, got ${sym.order}`);
    r = BODY_DIAGONAL;
  } else {
    if (sym.order !== 2) throw bad(hall, `face-diagonal axis needs order 2, got ${sym.order}`);
    const ref = prevAxis === 'x' || prevAxis === 'y' ? prevAxis : 'z';
    r = FACE_DIAGONAL[ref][axis];
  }
  if (!r) throw bad(hall, `no rotation of order ${sym.order} along ${axis}`);
  return sym.improper ? r.map((v) => -v) : [...r];
}

/** The generators written in a Hall symbol (without closing the group). */
export function hallGenerators(hall: string): SymOp[] {
  let text = hall.trim();
  let shift: Vec3 = [0, 0, 0];
  const basis = /\(([^)]*)\)\s*$/.exec(text);
  if (basis) {
    const parts = basis[1]!.trim().split(/[\s,]+/);
    const nums = parts.map(Number);
    if (nums.length !== 3 || nums.some((n) => !Number.isFinite(n))) {
      throw bad(hall, `change-of-origin vector '(${basis[1]})' must be three numbers (twelfths)`);
    }
    shift = [nums[0]! / 12, nums[1]! / 12, nums[2]! / 12];
    text = text.slice(0, basis.index).trim();
  }
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  const lat = tokens.shift();
  const m = lat === undefined ? null : /^(-?)([PABCIRSTF])$/i.exec(lat);
  if (!m) throw bad(hall, `expected a lattice symbol such as P, -P, F, -I, found '${lat ?? ''}'`);
  if (tokens.length === 0 || tokens.length > 4) {
    throw bad(hall, `expected 1 to 4 matrix symbols, found ${tokens.length}`);
  }
  const gens: SymOp[] = [];
  for (const t of LATTICE[m[2]!.toUpperCase()]!) {
    gens.push({ rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: t });
  }
  if (m[1] === '-') gens.push({ rotation: [-1, 0, 0, 0, -1, 0, 0, 0, -1], translation: [0, 0, 0] });
  let prev: MatrixSymbol | undefined;
  let prevAxis: Axis | undefined;
  tokens.forEach((tok, i) => {
    const sym = parseMatrixSymbol(tok, hall);
    const axis = sym.axis ?? defaultAxis(i, sym, prev);
    const rotation = rotationOf(sym, axis, prevAxis, hall);
    const t: Vec3 = [0, 0, 0];
    for (const letter of sym.translations) {
      const v = TRANSLATION[letter]!;
      t[0] += v[0];
      t[1] += v[1];
      t[2] += v[2];
    }
    if (sym.screw > 0) {
      const k: number = axis === 'x' ? 0 : axis === 'y' ? 1 : axis === 'z' ? 2 : -1;
      if (k < 0) throw bad(hall, `screw on a non-principal axis in '${tok}'`);
      t[k] = t[k]! + sym.screw / sym.order;
    }
    gens.push({ rotation, translation: t });
    prev = sym;
    prevAxis = axis;
  });
  if (shift.some((v) => v !== 0)) {
    return gens.map((g) => {
      // {I|v}{R|t}{I|-v} = {R | t + v − R·v}
      const r = g.rotation;
      const rv = [0, 1, 2].map(
        (i) => r[3 * i]! * shift[0] + r[3 * i + 1]! * shift[1] + r[3 * i + 2]! * shift[2],
      );
      return {
        rotation: g.rotation,
        translation: [0, 1, 2].map((i) => g.translation[i]! + shift[i]! - rv[i]!) as Vec3,
      };
    });
  }
  return gens;
}

/** All operations of the space group a Hall symbol describes (conventional cell). */
export function operationsFromHall(hall: string): SymOp[] {
  return closeGroup(hallGenerators(hall));
}
