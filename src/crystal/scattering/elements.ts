/**
 * Element symbol ↔ atomic number for the scattering tables (symbol list: src/crystal/elements.ts).
 * Conversions accept any case (`si`, `SI`, `Si`) and the charge suffixes CIF files carry
 * (`O2-`, `Fe3+`, `Ni0+`), which are stripped: scattering tables here are for neutral atoms.
 */
import { ValidationError } from '../../core/errors.js';
import { ELEMENTS } from '../elements.js';

const SYMBOLS: readonly string[] = ELEMENTS;

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
