/**
 * `bragg simulate pacbed-dataset`: a resolved config → its shards as `pacbed-shard` jobs → an
 * executor → the training table, through the job runtime's one dataset pipeline. Executors:
 * the inline one (shards one after another on this thread, each simulated on the multislice
 * worker-thread pool; the CLI's default), the local pool (shards in parallel on worker
 * threads), or BullMQ workers. Shards whose table rows exist are skipped, so running the same
 * command again resumes; a shard's rows file that is not the one the run registry recorded
 * (truncated, edited) is moved aside and written again by the runtime (`runSharded`).
 * Beside the table, every run (also one that skips every shard) writes the dataset's
 * simulation recipe, `<table>.recipe.json` (`recipe.ts`): what the validation figure needs to
 * simulate a case on the fly where the table's images are not at hand.
 */
import { availableParallelism } from 'node:os';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BraggError, FormatError } from '../../../core/errors.js';
import { runDataset, type DatasetRunOptions } from '../../../jobs/dataset-run.js';
import type { ShardedRunResult } from '../../../jobs/sharded-run.js';
import { planPacbedShards, type ResolvedPacbedDataset } from './config.js';
import { recipeFromDataset, recipePath, writeRecipe } from '../recipe.js';
import { TABLE_COLUMNS, type PacbedShardPayload } from './shard-job.js';

export interface PacbedDatasetRunOptions extends DatasetRunOptions {
  dataset: ResolvedPacbedDataset;
  /** Multislice threads per shard (default: cores, at most 8; with an inline executor). */
  threads?: number;
}

export interface PacbedDatasetRunResult {
  runId: string;
  tablePath: string;
  /** Table rows (images) written to the table. */
  rows: number;
  /** The simulation recipe beside the table (`<table>.recipe.json`). */
  recipePath: string;
  result: ShardedRunResult;
}

/** Prefix of PACBED dataset run ids (`pacbed-<dataset id>-<output directory hash>`). */
export const PACBED_DATASET_RUN_PREFIX = 'pacbed';

export async function runPacbedDataset(
  o: PacbedDatasetRunOptions,
): Promise<PacbedDatasetRunResult> {
  const r = o.dataset;
  const c = r.config;
  const shards = planPacbedShards(r);
  await mkdir(join(r.outDir, 'tables'), { recursive: true });
  const threads = o.threads ?? Math.min(8, availableParallelism());
  const recipe = recipeFromDataset(r);
  let rows = 0;
  let tablePath = '';
  let recipeFile = '';
  const run = await runDataset(
    {
      kind: 'simulate-pacbed-dataset',
      runPrefix: PACBED_DATASET_RUN_PREFIX,
      datasetId: r.datasetId,
      outDir: r.outDir,
      configHash: r.hash,
      config: c,
      tempDirs: ['tables', ...shards.map((s) => s.dir)],
      shards: ({ outDir }) =>
        shards.map((s) => {
          const payload: PacbedShardPayload = {
            outDir,
            cifText: r.cifText,
            cifName: r.cifPath,
            material: r.material,
            zone: c.zone,
            kv: c.kv,
            convergenceAngle: s.convergenceAngle,
            mistilt: s.mistilt,
            azimuth: s.azimuth,
            thicknesses: s.thicknesses,
            images: s.images,
            tableFile: s.tableFile,
            id: s.id,
            seed: s.seed,
            simulation: recipe.simulation,
            output: { format: c.output.format, size: c.output.size, resize: c.output.resize },
            threads,
          };
          return {
            id: s.id,
            file: s.tableFile,
            count: s.thicknesses.length,
            request: { type: 'pacbed-shard', payload },
          };
        }),
      async publish(result, info) {
        ({ tablePath, rows } = await writeTrainingTable(result, info.outDir, c.output.table));
        recipeFile = recipePath(tablePath);
        await writeRecipe(recipeFile, recipe);
        return [
          { kind: 'table', path: tablePath },
          { kind: 'recipe', path: recipeFile },
        ];
      },
    },
    o,
  );
  return { runId: run.runId, tablePath, rows, recipePath: recipeFile, result: run.result };
}

/** The training table: the finished shards' rows in shard order, replaced atomically. */
async function writeTrainingTable(
  result: ShardedRunResult,
  outDir: string,
  name: string,
): Promise<{ tablePath: string; rows: number }> {
  const header = TABLE_COLUMNS.join(';');
  const lines = [header];
  for (const d of result.done) {
    const text = await readFile(join(outDir, d.file), 'utf8');
    const [head, ...rows] = text.trimEnd().split('\n');
    if (head !== header) {
      throw new BraggError('INTERNAL', `${d.file}: unexpected header ${JSON.stringify(head)}`);
    }
    if (rows.length !== d.count) {
      throw new FormatError('PACBED table', 'shard rows are not the thickness series it holds', {
        file: join(outDir, d.file),
        expected: `${d.count} rows`,
        found: `${rows.length}`,
      });
    }
    lines.push(...rows);
  }
  const tablePath = join(outDir, name);
  const tmp = `${tablePath}.tmp-${process.pid}`;
  await writeFile(tmp, `${lines.join('\n')}\n`);
  await rename(tmp, tablePath);
  return { tablePath, rows: lines.length - 1 };
}
