/**
 * Electron scattering factors f_e(s) [Å] of neutral atoms from published parametrizations,
 * kept as data files with their citation (`./data/*.json`):
 *
 * - `lobato`   Lobato & Van Dyck, Acta Cryst. A70 (2014) 636 — default; Z 1–103.
 * - `kirkland` Kirkland, Advanced Computing in Electron Microscopy, 2nd ed. (2010), App. C; Z 1–103.
 * - `peng`     Peng, Ren, Dudarev & Whelan, Acta Cryst. A52 (1996) 257, elastic part; Z 1–98.
 *              The default table is the 0 ≤ s ≤ 6 Å⁻¹ fit (as abTEM); `{ pengRange: 'low' }`
 *              selects the 0 ≤ s ≤ 2 Å⁻¹ fit, which is more accurate at small s.
 *
 * All functions take s = sinθ/λ = q/2 = 1/(2d) in Å⁻¹ (the variable of Peng's fit; Lobato and
 * Kirkland write theirs in g = q = 2s and are converted here).
 */
import { ValidationError } from '../../core/errors.js';
import kirklandData from './data/kirkland.json' with { type: 'json' };
import lobatoData from './data/lobato.json' with { type: 'json' };
import pengData from './data/peng.json' with { type: 'json' };
import { elementSymbol, toAtomicNumber } from './elements.js';

export { atomicNumber, elementSymbol, MAX_ATOMIC_NUMBER } from './elements.js';

export type Parametrization = 'lobato' | 'kirkland' | 'peng';
export const PARAMETRIZATIONS: readonly Parametrization[] = ['lobato', 'kirkland', 'peng'];
export const DEFAULT_PARAMETRIZATION: Parametrization = 'lobato';

export interface ScatteringOptions {
  /** Peng only: `high` = 0–6 Å⁻¹ fit (default), `low` = 0–2 Å⁻¹ fit. */
  pengRange?: 'high' | 'low';
}

/** Provenance of a parametrization, as stored in its data file. */
export interface ParametrizationInfo {
  id: Parametrization;
  citation: string;
  source: string;
  version: string;
  formula: string;
  variable: string;
  units: Readonly<Record<string, string>>;
  range: string;
  coverage: string;
  /** Element symbols the table covers, by increasing Z. */
  elements: readonly string[];
}

/** One element's entry in a data file: `z` plus the coefficient arrays. */
type Entry = Readonly<Record<string, number | readonly number[]>>;
interface Table {
  readonly info: Omit<ParametrizationInfo, 'elements'>;
  readonly elements: Readonly<Record<string, Entry>>;
}

function table(p: Parametrization, opts?: ScatteringOptions): Table {
  switch (p) {
    case 'lobato':
      return {
        info: lobatoData as Table['info'],
        elements: lobatoData.elements as Table['elements'],
      };
    case 'kirkland':
      return {
        info: kirklandData as Table['info'],
        elements: kirklandData.elements as Table['elements'],
      };
    case 'peng':
      return {
        info: pengData as Table['info'],
        elements: (opts?.pengRange === 'low'
          ? pengData.elementsLowS
          : pengData.elements) as Table['elements'],
      };
    default:
      throw new ValidationError(
        `unknown scattering parametrization ${JSON.stringify(p)}; expected one of ${PARAMETRIZATIONS.join(', ')}`,
        'params',
      );
  }
}

/** Checks a user-given parametrization name. */
export function isParametrization(x: unknown): x is Parametrization {
  return typeof x === 'string' && (PARAMETRIZATIONS as readonly string[]).includes(x);
}

export function assertParametrization(x: unknown, field = 'params'): Parametrization {
  if (!isParametrization(x)) {
    throw new ValidationError(
      `unknown scattering parametrization ${JSON.stringify(x)}; expected one of ${PARAMETRIZATIONS.join(', ')}`,
      field,
    );
  }
  return x;
}

/** Citation, source, units and element coverage of a parametrization. */
export function parametrizationInfo(
  p: Parametrization,
  opts?: ScatteringOptions,
): ParametrizationInfo {
  const t = table(p, opts);
  const i = t.info;
  return {
    id: p,
    citation: i.citation,
    source: i.source,
    version: i.version,
    formula: i.formula,
    variable: i.variable,
    units: i.units,
    range: i.range,
    coverage: i.coverage,
    elements: Object.keys(t.elements),
  };
}

/**
 * The raw published coefficients of `element` (symbol, charge suffix ignored, or Z):
 * lobato `{a:[5], b:[5]}` (a Å, b Å²), kirkland `{a,b,c,d}` (3 each), peng `{a:[5], b:[5]}`.
 */
export function scatteringParameters(
  p: Parametrization,
  element: string | number,
  opts?: ScatteringOptions,
): Readonly<Record<string, readonly number[]>> {
  const z = toAtomicNumber(element);
  const sym = elementSymbol(z);
  const entry = table(p, opts).elements[sym];
  if (entry === undefined) {
    throw new ValidationError(
      `the ${p} parametrization has no scattering factor for ${sym} (Z = ${z}); it covers ${parametrizationInfo(p, opts).coverage}`,
      'element',
    );
  }
  const out: Record<string, readonly number[]> = {};
  for (const [k, v] of Object.entries(entry)) if (Array.isArray(v)) out[k] = v;
  return out;
}

/** f_e as a function of s² (Å⁻²) → Å: the fast form used by structure-factor loops. */
export type ScatteringFunction = (s2: number) => number;

const FN_CACHE = new Map<string, ScatteringFunction>();

/**
 * A function s² ↦ f_e(s) [Å] for one element, with the coefficients unpacked once.
 * (Cached per parametrization and element: the cache holds pure functions of published data.)
 */
export function scatteringFunction(
  p: Parametrization,
  element: string | number,
  opts?: ScatteringOptions,
): ScatteringFunction {
  const z = toAtomicNumber(element);
  const key = `${p}:${opts?.pengRange ?? ''}:${z}`;
  const hit = FN_CACHE.get(key);
  if (hit) return hit;
  const c = scatteringParameters(p, z, opts);
  const a = Float64Array.from(c.a ?? []);
  const b = Float64Array.from(c.b ?? []);
  let fn: ScatteringFunction;
  switch (p) {
    case 'lobato':
      // f(g) = Σ a (2 + b g²)/(1 + b g²)², g² = 4 s².
      fn = (s2) => {
        const g2 = 4 * s2;
        let f = 0;
        for (let i = 0; i < a.length; i++) {
          const t = 1 + b[i]! * g2;
          f += (a[i]! * (1 + t)) / (t * t);
        }
        return f;
      };
      break;
    case 'kirkland': {
      // f(q) = Σ a/(q² + b) + Σ c exp(−d q²), q² = 4 s².
      const cc = Float64Array.from(c.c ?? []);
      const d = Float64Array.from(c.d ?? []);
      fn = (s2) => {
        const q2 = 4 * s2;
        let f = 0;
        for (let i = 0; i < a.length; i++)
          f += a[i]! / (q2 + b[i]!) + cc[i]! * Math.exp(-d[i]! * q2);
        return f;
      };
      break;
    }
    case 'peng':
      // f(s) = Σ a exp(−b s²).
      fn = (s2) => {
        let f = 0;
        for (let i = 0; i < a.length; i++) f += a[i]! * Math.exp(-b[i]! * s2);
        return f;
      };
      break;
    default:
      return assertParametrization(p) as never;
  }
  FN_CACHE.set(key, fn);
  return fn;
}

/** Electron scattering factor f_e [Å] of a neutral atom at s = sinθ/λ = q/2 [Å⁻¹]. */
export function electronScatteringFactor(
  p: Parametrization,
  element: string | number,
  s: number,
  opts?: ScatteringOptions,
): number {
  if (!Number.isFinite(s)) {
    throw new ValidationError(`s = sinθ/λ must be a finite number of Å⁻¹, got ${s}`, 's');
  }
  return scatteringFunction(p, element, opts)(s * s);
}
