/** Size limits of the PACBED workflow's inputs (a typo or a hostile file must not allocate GBs). */
import { BraggError } from '../../core/errors.js';

export const PATTERN_LIMITS = {
  /** Pixels of one pattern (16384²). */
  maxPixels: 16384 * 16384,
} as const;

export function limitError(source: string, ny: number, nx: number): BraggError {
  return new BraggError(
    'LIMIT',
    `${source}: a ${ny}×${nx} pattern is over the limit of ${PATTERN_LIMITS.maxPixels} pixels`,
  );
}
