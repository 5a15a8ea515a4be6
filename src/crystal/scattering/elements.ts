/**
 * Chemical element symbols by atomic number (IUPAC names of the 118 known elements).
 * Conversions accept any case (`si`, `SI`, `Si`) and the charge suffixes CIF files carry
 * (`O2-`, `Fe3+`, `Ni0+`), which are stripped: scattering tables here are for neutral atoms.
 */
import { ValidationError } from '../../core/errors.js';

// prettier-ignore
const SYMBOLS: readonly string[] = [
  'H', 'He', 'Li', 'Be', 'B', 'C', 'N', 'O', 'F', 'Ne', 'Na', 'Mg', 'Al', 'Si', 'P', 'S', 'Cl',
  'Ar', 'K', 'Ca', 'Sc', 'Ti', 'V', 'Cr', 'Mn', 'Fe', 'Co', 'Ni', 'Cu', 'Zn', 'Ga', 'Ge', 'As',
  'Se', 'Br', 'Kr', 'Rb', 'Sr', 'Y', 'Zr', 'Nb', 'Mo', 'Tc', 'Ru', 'Rh', 'Pd', 'Ag', 'Cd', 'In',
  'Sn', 'Sb', 'Te', 'I', 'Xe', 'Cs', 'Ba', 'La', 'Ce', 'Pr', 'Nd', 'Pm', 'Sm', 'Eu', 'Gd', 'Tb',
  'Dy', 'Ho', 'Er', 'Tm', 'Yb', 'Lu', 'Hf', 'Ta', 'W', 'Re', 'Os', 'Ir', 'Pt', 'Au', 'Hg', 'Tl',
  'Pb', 'Bi', 'Po', 'At', 'Rn', 'Fr', 'Ra', 'Ac', 'Th', 'Pa', 'U', 'Np', 'Pu', 'Am', 'Cm', 'Bk',
  'Cf', 'Es', 'Fm', 'Md', 'No', 'Lr', 'Rf', 'Db', 'Sg', 'Bh', 'Hs', 'Mt', 'Ds', 'Rg', 'Cn', 'Nh',
  'Fl', 'Mc', 'Lv', 'Ts', 'Og',
];

const BY_LOWER = new Map<string, number>(SYMBOLS.map((s, i) => [s.toLowerCase(), i + 1]));

/** Largest atomic number known to `elementSymbol`/`atomicNumber`. */
export const MAX_ATOMIC_NUMBER = SYMBOLS.length;

/**
 * Atomic number of an element symbol. Accepts `Si`, `si`, `SI`, and strips a trailing charge
 * or digits (`O2-`, `Fe3+`, `Ni0+`, `Si1`); throws ValidationError for anything else.
 */
export function atomicNumber(symbol: string): number {
  const m = /^\s*([A-Za-z]{1,2})(?:\d*[+-]?|[+-]\d*)\s*$/.exec(symbol);
  if (m) {
    const word = m[1]!;
    const z = BY_LOWER.get(word.toLowerCase());
    if (z !== undefined) return z;
    // `Si1`-style labels were handled above; a two-letter non-element like `Oa` may be O + tag.
  }
  throw new ValidationError(
    `unknown chemical element ${JSON.stringify(symbol)}; expected a symbol such as Si, O2-, Fe3+`,
    'element',
  );
}

/** Element symbol (`Si`) of atomic number `z` (1…118). */
export function elementSymbol(z: number): string {
  const s = Number.isInteger(z) ? SYMBOLS[z - 1] : undefined;
  if (s === undefined) {
    throw new ValidationError(
      `atomic number must be an integer in 1…${SYMBOLS.length}, got ${z}`,
      'element',
    );
  }
  return s;
}

/** Atomic number of `element` given as a symbol or as a number. */
export function toAtomicNumber(element: string | number): number {
  if (typeof element === 'number') {
    elementSymbol(element);
    return element;
  }
  return atomicNumber(element);
}
