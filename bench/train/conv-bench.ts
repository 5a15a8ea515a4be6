/**
 * Per-layer benchmark of bragg's SIMD convolution (forward and input gradient) against the
 * stock XNNPACK path, on the convolution layers of the reference nets (small2d, phase1d,
 * xception's distinct shapes): CPU ms per call (median) and GMAC/s.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { ValidationError } from '../../src/core/errors.js';
import { initBackend } from '../../src/ml/backend/select.js';
import { stockWasmKernel, swapWasmKernel } from '../../src/ml/backend/kernels/register.js';

/** One convolution layer: NHWC input, HWIO filter [kh, kw, ci, co]. */
export interface ConvLayer {
  name: string;
  input: [number, number, number, number];
  kernel: [number, number];
  co: number;
  stride: number;
  pad: 'same' | 'valid';
}

/** The convolution layers of the reference nets (src/ml/bench nets). */
export const CONV_LAYERS: Readonly<Record<string, ConvLayer[]>> = {
  small2d: [
    { name: 'conv1', input: [16, 64, 64, 1], kernel: [3, 3], co: 16, stride: 1, pad: 'same' },
    { name: 'conv2', input: [16, 32, 32, 16], kernel: [3, 3], co: 32, stride: 1, pad: 'same' },
    { name: 'conv3', input: [16, 16, 16, 32], kernel: [3, 3], co: 64, stride: 1, pad: 'same' },
  ],
  phase1d: [
    { name: 'conv1', input: [64, 1, 147, 1], kernel: [1, 6], co: 64, stride: 1, pad: 'valid' },
    { name: 'conv2', input: [64, 1, 71, 64], kernel: [1, 6], co: 64, stride: 1, pad: 'valid' },
    { name: 'conv3', input: [64, 1, 33, 64], kernel: [1, 6], co: 64, stride: 1, pad: 'valid' },
  ],
  xception: [
    { name: 'stem', input: [8, 128, 128, 3], kernel: [3, 3], co: 32, stride: 2, pad: 'valid' },
    { name: 'conv2', input: [8, 63, 63, 32], kernel: [3, 3], co: 64, stride: 1, pad: 'valid' },
    { name: 'res128', input: [8, 61, 61, 64], kernel: [1, 1], co: 128, stride: 2, pad: 'same' },
    { name: 'pw128', input: [8, 61, 61, 64], kernel: [1, 1], co: 128, stride: 1, pad: 'valid' },
    { name: 'pw728', input: [8, 16, 16, 256], kernel: [1, 1], co: 728, stride: 1, pad: 'valid' },
    { name: 'mid728', input: [8, 8, 8, 728], kernel: [1, 1], co: 728, stride: 1, pad: 'valid' },
    { name: 'pw2048', input: [8, 4, 4, 1536], kernel: [1, 1], co: 2048, stride: 1, pad: 'valid' },
  ],
};

export interface ConvBenchRow {
  net: string;
  layer: string;
  pass: 'forward' | 'inputGrad';
  /** multiply-adds per call */
  macs: number;
  braggMs: number;
  xnnpackMs: number;
  braggGmacs: number;
  xnnpackGmacs: number;
  speedup: number;
}

function cpuMs(f: () => void, reps: number): number {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Median CPU ms of `run` with bragg's kernel and with `alt` swapped in (interleaved). */
function ab(run: () => void, alt: KernelConfig, reps: number): [number, number] {
  run();
  const restore = swapWasmKernel(alt);
  run();
  restore();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    a.push(cpuMs(run, 1));
    const back = swapWasmKernel(alt);
    b.push(cpuMs(run, 1));
    back();
  }
  const med = (v: number[]): number => v.sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
  return [med(a), med(b)];
}

export async function benchConv(o: { nets: string[]; reps: number }): Promise<ConvBenchRow[]> {
  for (const n of o.nets) {
    if (CONV_LAYERS[n] === undefined) {
      throw new ValidationError(
        `unknown net '${n}'; expected ${Object.keys(CONV_LAYERS).join(', ')}`,
        '--net',
      );
    }
  }
  await initBackend({ backend: 'wasm', threads: 1 });
  const stockFwd = stockWasmKernel('Conv2D');
  const stockGrad = stockWasmKernel('Conv2DBackpropInput/xnnpack');
  if (stockFwd === undefined || stockGrad === undefined) {
    throw new ValidationError('bragg wasm kernels are not registered', 'backend');
  }
  const rows: ConvBenchRow[] = [];
  for (const net of o.nets) {
    for (const l of CONV_LAYERS[net]!) {
      const [n, h, w, ci] = l.input;
      const x = tf.randomNormal(l.input) as tf.Tensor4D;
      const f = tf.randomNormal([l.kernel[0], l.kernel[1], ci, l.co]) as tf.Tensor4D;
      const y = tf.conv2d(x, f, l.stride, l.pad);
      const [, oh, ow] = y.shape;
      const macs = n * oh * ow * l.co * l.kernel[0] * l.kernel[1] * ci;
      const fwd = (): void => tf.conv2d(x, f, l.stride, l.pad).dispose();
      const grad = (): void => tf.conv2dTranspose(y, f, [n, h, w, ci], l.stride, l.pad).dispose();
      for (const [pass, run, alt] of [
        ['forward', fwd, stockFwd],
        ['inputGrad', grad, stockGrad],
      ] as const) {
        const [braggMs, xnnpackMs] = ab(run, alt, o.reps);
        rows.push({
          net,
          layer: l.name,
          pass,
          macs,
          braggMs,
          xnnpackMs,
          braggGmacs: macs / braggMs / 1e6,
          xnnpackGmacs: macs / xnnpackMs / 1e6,
          speedup: xnnpackMs / braggMs,
        });
      }
      tf.dispose([x, f, y]);
    }
  }
  return rows;
}
