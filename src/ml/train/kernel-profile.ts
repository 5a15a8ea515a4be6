/**
 * Per-kernel profile of training steps: every kernel the engine runs on the active backend is
 * timed (wall clock, inclusive of the kernels it calls internally) and attributed to the phase
 * of the step it ran in — `forward` (model + loss), `backward` (gradients), `optimizer`
 * (update), `sync` (reading the loss and accuracy back). What the kernels do not account for
 * is JS overhead (engine bookkeeping, tape, layers code), reported per phase as `other`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizers.js';
import { accuracy, lossFn } from './step.js';
import type { LossName } from './step.js';

export type StepPhase = 'forward' | 'backward' | 'optimizer' | 'sync';
export const STEP_PHASES: readonly StepPhase[] = ['forward', 'backward', 'optimizer', 'sync'];

export interface KernelProfileRow {
  phase: StepPhase;
  kernel: string;
  /** Calls per step. */
  calls: number;
  /** Milliseconds per step (mean over the profiled steps), wall clock. */
  ms: number;
  /** CPU milliseconds per step (all threads of the process). */
  cpuMs: number;
}

export interface StepProfile {
  steps: number;
  /** Mean wall time per step and per phase, ms. */
  msPerStep: number;
  /** Mean CPU time per step (all threads of the process), ms. */
  cpuMsPerStep: number;
  phaseMs: Record<StepPhase, number>;
  /** Phase time not spent inside any kernel (JS overhead), ms per step. */
  otherMs: Record<StepPhase, number>;
  /** Rows sorted by time, largest first. */
  kernels: KernelProfileRow[];
}

type KernelFn = tf.KernelConfig['kernelFunc'];

/**
 * Wraps every registered kernel of `backendName` with a timer for the lifetime of the returned
 * handle; nested calls (a kernel calling another kernel's function) count only once, in the
 * outermost kernel.
 */
function instrument(backendName: string): {
  phase: { current: StepPhase | null };
  totals: Map<string, { calls: number; ms: number; cpuMs: number }>;
  restore(): void;
} {
  const phase: { current: StepPhase | null } = { current: null };
  const totals = new Map<string, { calls: number; ms: number; cpuMs: number }>();
  const saved: [tf.KernelConfig, KernelFn][] = [];
  let depth = 0;
  for (const cfg of tf.getKernelsForBackend(backendName)) {
    const orig = cfg.kernelFunc;
    saved.push([cfg, orig]);
    const name = cfg.kernelName;
    (cfg as { kernelFunc: KernelFn }).kernelFunc = ((args: Parameters<KernelFn>[0]) => {
      if (depth > 0 || phase.current === null) return orig(args);
      depth++;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      try {
        return orig(args);
      } finally {
        depth--;
        const key = `${phase.current}\u0000${name}`;
        const e = totals.get(key) ?? { calls: 0, ms: 0, cpuMs: 0 };
        const c = process.cpuUsage(c0);
        e.calls++;
        e.ms += performance.now() - t0;
        e.cpuMs += (c.user + c.system) / 1000;
        totals.set(key, e);
      }
    }) as KernelFn;
  }
  return {
    phase,
    totals,
    restore: () => {
      for (const [cfg, orig] of saved) (cfg as { kernelFunc: KernelFn }).kernelFunc = orig;
    },
  };
}

/**
 * Runs `steps` training steps (the same computation as `trainStep`) with every kernel timed.
 * Warm-up steps should be run by the caller first.
 */
export function profileSteps(
  model: tf.LayersModel,
  optimizer: Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
  lr: number,
  loss: LossName,
  steps: number,
): StepProfile {
  const ins = instrument(tf.getBackend());
  const phaseMs: Record<StepPhase, number> = { forward: 0, backward: 0, optimizer: 0, sync: 0 };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  try {
    for (let s = 0; s < steps; s++) {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      let pred: tf.Tensor | undefined;
      let tPhase = performance.now();
      const mark = (next: StepPhase | null): void => {
        const now = performance.now();
        if (ins.phase.current !== null) phaseMs[ins.phase.current] += now - tPhase;
        tPhase = now;
        ins.phase.current = next;
      };
      mark('forward');
      const { value, grads } = tf.variableGrads(() => {
        const p = model.apply(x, { training: true }) as tf.Tensor;
        pred = tf.keep(p.clone());
        const l = lossFn(loss, y, p);
        mark('backward');
        return l;
      }, vars);
      mark('optimizer');
      optimizer.step(
        vars,
        vars.map((v) => grads[v.name]!),
        lr,
      );
      mark('sync');
      value.dataSync();
      accuracy(loss, y, pred!);
      mark(null);
      tf.dispose([value, pred!]);
      tf.dispose(grads);
    }
  } finally {
    ins.restore();
  }
  const total = performance.now() - t0;
  const cpuTotal = process.cpuUsage(c0);
  const kernels: KernelProfileRow[] = [];
  const inKernels: Record<StepPhase, number> = { forward: 0, backward: 0, optimizer: 0, sync: 0 };
  for (const [key, v] of ins.totals) {
    const [phase, kernel] = key.split('\u0000') as [StepPhase, string];
    inKernels[phase] += v.ms;
    kernels.push({
      phase,
      kernel,
      calls: v.calls / steps,
      ms: v.ms / steps,
      cpuMs: v.cpuMs / steps,
    });
  }
  kernels.sort((a, b) => b.ms - a.ms);
  const per = (r: Record<StepPhase, number>): Record<StepPhase, number> => ({
    forward: r.forward / steps,
    backward: r.backward / steps,
    optimizer: r.optimizer / steps,
    sync: r.sync / steps,
  });
  const otherMs = per({
    forward: phaseMs.forward - inKernels.forward,
    backward: phaseMs.backward - inKernels.backward,
    optimizer: phaseMs.optimizer - inKernels.optimizer,
    sync: phaseMs.sync - inKernels.sync,
  });
  return {
    steps,
    msPerStep: total / steps,
    cpuMsPerStep: (cpuTotal.user + cpuTotal.system) / 1000 / steps,
    phaseMs: per(phaseMs),
    otherMs,
    kernels,
  };
}

/** A plain-text table of a profile (phases, then the top `top` kernels). */
export function formatProfile(p: StepProfile, top = 25): string {
  const lines = [
    `${p.msPerStep.toFixed(1)} ms/step, ${p.cpuMsPerStep.toFixed(1)} CPU ms/step (mean of ${p.steps})`,
    ...STEP_PHASES.map(
      (ph) =>
        `  ${ph.padEnd(9)} ${p.phaseMs[ph].toFixed(1).padStart(8)} ms  (outside kernels ${p.otherMs[ph].toFixed(1)} ms)`,
    ),
    '  phase     kernel                                   calls       ms   CPU ms',
    ...p.kernels
      .slice(0, top)
      .map(
        (k) =>
          `  ${k.phase.padEnd(9)} ${k.kernel.padEnd(40)} ${k.calls.toFixed(0).padStart(5)} ${k.ms.toFixed(2).padStart(8)} ${k.cpuMs.toFixed(2).padStart(8)}`,
      ),
  ];
  return lines.join('\n');
}
