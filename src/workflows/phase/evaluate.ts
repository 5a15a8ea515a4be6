/**
 * `bragg phase evaluate`: prediction files (`<name>_probability_pred.npz`) checked against
 * physics: the experimental map they came from (found in the experiment directory by name, as
 * the seed did), and reference reflections from each phase's CIF; see `metrics.ts`.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import { toFloat32 } from '../../core/ndarray.js';
import { readNpz } from '../../formats/npy/npz.js';
import { readExperimentalMap, type MapKeys } from './experiment.js';
import { evaluatePhaseMap, type PhaseEvaluationOptions, type PhaseResult } from './metrics.js';
import { referencePeaksForPhase } from './references.js';

export const PRED_SUFFIX = '_probability_pred.npz';
const EXP_EXTENSIONS = ['.npz', '.h5', '.hdf5', '.nxs'];

export interface PredictionFile {
  file: string;
  pred: Float32Array;
  ny: number;
  nx: number;
  phases: string[];
  cnnId: string;
}

/**
 * A prediction file that is not there, or a folder: a NotFoundError naming the file in words
 * (the system error stays the cause), before any reading starts.
 */
async function checkPredictionFile(file: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(file)).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : (code ?? (err as Error).message);
    throw new NotFoundError(`prediction file ${file}: ${why}`, {
      what: 'file',
      resource: file,
      cause: err,
    });
  }
  if (!isFile) {
    throw new NotFoundError(`prediction file ${file} is a folder, not a *${PRED_SUFFIX} file`, {
      what: 'file',
      resource: file,
    });
  }
}

export async function readPredictionFile(file: string): Promise<PredictionFile> {
  await checkPredictionFile(file);
  const a = await readNpz(file);
  const pred = a.pred;
  const phases = a.phases;
  const cnnId = a.cnn_id;
  if (!pred || !phases || !cnnId) {
    throw new FormatError('phase prediction', 'missing members', {
      file,
      expected: 'pred, phases, cnn_id',
      found: Object.keys(a).join(', ') || 'none',
    });
  }
  if (phases.dtype !== 'string' || phases.shape.length !== 1) {
    throw new FormatError('phase prediction', 'phases must be a 1-D string array', {
      file,
      path: 'phases',
      found: `${phases.dtype} [${phases.shape.join(', ')}]`,
    });
  }
  const names = phases.data as string[];
  if (pred.shape.length !== 3 || pred.shape[2] !== names.length) {
    throw new FormatError('phase prediction', 'pred must be (ny, nx, n_phases)', {
      file,
      path: 'pred',
      expected: `(ny, nx, ${names.length})`,
      found: `[${pred.shape.join(', ')}]`,
    });
  }
  const id = cnnId.dtype === 'string' ? (cnnId.data as string[])[0] : undefined;
  return {
    file,
    pred: pred.dtype === 'float32' ? (pred.data as Float32Array) : toFloat32(pred),
    ny: pred.shape[0]!,
    nx: pred.shape[1]!,
    phases: [...names],
    cnnId: id ?? '',
  };
}

/** The experimental file a prediction came from: `<expDir>/<name>.{npz,h5,hdf5,nxs}`. */
export async function findExperimentFile(predFile: string, expDir: string): Promise<string> {
  const base = basename(predFile);
  const name = base.endsWith(PRED_SUFFIX)
    ? base.slice(0, -PRED_SUFFIX.length)
    : base.split('_probab')[0]!;
  for (const ext of EXP_EXTENSIONS) {
    const p = join(expDir, name + ext);
    if (existsSync(p)) return p;
  }
  // the seed matched any path containing the name
  const entries = existsSync(expDir) ? await readdir(expDir) : [];
  const hit = entries.find(
    (e) =>
      e.includes(name) && EXP_EXTENSIONS.some((x) => e.endsWith(x)) && !e.endsWith(PRED_SUFFIX),
  );
  if (hit) return join(expDir, hit);
  throw new NotFoundError(
    `no experimental map for ${base} in ${resolve(expDir)} (looked for ${name}{${EXP_EXTENSIONS.join(',')}})`,
  );
}

export interface FileEvaluation {
  prediction: string;
  experiment: string;
  cnnId: string;
  pixels: number;
  qRange: [number, number];
  phases: PhaseResult[];
  /** Mean of `meanDistance` over the present phases with peaks (Å⁻¹); null if none. */
  meanDistance: number | null;
}

export interface EvaluateOptions extends PhaseEvaluationOptions {
  keys?: MapKeys;
}

export async function evaluatePredictionFile(
  predFile: string,
  expDir: string,
  cifDir: string,
  o: EvaluateOptions = {},
): Promise<FileEvaluation> {
  const p = await readPredictionFile(predFile);
  const expFile = await findExperimentFile(predFile, expDir);
  const map = await readExperimentalMap(expFile, o.keys);
  if (map.ny !== p.ny || map.nx !== p.nx) {
    throw new ValidationError(
      `prediction ${predFile} is ${p.ny} × ${p.nx} pixels but the map ${expFile} is ${map.ny} × ${map.nx}`,
      'pred',
    );
  }
  const qMax = map.q[map.q.length - 1]!;
  const refs = [];
  for (const phase of p.phases) {
    // the sweep's all-background class has no structure: no reference reflections
    const noCif = phase === 'background' && !existsSync(join(cifDir, 'background.cif'));
    refs.push(noCif ? [] : await referencePeaksForPhase(cifDir, phase, qMax));
  }
  const phases = evaluatePhaseMap(map.q, map.y, p.pred, p.phases, refs, o);
  const d = phases.flatMap((r) =>
    r.status === 'present' && r.meanDistance !== null ? [r.meanDistance] : [],
  );
  return {
    prediction: predFile,
    experiment: expFile,
    cnnId: p.cnnId,
    pixels: p.ny * p.nx,
    qRange: [map.q[0]!, qMax],
    phases,
    meanDistance: d.length ? d.reduce((a, b) => a + b, 0) / d.length : null,
  };
}
