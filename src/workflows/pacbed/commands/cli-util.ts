/** Small helpers of the PACBED commands: number flags, the backend, training progress. */
import type { Command } from 'commander';
import { ValidationError } from '../../../core/errors.js';
import { initBackend, type BackendName } from '../../../ml/backend/select.js';
import type { TrainCallback } from '../../../ml/train/callbacks.js';
import { throwIfStopped, type CommandContext } from '../../command.js';

export function num(
  v: string | undefined,
  field: string,
  o: { int?: boolean; min?: number; max?: number; above?: number } = {},
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (
    v.trim() === '' ||
    !Number.isFinite(n) ||
    (o.int === true && !Number.isInteger(n)) ||
    (o.min !== undefined && n < o.min) ||
    (o.above !== undefined && n <= o.above) ||
    (o.max !== undefined && n > o.max)
  ) {
    const lo = o.above !== undefined ? `> ${o.above}` : `${o.min ?? '-∞'}…${o.max ?? '∞'}`;
    throw new ValidationError(
      `expected ${o.int === true ? 'an integer' : 'a number'} ${lo}, got '${v}'`,
      field,
    );
  }
  return n;
}

export function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

export interface BackendOpts {
  backend?: string;
  threads?: string;
}

export function backendOptions(c: Command): Command {
  return c
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: best available)')
    .option('--threads <n>', 'threads for the wasm backend (default: all cores)');
}

export async function startBackend(o: BackendOpts, ctx: CommandContext): Promise<void> {
  await initBackend(
    ctx.backendConfig(
      defined({
        backend: o.backend as BackendName | undefined,
        threads: num(o.threads, 'threads', { int: true, min: 1, max: 64 }),
      }),
    ),
  );
}

/** Stops a training at the next batch once `signal` aborts. */
export function stopOn(signal: AbortSignal): TrainCallback {
  return { onEvent: () => throwIfStopped(signal, 'interrupted') };
}

/** Epoch lines on stderr. */
export function epochLines(prefix = ''): TrainCallback {
  return {
    onEvent(e) {
      if (e.type !== 'epoch') return;
      const v =
        e.val_loss === undefined
          ? ''
          : `, val_loss ${e.val_loss.toFixed(4)}, val_acc ${(100 * (e.val_accuracy ?? 0)).toFixed(1)} %`;
      process.stderr.write(
        `${prefix}epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)}, acc ${(100 * e.accuracy).toFixed(1)} %${v} (${e.seconds.toFixed(1)} s)\n`,
      );
    },
  };
}
