/**
 * Sum over leading axes for the wasm backend without a transpose. Bias and BatchNorm
 * gradients reduce an NHWC activation over [0,1,2] to one value per channel; the stock wasm
 * Sum first transposes the whole tensor so that the reduced axes come last, then reduces.
 * Here the rows are accumulated in place, in float64 (as tfjs's cpu backend does), and
 * rounded once. Other reductions and dtypes go to the stock kernel.
 */
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { StockKernel } from './matmul.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: SumAttrs;
}

/** Sums `x` viewed as [rows, cols] over its rows into `out` (cols values). */
export function sumRowsInto(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] = acc[c]! + x[base + c]!;
  }
  out.set(acc);
}

export function makeSumConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const { backend, attrs } = args;
    const x = args.inputs.x!;
    const rank = x.shape.length;
    const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) {
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const kept = x.shape.slice(axes.length);
    const outShape = attrs.keepDims === true ? [...axes.map(() => 1), ...kept] : kept;
    const cols = kept.reduce((p, q) => p * q, 1);
    const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
    const out = backend.makeOutput(outShape, 'float32');
    sumRowsInto(
      backend.typedArrayFromHeap(x) as Float32Array,
      rows,
      cols,
      backend.typedArrayFromHeap(out) as Float32Array,
    );
    return out;
  };
  return {
    kernelName: 'Sum',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
