/**
 * The phase workflow's runs as the Web API submits them: a request is checked whole before
 * anything runs (the sweep parsed and its CIFs read, the dataset, model and maps found), so a
 * bad one is a 4xx and never a failed run; then the run goes to the server's executor (the
 * local pool, or BullMQ with `--redis`): a dataset through `runPhaseDataset`, a training as a
 * `phase-train` job, a batch prediction as a `phase-predict` job (`workflows/phase/ml-jobs.ts`;
 * nothing of the tensor backend runs in the server) — each recorded in the run registry as the
 * CLI's runs are, with the executor's name. A cancel stops a training between two batches
 * (its checkpoints stay in `checkpoints/<run id>/` of the work area; no model is written).
 *
 * Where outputs go: the `--data` roots are served read-only, so a run writes into the server's
 * work area, `<run registry folder>/server/` (`$BRAGG_HOME/server`, next to `runs.sqlite`):
 * datasets in `datasets/<dataset id>/` (a training takes one as `data: {run: <run id>}`),
 * models in the models root (`--models`, so `GET /api/models` lists them), predictions in
 * `predictions/<run id>/` and, each file, as an upload (`{root: 'uploads', path: <id>}`).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LimitError, NotFoundError, ValidationError } from '../../core/errors.js';
import { formatKeyPath } from '../../core/yaml-config.js';
import { datasetRunId } from '../../jobs/dataset-run.js';
import { canonicalJson, sha256Hex } from '../../core/hash.js';
import { runSingleJob } from '../../jobs/single-job.js';
import { trackRun, trackTraining } from '../../jobs/tracked-run.js';
import { findModel } from '../../ml/store/model-folders.js';
import type { CommandContext, ExecutorChoice } from '../../workflows/command.js';
import {
  PHASE_PREDICT_JOB,
  PHASE_TRAIN_JOB,
  backendPayload,
  type PhasePredictJobResult,
  type PhaseTrainJobResult,
} from '../../workflows/phase/ml-jobs.js';
import { PHASE_DATASET_RUN_PREFIX, runPhaseDataset } from '../../workflows/phase/dataset/run.js';
import { sweepSchema } from '../../workflows/phase/dataset/sweep-schema.js';
import { resolveSweep, type ResolvedSweep } from '../../workflows/phase/dataset/sweep.js';
import { predictRunId, trainRunId } from '../../workflows/phase/runs.js';
import type { PhaseTrainOptions } from '../../workflows/phase/train.js';
import type { FileRef, RouteContext } from '../../workflows/route.js';
import { bundledStructurePath } from '../../workflows/structures.js';
import type { RunRegistry } from '../../jobs/run-registry.js';
import type { LiveRun, RunEnd } from './sse.js';

/** Most patterns one dataset run of the API may plan. */
export const MAX_DATASET_PATTERNS = 1_000_000;
/** Most maps of one prediction run. */
export const MAX_PREDICT_MAPS = 100;

/** A run ready to start: its id, kind and the work (given the live run for progress and abort). */
export interface PreparedRun {
  runId: string;
  kind: 'dataset' | 'train' | 'predict';
  /** Uses the tensor backend (trainings and predictions run one at a time). */
  ml: boolean;
  run(live: LiveRun): Promise<RunEnd>;
}

export interface JobsEnv {
  ctx: RouteContext;
  executorChoice: ExecutorChoice;
  /** The server's work area (see the module comment). */
  workDir: string;
}

/** The server's work area: `server/` beside the run registry. */
export function serverWorkDir(command: CommandContext): string {
  return join(dirname(command.registryPath()), 'server');
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function isFileRef(x: unknown): x is FileRef {
  return isObject(x) && typeof x.root === 'string' && typeof x.path === 'string';
}

/** The sweep of a dataset request: CIFs by bundled name or as served files; no output folder. */
export async function requestSweep(config: unknown, ctx: RouteContext): Promise<ResolvedSweep> {
  let raw = config;
  if (typeof config === 'string') {
    try {
      raw = parseYaml(config, { uniqueKeys: true }) as unknown;
    } catch (err) {
      const first = (err as Error).message.split('\n')[0];
      throw new ValidationError(`invalid YAML: ${first}`, 'config', { cause: err });
    }
  }
  if (!isObject(raw)) throw new ValidationError('expected a sweep (an object or its YAML text)', 'config'); // prettier-ignore
  const sweep: Record<string, unknown> = { ...raw };
  if (isObject(raw.output) && raw.output.dir !== undefined) {
    throw new ValidationError(
      'the server chooses where a dataset goes (its work area); leave output.dir out',
      'config.output.dir',
    );
  }
  if (Array.isArray(raw.phases)) {
    const phases: unknown[] = [];
    for (const [i, p] of (raw.phases as unknown[]).entries()) {
      const field = `config.phases[${i}].cif`;
      if (!isObject(p)) {
        phases.push(p);
        continue;
      }
      let cif: unknown = p.cif;
      if (typeof p.cif === 'string') cif = await bundledStructurePath(p.cif);
      else if (isFileRef(p.cif)) cif = await ctx.resolveFile(p.cif, `${field}.path`);
      else if (p.cif !== undefined) {
        throw new ValidationError('expected a bundled structure name or {root, path}', field);
      }
      phases.push({ ...p, cif });
    }
    sweep.phases = phases;
  }
  const parsed = sweepSchema.safeParse(sweep);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = [...issue.path];
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
    const msg = issue.code === 'unrecognized_keys' ? `unknown key '${issue.keys.join("', '")}'` : issue.message; // prettier-ignore
    throw new ValidationError(msg, path.length ? `config.${formatKeyPath(path)}` : 'config');
  }
  let resolved: ResolvedSweep;
  try {
    resolved = await resolveSweep(parsed.data, '/', undefined);
  } catch (err) {
    throw inConfig(err);
  }
  const s = resolved.sweep;
  const planned = s.seeds.length * resolved.classes.length * s.orientations.count;
  if (planned > MAX_DATASET_PATTERNS) {
    throw new LimitError('patterns of this sweep', {
      field: 'config.orientations.count',
      value: planned,
      limit: MAX_DATASET_PATTERNS,
      hint: 'run larger sweeps with `bragg simulate dataset`',
    });
  }
  return resolved;
}

/** An error naming a key of the sweep, renamed to the request field (`config.<key>`). */
function inConfig(err: unknown): unknown {
  if (err instanceof ValidationError && err.field !== undefined) {
    return new ValidationError(err.reason, `config.${err.field}`, { cause: err });
  }
  if (err instanceof LimitError && err.field !== undefined) {
    const field = `config.${err.field}`;
    return LimitError.fromFields(`${field}: ${err.reason}`, { ...err.fields(), field });
  }
  return err;
}

export async function prepareDataset(config: unknown, env: JobsEnv): Promise<PreparedRun> {
  const sweep = await requestSweep(config, env.ctx);
  const outDir = join(env.workDir, 'datasets', sweep.datasetId);
  const runId = datasetRunId(PHASE_DATASET_RUN_PREFIX, sweep.datasetId, outDir);
  return {
    runId,
    kind: 'dataset',
    ml: false,
    async run(live) {
      const executor = env.ctx.command.executor(env.executorChoice);
      const registry = env.ctx.command.openRegistry();
      try {
        live.log(`dataset ${sweep.datasetId} → ${outDir} on ${executor.name}`);
        const r = await runPhaseDataset({
          sweep,
          outDir,
          executor,
          registry,
          signal: live.signal,
          onProgress: (p) => {
            live.progressed({
              done: p.doneShards,
              total: p.totalShards,
              failed: p.failedShards,
              patterns: p.donePatterns,
              totalPatterns: p.totalPatterns,
            });
            if (p.event.kind === 'failed') live.log(`shard ${p.event.shard} failed: ${p.event.error ?? ''}`); // prettier-ignore
          },
        });
        const failed = r.manifest.failed.length;
        return {
          status: r.result.status,
          ...(failed ? { error: `${failed} shard(s) failed` } : {}),
        };
      } finally {
        await executor.close();
        registry.close();
      }
    },
  };
}

/** The dataset folder a training request names: a served folder (or manifest) or a dataset run. */
async function trainingData(data: unknown, env: JobsEnv): Promise<string> {
  if (isObject(data) && typeof data.run === 'string' && data.root === undefined) {
    const registry = env.ctx.command.openRegistry();
    try {
      const manifest = registry.artifacts(registry.getRun(data.run).id).find((a) => a.kind === 'manifest'); // prettier-ignore
      if (!manifest) throw new ValidationError(`run ${data.run} made no dataset`, 'data.run');
      return dirname(manifest.path);
    } finally {
      registry.close();
    }
  }
  if (!isFileRef(data)) {
    throw new ValidationError('expected {root, path} of a dataset or {run: <dataset run id>}', 'data'); // prettier-ignore
  }
  const path = await env.ctx.resolveFile(data, 'data.path');
  const manifest = statSync(path).isDirectory() ? join(path, 'manifest.json') : path;
  if (!existsSync(manifest)) {
    throw new NotFoundError(`${data.root}:${data.path} is not a phase dataset (no manifest.json)`, {
      what: 'dataset',
      resource: data.path,
    });
  }
  return path;
}

export interface TrainRequestOptions {
  epochs?: number | undefined;
  batchSize?: number | undefined;
  seed?: number | undefined;
  valSplit?: number | undefined;
  learningRate?: number | undefined;
  patience?: number | undefined;
  architecture?: PhaseTrainOptions['architecture'] | undefined;
}

/** How long a cancelled training or prediction may take to stop by itself [ms]. */
export const ML_STOP_GRACE_MS = 60_000;

/**
 * The executor of a training or prediction: the server's (BullMQ with `--redis`), else a
 * pool of one thread (one job; the thread's tensor backend uses the cores).
 */
export function mlExecutor(env: JobsEnv) {
  const c = env.executorChoice;
  return env.ctx.command.executor(c.redis ? c : { ...c, inline: false, workers: 1 });
}

/** `body` with the ML executor and the run registry, both closed after it. */
export async function withMlExecutor<T>(
  env: JobsEnv,
  body: (executor: ReturnType<typeof mlExecutor>, registry: RunRegistry) => Promise<T>,
): Promise<T> {
  const executor = mlExecutor(env);
  const registry = env.ctx.command.openRegistry();
  try {
    return await body(executor, registry);
  } finally {
    await executor.close();
    registry.close();
  }
}

/** Files a run made, stored as uploads (a client fetches them as `{root: 'uploads', path}`). */
export async function uploadOutputs(
  env: JobsEnv,
  files: readonly { kind: string; file: string; name?: string }[],
): Promise<NonNullable<RunEnd['outputs']>> {
  const outputs: NonNullable<RunEnd['outputs']> = [];
  for (const f of files) {
    const name = f.name ?? f.file.split('/').pop()!;
    const rec = await env.ctx.saveUpload(name, new Uint8Array(await readFile(f.file)));
    outputs.push({ kind: f.kind, root: 'uploads', path: rec.id, name: rec.name });
  }
  return outputs;
}

/** A training job's progress → the live run's progress and epoch lines. */
function trainProgress(live: LiveRun, epochs: number): (data: unknown) => void {
  return (data) => {
    if (!isObject(data)) return;
    if (data.type === 'batch' && typeof data.epoch === 'number') {
      live.progressed({ done: data.epoch, total: epochs, failed: 0 });
    } else if (data.type === 'epoch' && typeof data.epoch === 'number') {
      live.progressed({ done: data.epoch + 1, total: epochs, failed: 0 });
      const num = (k: string): number => (typeof data[k] === 'number' ? (data[k] as number) : NaN);
      const v = typeof data.val_loss === 'number' ? `, val_loss ${data.val_loss.toFixed(4)}` : '';
      live.log(`epoch ${data.epoch + 1}: loss ${num('loss').toFixed(4)}, acc ${(100 * num('accuracy')).toFixed(2)} %${v}`); // prettier-ignore
    }
  };
}

export async function prepareTraining(
  data: unknown,
  options: TrainRequestOptions,
  env: JobsEnv,
): Promise<PreparedRun> {
  const dir = await trainingData(data, env);
  const runId = trainRunId();
  const epochs = options.epochs ?? 10;
  return {
    runId,
    kind: 'train',
    ml: true,
    async run(live) {
      live.progressed({ done: 0, total: epochs, failed: 0 });
      const executor = mlExecutor(env);
      const registry = env.ctx.command.openRegistry();
      const checkpointDir = join(env.workDir, 'checkpoints', runId);
      const trainOptions = {
        data: dir,
        outDir: env.ctx.modelsRoot,
        checkpointDir,
        ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      };
      try {
        live.log(`training on ${executor.name}`);
        const r = await trackTraining(
          registry,
          trainOptions,
          async (o) =>
            (await runSingleJob(executor, {
              runId,
              key: 'train',
              request: {
                type: PHASE_TRAIN_JOB,
                payload: { ...o, backend: backendPayload(env.ctx.command.backendConfig()) },
              },
              stopGraceMs: ML_STOP_GRACE_MS,
              attempts: 1,
              signal: live.signal,
              onProgress: trainProgress(live, epochs),
            })) as PhaseTrainJobResult,
          {
            id: runId,
            kind: 'phase-train',
            outDir: resolve(env.ctx.modelsRoot),
            signal: live.signal,
            executor: executor.name,
          },
        );
        live.log(`model ${r.meta.id}: held-out accuracy ${(100 * r.confusion.accuracy).toFixed(2)} %`); // prettier-ignore
        return { status: 'completed', outputs: [] };
      } catch (err) {
        if (live.signal.aborted && existsSync(join(checkpointDir, 'last'))) {
          live.log(`stopped; checkpoints kept in the server's work area (checkpoints/${runId})`);
        }
        throw err;
      } finally {
        await executor.close();
        registry.close();
      }
    },
  };
}

export async function preparePrediction(
  model: string,
  input: unknown,
  env: JobsEnv,
): Promise<PreparedRun> {
  const m = await findModel(env.ctx.modelsRoot, model, 'model');
  const refs = Array.isArray(input) ? input : [input];
  if (refs.length === 0 || refs.length > MAX_PREDICT_MAPS) {
    throw new ValidationError(`expected 1…${MAX_PREDICT_MAPS} maps, got ${refs.length}`, 'input');
  }
  const maps: string[] = [];
  for (const [i, ref] of refs.entries()) {
    const field = Array.isArray(input) ? `input[${i}]` : 'input';
    if (!isFileRef(ref)) throw new ValidationError('expected {root, path}', field);
    maps.push(await env.ctx.resolveFile(ref, `${field}.path`));
  }
  const runId = predictRunId();
  return {
    runId,
    kind: 'predict',
    ml: true,
    run: (live) =>
      withMlExecutor(env, async (executor, registry) => {
        const outDir = join(env.workDir, 'predictions', runId);
        live.progressed({ done: 0, total: maps.length, failed: 0 });
        // recorded as `trackedPhasePrediction` records it, the work on the executor
        const done = await trackRun(
          registry,
          {
            id: runId,
            kind: 'phase-predict',
            configHash: sha256Hex(canonicalJson({ model: m.meta.id, maps })),
            config: { model: m.dir, maps: maps.map((x) => resolve(x)) },
            outDir: resolve(outDir),
            executor: executor.name,
          },
          async () => {
            const r = (await runSingleJob(executor, {
              runId,
              key: 'predict',
              request: {
                type: PHASE_PREDICT_JOB,
                payload: { modelDir: m.dir, maps, outDir, backend: backendPayload(env.ctx.command.backendConfig()) }, // prettier-ignore
              },
              stopGraceMs: ML_STOP_GRACE_MS,
              attempts: 1,
              signal: live.signal,
              onProgress: (d) => {
                if (!isObject(d) || d.type !== 'map' || typeof d.index !== 'number') return;
                live.progressed({ done: d.index + 1, total: maps.length, failed: 0 });
                live.log(`${refs.length > 1 ? `map ${d.index + 1}: ` : ''}${String(d.ny)} × ${String(d.nx)} pixels`); // prettier-ignore
              },
            })) as PhasePredictJobResult;
            return {
              value: r.maps,
              artifacts: r.maps.flatMap((x) => [
                { kind: 'prediction', path: x.npz },
                { kind: 'phase-map', path: x.png },
              ]),
              lineage: [
                { role: 'input' as const, kind: 'model', refId: r.modelId },
                ...r.maps.map((x) => ({
                  role: 'output' as const,
                  kind: 'prediction',
                  refId: x.npz,
                })),
              ],
            };
          },
          live.signal,
        );
        const files = done.flatMap((r) => [
          { kind: 'prediction', file: r.npz },
          { kind: 'phase-map', file: r.png },
        ]);
        return { status: 'completed', outputs: await uploadOutputs(env, files) };
      }),
  };
}
