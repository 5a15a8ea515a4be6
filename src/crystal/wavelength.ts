/**
 * Relativistic electron wavelength and interaction parameter, with CODATA 2018 constants
 * (E. Tiesinga et al., Rev. Mod. Phys. 93, 025010 (2021); h, e, c exact in the 2019 SI).
 */
import { ValidationError } from '../core/errors.js';

/** Planck constant h [J s] (exact). */
export const PLANCK = 6.62607015e-34;
/** Elementary charge e [C] (exact). */
export const ELEMENTARY_CHARGE = 1.602176634e-19;
/** Speed of light c [m/s] (exact). */
export const SPEED_OF_LIGHT = 299792458;
/** Electron rest mass m₀ [kg] (CODATA 2018). */
export const ELECTRON_MASS = 9.1093837015e-31;
/** Electron rest energy m₀c² [eV] (CODATA 2018: 0.51099895000 MeV). */
export const ELECTRON_REST_ENERGY_EV = 510998.95;

function checkKv(kv: number): void {
  if (!(Number.isFinite(kv) && kv > 0)) {
    throw new ValidationError(
      `accelerating voltage must be a positive number of kV, got ${kv}`,
      'kv',
    );
  }
}

/** Lorentz factor γ = 1 + eV/(m₀c²) of an electron accelerated through `kv` kilovolts. */
export function lorentzFactor(kv: number): number {
  checkKv(kv);
  return 1 + (kv * 1e3) / ELECTRON_REST_ENERGY_EV;
}

/**
 * Relativistic electron wavelength λ [Å] at `kv` kilovolts:
 * λ = h / √(2 m₀ e V (1 + eV / 2m₀c²)).
 */
export function electronWavelength(kv: number): number {
  checkKv(kv);
  const v = kv * 1e3;
  const p2 = 2 * ELECTRON_MASS * ELEMENTARY_CHARGE * v * (1 + v / (2 * ELECTRON_REST_ENERGY_EV));
  return (PLANCK / Math.sqrt(p2)) * 1e10;
}

/** Wavevector magnitude k = 1/λ [Å⁻¹] (crystallographic convention, no 2π). */
export function electronWavevector(kv: number): number {
  return 1 / electronWavelength(kv);
}

/**
 * Interaction parameter σ = 2π m e λ / h² [rad/(V·Å)] with the relativistic mass m = γ m₀
 * (Kirkland, Advanced Computing in Electron Microscopy, 2nd ed. 2010, eq. 5.6).
 */
export function interactionParameter(kv: number): number {
  const lambdaM = electronWavelength(kv) * 1e-10;
  const m = lorentzFactor(kv) * ELECTRON_MASS;
  return ((2 * Math.PI * m * ELEMENTARY_CHARGE * lambdaM) / (PLANCK * PLANCK)) * 1e-10;
}
