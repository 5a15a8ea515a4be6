/**
 * What a training checkpoint holds and how a resume checks it. The files (published together by
 * `checkpoint-store.ts`): `model.json` + `weights.bin` (the model), `optimizer.json` +
 * `optimizer.bin` (the optimiser's slot tensors), `trainer.json` ({@link TrainerState}: next
 * epoch, optimiser step and kind, dropout rng state, early-stopping state, history, and the
 * fingerprint of the model it was made for).
 *
 * {@link restoreCheckpoint} loads a verified checkpoint into the model and optimiser of this
 * run, after checking that it fits: the same architecture (layers, input/output and weight
 * shapes: a ValidationError of `resume` otherwise), the same kind of optimiser (of `optimizer`),
 * optimiser slots that match the weights' variables and a consistent `trainer.json` (FormatErrors
 * naming the file). Nothing is changed before every check has passed.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { z } from 'zod';
import { FormatError, ValidationError } from '../../core/errors.js';
import { SeededDropout } from '../layers/seeded-dropout.js';
import type { EpochRecord } from './callbacks.js';
import { decodeTensors, filesToArtifacts, modelFiles, parseTensorSpecs } from './checkpoint.js';
import { MODEL_JSON, setModelWeights, tensorFiles, WEIGHTS_BIN } from './checkpoint.js';
import type { CheckpointFiles, VerifiedCheckpoint } from './checkpoint-store.js';
import type { Optimizer, OptimizerSpec } from './optimizers.js';

export const TRAINER_JSON = 'trainer.json';
export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';
/** The files every training checkpoint has. */
export const CHECKPOINT_FILES = [
  MODEL_JSON,
  WEIGHTS_BIN,
  OPTIMIZER_JSON,
  OPTIMIZER_BIN,
  TRAINER_JSON,
];

const FORMAT = 'bragg checkpoint';

/** What a checkpoint must agree with: layer classes, input/output shapes, weight shapes. */
export interface ModelFingerprint {
  layers: string[];
  inputs: (number | null)[][];
  outputs: (number | null)[][];
  weights: number[][];
}

/** The trainer's state after an epoch, as `trainer.json` holds it. */
export interface TrainerState {
  version: 2;
  /** Next epoch to run. */
  epoch: number;
  optimizerStep: number;
  /** The optimiser the slots belong to. */
  optimizer: OptimizerSpec;
  /** [seed, calls] of each SeededDropout layer: the rng state. */
  dropout: [number, number][];
  bestValLoss: number | null;
  wait: number;
  history: EpochRecord[];
  model: ModelFingerprint;
}

const dim = z.number().int().nonnegative();
const maybeNumber = z
  .number()
  .nullable()
  .transform((v) => v ?? NaN); // JSON writes NaN as null
const stateSchema = z.object({
  version: z.literal(2),
  epoch: dim,
  optimizerStep: dim,
  optimizer: z
    .object({ kind: z.enum(['sgd', 'adam', 'adamw']), momentum: z.number().optional() })
    .passthrough(),
  dropout: z.array(z.tuple([z.number().int(), z.number().int().nonnegative()])),
  bestValLoss: z.number().nullable(),
  wait: dim,
  history: z.array(
    z
      .object({
        epoch: dim,
        loss: maybeNumber,
        accuracy: maybeNumber,
        val_loss: maybeNumber.optional(),
        val_accuracy: maybeNumber.optional(),
        lr: z.number(),
        seconds: z.number(),
      })
      .passthrough(),
  ),
  model: z.object({
    layers: z.array(z.string()),
    inputs: z.array(z.array(dim.nullable())),
    outputs: z.array(z.array(dim.nullable())),
    weights: z.array(z.array(dim)),
  }),
});

export function dropoutLayers(model: tf.LayersModel): SeededDropout[] {
  return model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);
}

export function fingerprint(model: tf.LayersModel): ModelFingerprint {
  return {
    layers: model.layers.map((l) => l.getClassName()),
    inputs: model.inputs.map((t) => [...t.shape]),
    outputs: model.outputs.map((t) => [...t.shape]),
    weights: model.weights.map((w) => w.shape.map((d) => d ?? 0)),
  };
}

/** The first difference between two fingerprints, in words; `undefined` when they agree. */
function fingerprintDifference(saved: ModelFingerprint, now: ModelFingerprint): string | undefined {
  const list = (xs: (number | null)[][]): string =>
    xs.map((s) => `[${s.map((d) => d ?? '?').join(', ')}]`).join(' ');
  const checks: [string, string, string][] = [
    ['layers', String(saved.layers.length), String(now.layers.length)],
    ...saved.layers.map((c, i): [string, string, string] => [`layer ${i}`, c, now.layers[i] ?? '']),
    ['inputs', list(saved.inputs), list(now.inputs)],
    ['outputs', list(saved.outputs), list(now.outputs)],
    ['weights', String(saved.weights.length), String(now.weights.length)],
    ...saved.weights.map((s, i): [string, string, string] => [
      `weight ${i}`,
      list([s]),
      list(now.weights[i] === undefined ? [] : [now.weights[i]]),
    ]),
  ];
  const d = checks.find(([, a, b]) => a !== b);
  return d === undefined ? undefined : `${d[0]}: checkpoint ${d[1]}, model ${d[2]}`;
}

/** The files of a checkpoint of `model`, its optimiser `slots` and `state`. */
export async function checkpointFiles(
  model: tf.LayersModel,
  state: TrainerState,
  slots: readonly tf.Tensor[],
): Promise<CheckpointFiles> {
  const m = await modelFiles(model);
  const o = await tensorFiles(slots);
  return {
    [MODEL_JSON]: m.modelJson,
    [WEIGHTS_BIN]: m.weights,
    [OPTIMIZER_JSON]: o.specs,
    [OPTIMIZER_BIN]: o.data,
    [TRAINER_JSON]: Buffer.from(JSON.stringify(state)),
  };
}

function parseState(data: Uint8Array, file: string): TrainerState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new FormatError(FORMAT, `${TRAINER_JSON} is not JSON`, { file, cause: err });
  }
  const r = stateSchema.safeParse(parsed);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new FormatError(FORMAT, `${TRAINER_JSON} does not describe a training state`, {
      file,
      path: issue.path.join('.') || '(root)',
      expected: issue.message,
    });
  }
  const s = r.data as unknown as TrainerState;
  if (s.history.length !== s.epoch) {
    throw new FormatError(FORMAT, `${TRAINER_JSON} is inconsistent`, {
      file,
      path: 'history',
      expected: `${s.epoch} epochs (one per epoch run)`,
      found: `${s.history.length}`,
    });
  }
  return s;
}

/** How many slot tensors `spec` holds after `step` updates of `vars` variables. */
function slotCount(spec: OptimizerSpec, step: number, vars: number): number {
  if (step === 0) return 0;
  if (spec.kind === 'sgd') return (spec.momentum ?? 0) > 0 ? vars : 0;
  return 2 * vars;
}

/** Whether two optimiser specs keep slots of the same layout (rates may change on resume). */
function sameSlots(a: OptimizerSpec, b: OptimizerSpec): boolean {
  const momentum = (s: OptimizerSpec): boolean => s.kind === 'sgd' && (s.momentum ?? 0) > 0;
  // adam and adamw keep the same slots (m, v)
  return (a.kind === 'sgd') === (b.kind === 'sgd') && momentum(a) === momentum(b);
}

/**
 * Checks the verified checkpoint `ck` against this run (`model`, `optimizer`, its `spec` and
 * the trainable `vars` it updates) and loads it: weights, optimiser slots and step, dropout rng
 * state. Returns the trainer state to continue from.
 */
export async function restoreCheckpoint(
  ck: VerifiedCheckpoint,
  model: tf.LayersModel,
  optimizer: Optimizer,
  spec: OptimizerSpec,
  vars: tf.Variable[],
): Promise<TrainerState> {
  const path = (name: string): string => join(ck.dir, name);
  const bytes = (name: string): Buffer => ck.files.get(name)!;
  const state = parseState(bytes(TRAINER_JSON), path(TRAINER_JSON));
  const diff = fingerprintDifference(state.model, fingerprint(model));
  if (diff !== undefined) {
    throw new ValidationError(
      `the checkpoint ${path(TRAINER_JSON)} was written for another architecture (${diff})`,
      'resume',
    );
  }
  if (!sameSlots(state.optimizer, spec)) {
    throw new ValidationError(
      `the checkpoint ${path(TRAINER_JSON)} holds the state of ${describe(state.optimizer)}, ` +
        `this run uses ${describe(spec)}`,
      'optimizer',
    );
  }
  const dropouts = dropoutLayers(model);
  if (state.dropout.length !== dropouts.length) {
    throw new FormatError(FORMAT, `${TRAINER_JSON} does not fit the model's dropout layers`, {
      file: path(TRAINER_JSON),
      path: 'dropout',
      expected: `${dropouts.length} rng states`,
      found: `${state.dropout.length}`,
    });
  }
  const artifacts = await filesToArtifacts(
    bytes(MODEL_JSON),
    (p) => {
      if (p.replace(/^\.\//, '') !== WEIGHTS_BIN) {
        throw new FormatError(FORMAT, `${MODEL_JSON} names a weights file it should not`, {
          file: path(MODEL_JSON),
          expected: WEIGHTS_BIN,
          found: p,
        });
      }
      return Promise.resolve(bytes(WEIGHTS_BIN));
    },
    { modelFile: path(MODEL_JSON), weightsFile: path(WEIGHTS_BIN) },
  );
  const specs = parseTensorSpecs(bytes(OPTIMIZER_JSON), path(OPTIMIZER_JSON));
  const want = slotCount(spec, state.optimizerStep, vars.length);
  const bad =
    specs.length !== want
      ? -1
      : specs.findIndex((s, i) => s.shape.join(',') !== vars[i % vars.length]!.shape.join(','));
  if (specs.length !== want || bad >= 0) {
    throw new FormatError(FORMAT, "the optimizer state does not match the model's variables", {
      file: path(OPTIMIZER_JSON),
      ...(bad < 0
        ? {
            expected: `${want} slot tensors (${describe(spec)}, ${vars.length} variables, step ${state.optimizerStep})`,
            found: `${specs.length}`,
          }
        : {
            path: `[${bad}]`,
            expected: `shape [${vars[bad % vars.length]!.shape.join(', ')}]`,
            found: `[${specs[bad]!.shape.join(', ')}]`,
          }),
    });
  }
  const slots = decodeTensors(specs, bytes(OPTIMIZER_BIN), path(OPTIMIZER_BIN));
  try {
    setModelWeights(model, artifacts, path(MODEL_JSON));
    // Adam holds no slots before its first step: a fresh optimiser is that state.
    if (slots.length > 0 || spec.kind === 'sgd') {
      optimizer.setState({ step: state.optimizerStep, slots }, vars);
    }
  } finally {
    tf.dispose(slots);
  }
  dropouts.forEach((l, i) => ([l.seed, l.calls] = state.dropout[i]!));
  return state;
}

function describe(spec: OptimizerSpec): string {
  if (spec.kind !== 'sgd') return spec.kind;
  return (spec.momentum ?? 0) > 0 ? 'sgd with momentum' : 'sgd without momentum';
}
