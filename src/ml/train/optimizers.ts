/**
 * Optimisers with explicit, serialisable state (for exact resume): SGD with (Nesterov)
 * momentum, Adam, and AdamW (Adam with decoupled weight decay, Loshchilov & Hutter,
 * ICLR 2019). The learning rate is passed per step so schedules stay outside.
 *
 * Update rules (PyTorch conventions, torch.optim.SGD / Adam / AdamW docs):
 *   SGD:      b ← μb + g;  u = g + μb (Nesterov) or b;  θ ← θ − ηu
 *   Adam:     m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − η m̂ / (√v̂ + ε)
 *   AdamW:    θ ← θ(1 − ηλ), then the Adam step.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { ADAM_UPDATE, hasFusedKernel, SGD_UPDATE } from '../backend/kernels/fused-optimizers.js';
import type { AdamUpdateAttrs, SgdUpdateAttrs } from '../backend/kernels/fused-optimizers.js';

/**
 * Runs a fused update kernel (src/ml/backend/kernels/fused-optimizers.ts: same bits as the
 * composite expressions below, one kernel per variable) when the active backend has it.
 */
function fused(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: AdamUpdateAttrs | SgdUpdateAttrs,
): tf.Tensor[] | null {
  if (!hasFusedKernel(name, tf.getBackend())) return null;
  return tf
    .engine()
    .runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}

export type OptimizerSpec =
  | { kind: 'sgd'; learningRate: number; momentum?: number; nesterov?: boolean }
  | { kind: 'adam'; learningRate: number; beta1?: number; beta2?: number; epsilon?: number }
  | {
      kind: 'adamw';
      learningRate: number;
      beta1?: number;
      beta2?: number;
      epsilon?: number;
      weightDecay?: number;
    };

export interface Optimizer {
  readonly spec: OptimizerSpec;
  /** Applies one update to `vars` from `grads` (same order) at learning rate `lr`. */
  step(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void;
  /** Slot tensors and the step counter, for checkpoints. */
  getState(): { step: number; slots: tf.Tensor[] };
  setState(state: { step: number; slots: tf.Tensor[] }, vars: tf.Variable[]): void;
  dispose(): void;
}

function positive(v: number, field: string): number {
  if (!(v > 0) || !Number.isFinite(v))
    throw new ValidationError(`must be a positive number, got ${v}`, field);
  return v;
}

class Sgd implements Optimizer {
  private bufs: tf.Variable[] = [];
  private t = 0;
  constructor(readonly spec: Extract<OptimizerSpec, { kind: 'sgd' }>) {
    positive(spec.learningRate, 'optimizer.learningRate');
  }
  step(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    const mu = this.spec.momentum ?? 0;
    if (mu > 0 && this.bufs.length === 0)
      this.bufs = vars.map((v) => tf.variable(tf.zerosLike(v), false));
    tf.tidy(() => {
      vars.forEach((v, i) => {
        const g = grads[i]!;
        const attrs = { lr, momentum: mu, nesterov: this.spec.nesterov === true };
        const out = fused(SGD_UPDATE, mu > 0 ? { x: v, g, b: this.bufs[i]! } : { x: v, g }, attrs);
        if (out !== null) {
          if (mu > 0) this.bufs[i]!.assign(out[1]!);
          v.assign(out[0]!);
          return;
        }
        let u = g;
        if (mu > 0) {
          const b = this.bufs[i]!;
          const nb = b.mul(mu).add(g);
          b.assign(nb);
          u = this.spec.nesterov === true ? g.add(nb.mul(mu)) : nb;
        }
        v.assign(v.sub(u.mul(lr)));
      });
    });
    this.t++;
  }
  getState(): { step: number; slots: tf.Tensor[] } {
    return { step: this.t, slots: this.bufs };
  }
  setState(state: { step: number; slots: tf.Tensor[] }): void {
    this.dispose();
    this.t = state.step;
    this.bufs = state.slots.map((s) => tf.variable(s, false));
  }
  dispose(): void {
    tf.dispose(this.bufs);
    this.bufs = [];
  }
}

class Adam implements Optimizer {
  private m: tf.Variable[] = [];
  private v: tf.Variable[] = [];
  private t = 0;
  constructor(readonly spec: Extract<OptimizerSpec, { kind: 'adam' | 'adamw' }>) {
    positive(spec.learningRate, 'optimizer.learningRate');
  }
  step(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    const b1 = this.spec.beta1 ?? 0.9;
    const b2 = this.spec.beta2 ?? 0.999;
    const eps = this.spec.epsilon ?? 1e-7;
    const wd = this.spec.kind === 'adamw' ? (this.spec.weightDecay ?? 0.01) : 0;
    if (this.m.length === 0) {
      this.m = vars.map((x) => tf.variable(tf.zerosLike(x), false));
      this.v = vars.map((x) => tf.variable(tf.zerosLike(x), false));
    }
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    tf.tidy(() => {
      vars.forEach((x, i) => {
        const g = grads[i]!;
        const attrs = { lr, beta1: b1, beta2: b2, epsilon: eps, c1, c2, weightDecay: wd };
        const out = fused(ADAM_UPDATE, { x, m: this.m[i]!, v: this.v[i]!, g }, attrs);
        if (out !== null) {
          this.m[i]!.assign(out[1]!);
          this.v[i]!.assign(out[2]!);
          x.assign(out[0]!);
          return;
        }
        const m = this.m[i]!.mul(b1).add(g.mul(1 - b1));
        const v = this.v[i]!.mul(b2).add(g.square().mul(1 - b2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const upd = m.div(c1).div(v.div(c2).sqrt().add(eps)).mul(lr);
        const base = wd > 0 ? x.mul(1 - lr * wd) : x;
        x.assign(base.sub(upd));
      });
    });
  }
  getState(): { step: number; slots: tf.Tensor[] } {
    return { step: this.t, slots: [...this.m, ...this.v] };
  }
  setState(state: { step: number; slots: tf.Tensor[] }, vars: tf.Variable[]): void {
    if (state.slots.length !== 2 * vars.length) {
      throw new ValidationError(
        `expected ${2 * vars.length} Adam slots, found ${state.slots.length}`,
        'optimizer state',
      );
    }
    this.dispose();
    this.t = state.step;
    this.m = state.slots.slice(0, vars.length).map((s) => tf.variable(s, false));
    this.v = state.slots.slice(vars.length).map((s) => tf.variable(s, false));
  }
  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
    this.m = [];
    this.v = [];
  }
}

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.kind) {
    case 'sgd':
      return new Sgd(spec);
    case 'adam':
    case 'adamw':
      return new Adam(spec);
  }
}
