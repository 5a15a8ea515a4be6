/**
 * The phase workflow's CNN: the `phase1d` architecture of the model registry
 * (`ml/models/phase1d.ts`, the seed's `cnn_large_filter.py`), with the profile length and
 * class count the workflow always knows. Defaults reproduce the seed: 3 × Conv1D(64, 6),
 * dropout 0.5, Dense(128), input (147, 1). Errors name the option (`depth`, `filters`,
 * `kernelSize`, `dense`, `dropout`); the CLI maps them to its flags.
 */
import type * as tf from '@tensorflow/tfjs';
import { PHASE1D, type Phase1dOptions } from '../../ml/models/phase1d.js';

/** The registry name recorded as `architecture.name` in a phase model's `bragg.json`. */
export const PHASE_CNN_ARCHITECTURE = PHASE1D.name;

export interface PhaseCnnConfig extends Partial<Phase1dOptions> {
  /** Profile length (q points). */
  inputLength: number;
  classes: number;
}

export type ResolvedPhaseCnnConfig = Phase1dOptions;

/** Fill in the defaults and check every option (ValidationError naming the option). */
export function resolvePhaseCnnConfig(c: PhaseCnnConfig): ResolvedPhaseCnnConfig {
  return PHASE1D.resolve(c);
}

/** Build the CNN; same (config, seed) → same initial weights. */
export function buildPhaseCnn(config: PhaseCnnConfig, seed: number): tf.LayersModel {
  return PHASE1D.build(resolvePhaseCnnConfig(config), seed);
}
