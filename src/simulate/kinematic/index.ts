/** Kinematic electron diffraction: the public API of src/simulate/kinematic. */
export type { KinematicAtom, KinematicCrystal, CrystalSymmetry } from './crystal.js';
export { crystalSymmetry, checkCrystal } from './crystal.js';
export type { ReflectionOptions, ReflectionTable, FamilyTable, Species } from './reflections.js';
export { prepareReflections, structureFactor, familyF2 } from './reflections.js';
export type { PeakShape, ProfileOptions, Normalisation } from './profile.js';
export {
  PEAK_SHAPES,
  SEED147_Q_MIN,
  SEED147_Q_MAX,
  seed147Axis,
  linspace,
  kinematicProfile,
  peakValue,
  interpolate,
  normaliseInPlace,
} from './profile.js';
export type { ExcitationShape, PatternOptions, SpotList } from './pattern.js';
export { EXCITATION_SHAPES, simulateSpots } from './pattern.js';
export type { DetectorOptions, RadialOptions, RadialIntegrator } from './detector.js';
export { renderPattern, radialProfile, createRadialIntegrator, checkDetector } from './detector.js';
