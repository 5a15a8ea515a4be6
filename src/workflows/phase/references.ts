/**
 * Reference reflections of a phase for the evaluation: the kinematic electron reflection
 * families of its CIF (positions q = 1/d [Å⁻¹], intensities multiplicity × |F|² with
 * electron scattering factors and Debye–Waller factors), over a q range. Ring intensities of
 * a randomly oriented (powder-like) specimen are proportional to m·|F|²; the seed compared
 * with X-ray positions instead (STUDY.md §4.8).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../../core/errors.js';
import type { Parametrization } from '../../crystal/scattering/index.js';
import { crystalFromCif } from '../../crystal/structure.js';
import { prepareReflections } from '../../simulate/kinematic/reflections.js';
import type { ReferencePeak } from './metrics.js';

export interface ReferenceOptions {
  /** Scattering-factor parametrization (default lobato). */
  params?: Parametrization;
}

/** Reflection families of the crystal in `cifText` with q ≤ qMax. */
export function referencePeaksFromCif(
  cifText: string,
  qMax: number,
  file: string,
  o: ReferenceOptions = {},
): ReferencePeak[] {
  const crystal = crystalFromCif(cifText, { file });
  const table = prepareReflections(crystal, { gMax: qMax * 1.001, params: o.params ?? 'lobato' });
  const fam = table.families;
  const out: ReferencePeak[] = [];
  for (let f = 0; f < fam.count; f++) {
    out.push({
      q: fam.gLength[f]!,
      intensity: fam.multiplicity[f]! * fam.f2[f]!,
      hkl: Array.from(fam.hkl.subarray(3 * f, 3 * f + 3)),
    });
  }
  return out.sort((a, b) => a.q - b.q);
}

/** Reads `<cifDir>/<phase>.cif` (the seed's contract: phase names are the CIF base names). */
export async function referencePeaksForPhase(
  cifDir: string,
  phase: string,
  qMax: number,
  o: ReferenceOptions = {},
): Promise<ReferencePeak[]> {
  const file = join(cifDir, `${phase}.cif`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new NotFoundError(`no CIF for phase '${phase}': cannot read ${file}`, { cause: err });
  }
  return referencePeaksFromCif(text, qMax, file, o);
}
