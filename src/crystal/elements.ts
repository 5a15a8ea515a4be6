/**
 * Chemical element symbols (IUPAC periodic table, elements 1–118) and the rule that turns a
 * CIF `_atom_site_type_symbol` or label into an element: leading letters, charges and
 * numbering stripped (`O2-` → O, `Fe3+` → Fe, `Cl1` → Cl, `OW1` → O; D and T → H).
 */

// prettier-ignore
export const ELEMENTS: readonly string[] = [
  'H', 'He', 'Li', 'Be', 'B', 'C', 'N', 'O', 'F', 'Ne', 'Na', 'Mg', 'Al', 'Si', 'P', 'S', 'Cl',
  'Ar', 'K', 'Ca', 'Sc', 'Ti', 'V', 'Cr', 'Mn', 'Fe', 'Co', 'Ni', 'Cu', 'Zn', 'Ga', 'Ge', 'As',
  'Se', 'Br', 'Kr', 'Rb', 'Sr', 'Y', 'Zr', 'Nb', 'Mo', 'Tc', 'Ru', 'Rh', 'Pd', 'Ag', 'Cd', 'In',
  'Sn', 'Sb', 'Te', 'I', 'Xe', 'Cs', 'Ba', 'La', 'Ce', 'Pr', 'Nd', 'Pm', 'Sm', 'Eu', 'Gd', 'Tb',
  'Dy', 'Ho', 'Er', 'Tm', 'Yb', 'Lu', 'Hf', 'Ta', 'W', 'Re', 'Os', 'Ir', 'Pt', 'Au', 'Hg', 'Tl',
  'Pb', 'Bi', 'Po', 'At', 'Rn', 'Fr', 'Ra', 'Ac', 'Th', 'Pa', 'U', 'Np', 'Pu', 'Am', 'Cm', 'Bk',
  'Cf', 'Es', 'Fm', 'Md', 'No', 'Lr', 'Rf', 'Db', 'Sg', 'Bh', 'Hs', 'Mt', 'Ds', 'Rg', 'Cn', 'Nh',
  'Fl', 'Mc', 'Lv', 'Ts', 'Og',
];

const SET = new Set(ELEMENTS);

/** Atomic number Z of a symbol (1..118), undefined if unknown. */
export function atomicNumber(symbol: string): number | undefined {
  const i = ELEMENTS.indexOf(symbol);
  return i < 0 ? undefined : i + 1;
}

/**
 * Element of a CIF type symbol or label, or undefined when the leading letters name none.
 * Two-letter symbols win when they exist (`Cl1-` → Cl), else one letter (`OW1` → O).
 */
export function elementOf(text: string): string | undefined {
  const m = /^([A-Za-z])([A-Za-z]?)/.exec(text.trim());
  if (!m) return undefined;
  const one = m[1]!.toUpperCase();
  const two = one + m[2]!.toLowerCase();
  if (m[2] !== '' && SET.has(two)) return two;
  if (SET.has(one)) return one;
  // Deuterium and tritium scatter as hydrogen.
  if (one === 'D' || one === 'T') return 'H';
  return undefined;
}
