/**
 * One synthetic single-shot image: scene → projected density → |FT|² → detector counts.
 */
import type { Rng } from '../../core/rng.js';
import { multiHot } from './classes.js';
import { projectedDensity } from './density.js';
import { recordPattern } from './detector.js';
import type { PatternEngine } from './pattern.js';
import type { Scene } from './scene.js';

export interface SingleShotImage {
  /** Counts, n × n row-major [y, x]. */
  pixels: Uint16Array;
  /** Multi-hot over HELIUM_CLASSES. */
  label: Int16Array;
  scene: Scene;
}

/** The noise-free pattern of a scene (no detector), n × n, centred. */
export function sceneIntensity(scene: Scene, engine: PatternEngine): Float64Array {
  return engine.intensity(projectedDensity(scene.parts, engine.n));
}

/** Record a scene on its detector, with counting noise from `rng`. */
export function simulateSingleShot(scene: Scene, engine: PatternEngine, rng: Rng): SingleShotImage {
  const intensity = sceneIntensity(scene, engine);
  return {
    pixels: recordPattern(intensity, engine.n, scene.detector, rng),
    label: multiHot(scene.labels),
    scene,
  };
}
