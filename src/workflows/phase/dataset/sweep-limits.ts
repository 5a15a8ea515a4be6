/**
 * The size of a sweep, estimated and checked before anything runs: the plan holds one job
 * request per shard (with the phases' CIF texts) and the run registry one row per shard, so the
 * number of shards is bounded; the whole dataset must fit a bounded number of patterns; a grid
 * sampling's step must give a grid the shard jobs can walk (see `checkGridStep`). A sweep over
 * a limit fails when it is loaded, with the number, the limit and the key that sets it.
 */
import { LimitError } from '../../../core/errors.js';
import { checkGridStep } from '../../../simulate/orientation/sampling.js';
import { radialBinCount } from './profiles.js';
import type { Sweep } from './sweep-schema.js';

/** Most shards in one dataset run (each is a planned job, a registry row, a manifest entry). */
export const MAX_SHARDS = 100_000;

/**
 * Most patterns in one dataset: 1e9, about 1.2 TB of shards at the seed's sizes (147 q points
 * and a 147 px crop, float32) and years of simulation on one machine.
 */
export const MAX_PATTERNS = 1_000_000_000;

/**
 * Most bytes of profiles one shard holds (1 GiB): a shard job keeps its patterns in memory and
 * writing the file copies them about twice more.
 */
export const MAX_SHARD_BYTES = 2 ** 30;

/** Bytes of one pattern in a shard: its three profiles (float32) and three labels [bytes]. */
export function bytesPerPattern(sweep: Sweep): number {
  const [start, stop] = sweep.postprocessing.cropPx;
  const bins = radialBinCount(sweep.detector.size);
  return 4 * (bins + (stop - start) + sweep.postprocessing.qAxis.points + 3);
}

/** Shards and patterns a sweep plans, from its counts alone (no CIF read). */
export function sweepSize(sweep: Sweep): { shards: number; patterns: number; classes: number } {
  const classes = sweep.phases.length + (sweep.backgroundClass ? 1 : 0);
  const perClass = sweep.seeds.length * classes;
  return {
    classes,
    shards: perClass * Math.ceil(sweep.orientations.count / sweep.chunkSize),
    patterns: perClass * sweep.orientations.count,
  };
}

/** Throws a `LimitError` naming the sweep key when the sweep is over a limit. */
export function checkSweepSize(sweep: Sweep): void {
  const { shards, patterns, classes } = sweepSize(sweep);
  const times = `${sweep.seeds.length} seed(s) × ${classes} class(es)`;
  if (patterns > MAX_PATTERNS) {
    throw new LimitError(`${times} × ${sweep.orientations.count} patterns is too many`, {
      field: 'orientations.count',
      value: patterns,
      limit: MAX_PATTERNS,
      unit: 'patterns',
      hint: `at most ${Math.floor(MAX_PATTERNS / (sweep.seeds.length * classes))} per class and seed`,
    });
  }
  if (shards > MAX_SHARDS) {
    const perClass = sweep.seeds.length * classes;
    const blocks = Math.floor(MAX_SHARDS / perClass);
    const blocksNow = Math.ceil(sweep.orientations.count / sweep.chunkSize);
    throw new LimitError(
      `${times} × ${blocksNow} blocks of chunkSize ${sweep.chunkSize} is too many shards`,
      {
        field: 'chunkSize',
        value: shards,
        limit: MAX_SHARDS,
        unit: 'shards',
        hint:
          blocks === 0
            ? 'use fewer seeds'
            : `use a chunkSize of at least ${Math.ceil(sweep.orientations.count / blocks)}`,
      },
    );
  }
  const perShard = Math.min(sweep.chunkSize, sweep.orientations.count);
  const per = bytesPerPattern(sweep);
  if (perShard * per > MAX_SHARD_BYTES) {
    throw new LimitError(`a shard of ${perShard} patterns of ${per} bytes is too large`, {
      field: 'chunkSize',
      value: perShard * per,
      limit: MAX_SHARD_BYTES,
      unit: 'bytes',
      hint: `use a chunkSize of at most ${Math.floor(MAX_SHARD_BYTES / per)}`,
    });
  }
  if (sweep.orientations.sampling === 'grid') {
    checkGridStep(sweep.orientations.gridStepDeg, 'orientations.gridStepDeg');
  }
}
