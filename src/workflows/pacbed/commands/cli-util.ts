/** Small helpers of the PACBED commands: number flags, the backend, training progress. */
import type { Command } from 'commander';
import { initBackend, type BackendName } from '../../../ml/backend/select.js';
import type { TrainCallback } from '../../../ml/train/callbacks.js';
import { throwIfStopped, type CommandContext } from '../../command.js';
import { numberFlag, type NumberFlagOptions } from '../../flags.js';

export function num(
  v: string | undefined,
  field: string,
  o: NumberFlagOptions = {},
): number | undefined {
  return numberFlag(v, field, o);
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
