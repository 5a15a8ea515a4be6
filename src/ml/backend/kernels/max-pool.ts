/**
 * MaxPool (NHWC, float32) as one SIMD pass over the output rows (wasm/assembly/pool.ts
 * `maxPoolRows`), with tfjs cpu's rule: the strict-greater maximum from −∞ of the window
 * elements inside the image, so NaNs are skipped (XNNPACK's stock kernel lets them through in
 * some windows and not others) and the gradient's first-maximum routing matches cpu's.
 * Other dtypes and data formats go to the stock kernel.
 */
import { backend_util, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, MaxPoolAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, simdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import type { StockKernel } from './matmul.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: MaxPoolAttrs;
}

/**
 * maxPoolRows's arguments for byte offsets x, y; the range over (batch · outHeight) rows goes
 * at 15, 16 (also used by the bounds tests).
 */
export function maxPoolArgs(x: number, y: number, info: backend_util.Conv2DInfo): number[] {
  return [
    x,
    y,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.effectiveFilterHeight,
    info.effectiveFilterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
    0,
    0,
  ];
}

export function makeMaxPoolConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const { backend, attrs } = args;
    const x = args.inputs.x!;
    const simd = simdKernels(backend);
    if (simd === undefined || x.dtype !== 'float32' || x.shape.length !== 4)
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const info = backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const out = backend.makeOutput(info.outShape, 'float32');
    if (out.shape.some((d) => d === 0)) return out;
    const args2 = maxPoolArgs(heapOffset(backend, x), heapOffset(backend, out), info);
    parallelFor(
      simd,
      'maxPoolRows',
      args2,
      15,
      info.batchSize * info.outHeight,
      util.sizeFromShape(x.shape),
    );
    return out;
  };
  return {
    kernelName: 'MaxPool',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
