/**
 * Isotropic Debye–Waller factor: the thermal attenuation exp(−B s²) of a scattering factor,
 * with B = 8π² U (U = mean-square displacement ⟨u²⟩ along one direction, Å²) and
 * s = sinθ/λ = 1/(2d) [Å⁻¹]. (International Tables Vol. C, §6.1.1.3.)
 */
import { ValidationError } from '../core/errors.js';

const EIGHT_PI2 = 8 * Math.PI * Math.PI;

/** B [Å²] from U_iso [Å²]: B = 8π²U. */
export function bFromU(uIso: number): number {
  check(uIso, 'uIso');
  return EIGHT_PI2 * uIso;
}

/** U_iso [Å²] from B [Å²]: U = B / 8π². */
export function uFromB(b: number): number {
  check(b, 'bIso');
  return b / EIGHT_PI2;
}

/** exp(−B s²) for B [Å²] and s = sinθ/λ [Å⁻¹]. */
export function debyeWallerFactor(b: number, s: number): number {
  return Math.exp(-b * s * s);
}

/** exp(−8π² U s²) for U_iso [Å²] and s [Å⁻¹]. */
export function debyeWallerFactorU(uIso: number, s: number): number {
  return Math.exp(-EIGHT_PI2 * uIso * s * s);
}

function check(v: number, field: string): void {
  if (!(Number.isFinite(v) && v >= 0)) {
    throw new ValidationError(`must be a finite number ≥ 0 Å², got ${v}`, field);
  }
}
