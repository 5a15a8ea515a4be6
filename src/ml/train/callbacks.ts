/**
 * Trainer callbacks: history as CSV and JSONL, a CLI progress bar (cli-progress), and the
 * progress events the API and UI consume. Checkpointing and early stopping live in the trainer
 * because their state is part of what a resume restores.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';

/** One row of the training history (snake_case keys match Keras' history names). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  lr: number;
  seconds: number;
}

/** JSON-serialisable progress events. */
export type ProgressEvent =
  | { type: 'start'; epochs: number; startEpoch: number }
  | { type: 'batch'; epoch: number; batch: number; step: number; loss: number; accuracy: number }
  | ({ type: 'epoch' } & EpochRecord)
  | { type: 'checkpoint'; epoch: number; dir: string; best: boolean }
  | { type: 'stop'; epoch: number; reason: 'completed' | 'early-stopping' };

export interface TrainCallback {
  onEvent(e: ProgressEvent): void | Promise<void>;
}

const COLUMNS: (keyof EpochRecord)[] = [
  'epoch',
  'loss',
  'accuracy',
  'val_loss',
  'val_accuracy',
  'lr',
  'seconds',
];

/** Appends each epoch to a CSV (header written when the file is new) and/or a JSONL file. */
export function historyWriter(
  files: { csv?: string; jsonl?: string },
  append: boolean,
): TrainCallback {
  let started = false;
  return {
    async onEvent(e) {
      if (!started) {
        started = true;
        for (const f of [files.csv, files.jsonl])
          if (f !== undefined) await mkdir(dirname(f), { recursive: true });
        if (files.csv !== undefined && !append)
          await writeFile(files.csv, `${COLUMNS.join(',')}\n`);
        if (files.jsonl !== undefined && !append) await writeFile(files.jsonl, '');
      }
      if (e.type !== 'epoch') return;
      const { type: _t, ...rec } = e;
      if (files.csv !== undefined) {
        await appendFile(
          files.csv,
          `${COLUMNS.map((c) => (rec[c] === undefined ? '' : String(rec[c]))).join(',')}\n`,
        );
      }
      if (files.jsonl !== undefined) await appendFile(files.jsonl, `${JSON.stringify(rec)}\n`);
    },
  };
}

/** A progress bar on stderr: one bar per epoch over its batches (total known or not). */
export function progressBar(batchesPerEpoch?: number): TrainCallback {
  let bar: cliProgress.SingleBar | undefined;
  return {
    onEvent(e) {
      if (e.type === 'batch') {
        if (bar === undefined) {
          bar = new cliProgress.SingleBar(
            {
              format: 'epoch {epoch} [{bar}] {value}/{total} loss {loss}',
              stream: process.stderr,
              hideCursor: false,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(batchesPerEpoch ?? 0, 0, { epoch: e.epoch + 1, loss: '-' });
        }
        if (batchesPerEpoch === undefined) bar.setTotal(e.batch + 1);
        bar.update(e.batch + 1, { epoch: e.epoch + 1, loss: e.loss.toFixed(4) });
      } else if (e.type === 'epoch' || e.type === 'stop') {
        bar?.stop();
        bar = undefined;
      }
    },
  };
}

/** Writes every event as one JSON line (for `--json` CLIs and job logs). */
export function jsonLines(
  write: (line: string) => void = (l) => process.stdout.write(l),
): TrainCallback {
  return { onEvent: (e) => write(`${JSON.stringify(e)}\n`) };
}
