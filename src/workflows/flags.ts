/**
 * Numeric command-line values, one parser for every command (the platform's in `src/cli` and
 * every workflow's `commands/`): the text must be a plain decimal number (`12`, `-0.5`, `1e-3`;
 * not empty, hex, `Infinity` or `NaN`), an integer when asked (a safe one; `1e12` is one), and
 * inside the bounds given. Anything else is a ValidationError naming the domain
 * field (the CLI turns it into the command's flag) with the accepted range and the text given.
 */
import { ValidationError } from '../core/errors.js';

export interface NumberFlagOptions {
  /** Only (safe) integers. */
  int?: boolean;
  /** Smallest value allowed. */
  min?: number;
  /** Values must be greater than this. */
  above?: number;
  /** Largest value allowed. */
  max?: number;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** What `o` accepts, for the message: `an integer ≥ 1`, `a number 0…1`, `a number > 0`. */
function accepted(o: NumberFlagOptions): string {
  const kind = o.int === true ? 'an integer' : 'a number';
  if (o.min !== undefined && o.max !== undefined && o.above === undefined)
    return `${kind} ${o.min}…${o.max}`;
  const parts = [
    ...(o.above !== undefined ? [`> ${o.above}`] : []),
    ...(o.min !== undefined ? [`≥ ${o.min}`] : []),
    ...(o.max !== undefined ? [`≤ ${o.max}`] : []),
  ];
  return parts.length > 0 ? `${kind} ${parts.join(' and ')}` : kind;
}

/** `text` as a number for `field` (see the module doc); `undefined` when the flag is absent. */
export function numberFlag(
  text: string | undefined,
  field: string,
  o: NumberFlagOptions = {},
): number | undefined {
  if (text === undefined) return undefined;
  return parseNumberFlag(text, field, o);
}

/** `text` as a number for `field` (see the module doc). */
export function parseNumberFlag(text: string, field: string, o: NumberFlagOptions = {}): number {
  const t = text.trim();
  const n = Number(t);
  const ok =
    DECIMAL.test(t) &&
    Number.isFinite(n) &&
    (o.int !== true || Number.isSafeInteger(n)) &&
    (o.min === undefined || n >= o.min) &&
    (o.above === undefined || n > o.above) &&
    (o.max === undefined || n <= o.max);
  if (!ok) {
    throw new ValidationError(`expected ${accepted(o)}, got '${text.slice(0, 100)}'`, field);
  }
  return n;
}

/** A commander argument parser (`.option(flags, text, numberArg(field, o))`) of `parseNumberFlag`. */
export function numberArg(field: string, o: NumberFlagOptions = {}): (text: string) => number {
  return (text) => parseNumberFlag(text, field, o);
}
