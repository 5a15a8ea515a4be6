/** Flag parsing shared by the peaks commands: numbers named by their domain field. */
import { ValidationError } from '../../../core/errors.js';

export function intFlag(
  v: string | undefined,
  field: string,
  lo: number,
  hi: number,
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new ValidationError(`expected an integer ${lo}..${hi}, got '${v}'`, field);
  return n;
}

export function numFlag(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ValidationError(`expected a number, got '${v}'`, field);
  return n;
}
