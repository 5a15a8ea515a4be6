/**
 * Training and batch prediction as recorded runs (`trackRun`): what `bragg phase train` and
 * `bragg phase predict` do, and what the Web API's jobs run. A training is recorded as
 * `phase-train` with its lineage dataset id(s) → model id; a prediction as `phase-predict` with
 * model id → prediction files. An abort of `signal` stops the work between two batches (or two
 * maps) and the run is recorded as interrupted.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { canonicalJson, sha256Hex } from '../../core/hash.js';
import type { RunRegistry } from '../../jobs/run-registry.js';
import { trackRun, trackTraining } from '../../jobs/tracked-run.js';
import type { ModelBundle } from '../../ml/store/bundle.js';
import { throwIfStopped } from '../command.js';
import { readExperimentalMap, type MapKeys } from './experiment.js';
import {
  predictPhaseMap,
  writePhasePrediction,
  type PhasePrediction,
  type PredictOptions,
  type WrittenPrediction,
} from './predict.js';
import { trainPhaseModel, type PhaseTrainOptions, type PhaseTrainResult } from './train.js';

/** A fresh id of a training run (`train-<8 hex>`). */
export function trainRunId(): string {
  return `train-${randomUUID().slice(0, 8)}`;
}

/** A fresh id of a prediction run (`predict-<8 hex>`). */
export function predictRunId(): string {
  return `predict-${randomUUID().slice(0, 8)}`;
}

/**
 * `trainPhaseModel(options)` recorded in `registry` as run `id` (kind `phase-train`); the
 * options' callbacks should stop the trainer on `signal` (see `stopOn` of the CLI).
 */
export function trackedPhaseTraining(
  registry: RunRegistry | undefined,
  options: PhaseTrainOptions,
  signal: AbortSignal,
  id: string = trainRunId(),
): Promise<PhaseTrainResult> {
  return trackTraining(registry, options, trainPhaseModel, {
    id,
    kind: 'phase-train',
    outDir: resolve(options.outDir),
    signal,
  });
}

export interface PredictedMap extends WrittenPrediction {
  map: string;
  prediction: PhasePrediction;
}

export interface PhasePredictionRun {
  bundle: ModelBundle;
  /** Experimental maps (.npz, .h5). */
  maps: readonly string[];
  /** Output folder of every map (default: beside each map). */
  outDir?: string;
  keys?: MapKeys;
  predict?: PredictOptions;
  /** After each map. */
  onMap?: (done: PredictedMap, index: number) => void;
}

/**
 * Predicts every map of `o` with one model, recorded in `registry` as run `id` (kind
 * `phase-predict`); stops before the next map once `signal` aborts (recorded interrupted).
 * The caller disposes of the bundle's model.
 */
export function trackedPhasePrediction(
  registry: RunRegistry | undefined,
  o: PhasePredictionRun,
  signal: AbortSignal,
  id: string = predictRunId(),
): Promise<PredictedMap[]> {
  const maps = [...o.maps];
  return trackRun(
    registry,
    {
      id,
      kind: 'phase-predict',
      configHash: sha256Hex(canonicalJson({ model: o.bundle.meta.id, maps })),
      config: { model: o.bundle.dir, maps: maps.map((m) => resolve(m)) },
      outDir: resolve(o.outDir ?? '.'),
    },
    async () => {
      const results: PredictedMap[] = [];
      for (const [i, file] of maps.entries()) {
        throwIfStopped(signal, 'interrupted');
        const map = await readExperimentalMap(file, o.keys);
        const p = await predictPhaseMap(o.bundle, map, o.predict);
        const written = await writePhasePrediction(o.outDir ?? resolve(file, '..'), map.name, p);
        const done = { map: file, ...written, prediction: p };
        results.push(done);
        o.onMap?.(done, i);
      }
      return {
        value: results,
        artifacts: results.flatMap((r) => [
          { kind: 'prediction', path: r.npz },
          { kind: 'phase-map', path: r.png },
        ]),
        lineage: [
          { role: 'input', kind: 'model', refId: o.bundle.meta.id },
          ...results.map((r) => ({ role: 'output' as const, kind: 'prediction', refId: r.npz })),
        ],
      };
    },
    signal,
  );
}
