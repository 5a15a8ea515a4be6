/** Flag parsing shared by the peaks commands: numbers named by their domain field. */
import { numberFlag } from '../../flags.js';

export function intFlag(
  v: string | undefined,
  field: string,
  lo: number,
  hi: number,
): number | undefined {
  return numberFlag(v, field, { int: true, min: lo, max: hi });
}

export function numFlag(v: string | undefined, field: string): number | undefined {
  return numberFlag(v, field);
}
