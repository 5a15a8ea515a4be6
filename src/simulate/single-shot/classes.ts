/**
 * The classes of single-shot small-angle diffraction images of helium nanodroplets
 * (Langbehn et al., Phys. Rev. Lett. 121, 255301 (2018); CXIDB entry 94; used by AiryNet,
 * Zimmermann et al., Phys. Rev. E 99, 063309 (2019)), in the order of the multi-hot labels.
 */
export const HELIUM_CLASSES = [
  'Spherical/Oblate',
  'Round',
  'Elliptical',
  'Prolate',
  'NewtonRings',
  'Bent',
  'Asymmetric',
  'Streak',
  'DoubleRings',
  'Empty',
  'Layered',
] as const;

export type HeliumClass = (typeof HELIUM_CLASSES)[number];

/** The kinds of synthetic scene bragg draws. */
export const SCENE_KINDS = [
  'sphere',
  'spheroid',
  'prolate',
  'bent',
  'dimer',
  'asymmetric',
  'layered',
  'streak',
  'empty',
] as const;

export type SceneKind = (typeof SCENE_KINDS)[number];

/**
 * The labels each kind of scene carries (bragg's convention for its synthetic data; a streak
 * added to another scene adds `Streak`):
 *
 * - sphere: Airy-type rings → Spherical/Oblate, Round;
 * - spheroid (in-plane axis ratio 1.08–1.3): elliptical rings → Elliptical;
 * - prolate (ratio 1.3–2.2): strongly elliptical rings → Elliptical, Prolate;
 * - bent (spheres along an arc): → Prolate, Bent;
 * - dimer (two spheres, fringes of spacing 1/separation across the rings): → NewtonRings, and
 *   DoubleRings when the radii differ by more than 15 % (two ring systems);
 * - asymmetric (a cluster of random ellipsoids): → Asymmetric;
 * - layered (a core–shell sphere): → Spherical/Oblate, Round, Layered;
 * - streak (a thin rod alone): → Streak;
 * - empty (background and noise only): → Empty.
 */
export function labelsOf(
  kind: SceneKind,
  o: { radiusRatio?: number; streak?: boolean } = {},
): HeliumClass[] {
  const base: Record<SceneKind, HeliumClass[]> = {
    sphere: ['Spherical/Oblate', 'Round'],
    spheroid: ['Elliptical'],
    prolate: ['Elliptical', 'Prolate'],
    bent: ['Prolate', 'Bent'],
    dimer: ['NewtonRings'],
    asymmetric: ['Asymmetric'],
    layered: ['Spherical/Oblate', 'Round', 'Layered'],
    streak: ['Streak'],
    empty: ['Empty'],
  };
  const out = [...base[kind]];
  if (kind === 'dimer' && (o.radiusRatio ?? 1) > 1.15) out.push('DoubleRings');
  if (o.streak && kind !== 'streak' && kind !== 'empty') out.push('Streak');
  return out;
}

/** A multi-hot int16 vector over {@link HELIUM_CLASSES}. */
export function multiHot(labels: readonly HeliumClass[]): Int16Array {
  const v = new Int16Array(HELIUM_CLASSES.length);
  for (const l of labels) v[HELIUM_CLASSES.indexOf(l)] = 1;
  return v;
}
