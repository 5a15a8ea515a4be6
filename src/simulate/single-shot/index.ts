/** Synthetic single-shot small-angle diffraction images (physics only; no I/O). */
export { HELIUM_CLASSES, SCENE_KINDS, labelsOf, multiHot } from './classes.js';
export type { HeliumClass, SceneKind } from './classes.js';
export { addEllipsoid, projectedDensity, sphere } from './density.js';
export type { Ellipsoid } from './density.js';
export { detectorMask, recordPattern } from './detector.js';
export type { DetectorOptions } from './detector.js';
export { PatternEngine } from './pattern.js';
export { randomScene } from './scene.js';
export type { Scene } from './scene.js';
export { sceneIntensity, simulateSingleShot } from './simulate.js';
export type { SingleShotImage } from './simulate.js';
