/**
 * Gradients of Conv2D for the wasm backend, built on XNNPACK's convolution.
 *
 * Filter gradient: dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh·d−pt, ow·s+kw·d−pl, ci] · dy[b,oh,ow,co]
 * is itself a convolution: input xᵀ [ci,h,w,b] (ci as batch, b as channels), filter
 * dyᵀ [oh,ow,b,co], stride d and dilation s (roles swapped), output [ci,kh,kw,co].
 *
 * Input gradient: the convolution of dy spread by the stride (zeros between pixels) and padded by
 * (k−1)·d − pad, with the spatially flipped filter whose in/out channels are swapped.
 */
import { backend_util } from '@tensorflow/tfjs';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { UnsupportedError } from '../../../core/errors.js';
import { simdKernels } from '../simd/module.js';
import { conv2dBackpropFilterGemm } from './conv2d-filter-gemm.js';
import { conv2dBackpropFilterSimd } from './conv2d-filter-simd.js';
import { conv2dBackpropInputSimd } from './conv2d-simd.js';
import { conv2dBackpropInputGemm, inputGradPrefersGemm } from './conv2d-gemm.js';
import { conv2dExplicit, dilateAndPad, release, runWasm, slice, transpose } from './interop.js';

interface KernelArgs<A> {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: A;
}

function channelsLast(dataFormat: string | undefined, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new UnsupportedError(`${kernel} on wasm supports only NHWC data, got ${dataFormat}`);
  }
}

/**
 * Filter gradient of a convolution whose input is x [b,h,w,ci] and output gradient dy
 * [b,oh,ow,co]; `depthwise` selects the depthwise variant (see depthwise-grad.ts).
 */
export function conv2dBackpropFilterImpl(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  convInfo: backend_util.Conv2DInfo,
): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = convInfo;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = convInfo;
  const [, h, w] = x.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const pt = convInfo.padInfo.top;
  const pl = convInfo.padInfo.left;
  // Extra zero rows/cols after the input so that the swapped convolution yields ≥ fh × fw.
  const pb = Math.max(0, (fh - 1) * dh + (oh - 1) * sh + 1 - h - pt);
  const pr = Math.max(0, (fw - 1) * dw + (ow - 1) * sw + 1 - w - pl);
  const xT = transpose(backend, x, [3, 1, 2, 0]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  const full = conv2dExplicit(backend, xT, dyT, {
    padTop: pt,
    padBottom: pb,
    padLeft: pl,
    padRight: pr,
    strideH: dh,
    strideW: dw,
    dilationH: sh,
    dilationW: sw,
  });
  release(backend, xT, dyT);
  let cropped = full;
  if (full.shape[1] !== fh || full.shape[2] !== fw) {
    cropped = slice(backend, full, [0, 0, 0, 0], [ci, fh, fw, co]);
    release(backend, full);
  }
  const dW = transpose(backend, cropped, [1, 2, 0, 3]);
  release(backend, cropped);
  return dW;
}

type FilterImpl = typeof conv2dBackpropFilterImpl;

const conv2DBackpropFilterWith =
  (impl: FilterImpl) =>
  (args: KernelArgs<Conv2DBackpropFilterAttrs>): TensorInfo => {
    const { backend, attrs } = args;
    const x = args.inputs.x!;
    const dy = args.inputs.dy!;
    channelsLast(attrs.dataFormat, 'Conv2DBackpropFilter');
    const convInfo = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
    );
    return impl(backend, x, dy, convInfo);
  };

/**
 * Input gradient: dy [b,oh,ow,co], filter [fh,fw,ci,co] → dx [b,h,w,ci].
 */
export function conv2dBackpropInputImpl(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  convInfo: backend_util.Conv2DInfo,
  useXnnpack = false,
  direct = false,
): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, inHeight: h, inWidth: w } = convInfo;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = convInfo;
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const simd = useXnnpack ? undefined : simdKernels(backend);
  if (simd !== undefined && dh === 1 && dw === 1 && dy.dtype === 'float32') {
    if (inputGradPrefersGemm(convInfo))
      return conv2dBackpropInputGemm(backend, dy, filter, convInfo);
    const dx = conv2dBackpropInputSimd(backend, simd, dy, filter, convInfo, direct);
    if (dx !== undefined) return dx;
  }
  // Flipped filter with in/out channels swapped: [fh,fw,co,ci].
  const fT = transpose(backend, filter, [0, 1, 3, 2]);
  let fFlip = fT;
  if (fh > 1 || fw > 1) {
    fFlip = runWasm(backend, 'Reverse', { x: fT }, { dims: [0, 1] });
    release(backend, fT);
  }
  const pt = (fh - 1) * dh - convInfo.padInfo.top;
  const pl = (fw - 1) * dw - convInfo.padInfo.left;
  const pb = h - 1 + convInfo.padInfo.top - (oh - 1) * sh;
  const pr = w - 1 + convInfo.padInfo.left - (ow - 1) * sw;
  let dx: TensorInfo;
  if (sh === 1 && sw === 1) {
    dx = conv2dExplicit(backend, dy, fFlip, {
      padTop: pt,
      padBottom: pb,
      padLeft: pl,
      padRight: pr,
      strideH: 1,
      strideW: 1,
      dilationH: dh,
      dilationW: dw,
    });
  } else {
    const spread = dilateAndPad(backend, dy, sh, sw, { top: pt, bottom: pb, left: pl, right: pr });
    dx = conv2dExplicit(backend, spread, fFlip, {
      padTop: 0,
      padBottom: 0,
      padLeft: 0,
      padRight: 0,
      strideH: 1,
      strideW: 1,
      dilationH: dh,
      dilationW: dw,
    });
    release(backend, spread);
  }
  release(backend, fFlip);
  return dx;
}

const conv2DBackpropInputWith =
  (useXnnpack: boolean, direct = false) =>
  (args: KernelArgs<Conv2DBackpropInputAttrs>): TensorInfo => {
    const { backend, attrs } = args;
    const dy = args.inputs.dy!;
    const filter = args.inputs.filter!;
    channelsLast(attrs.dataFormat, 'Conv2DBackpropInput');
    const convInfo = backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
    );
    return conv2dBackpropInputImpl(backend, dy, filter, convInfo, useXnnpack, direct);
  };

/**
 * The registered filter gradient: bragg's SIMD kernel (conv2d-filter-simd.ts); im2col + one
 * XNNPACK GEMM (conv2d-filter-gemm.ts) without it.
 */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWith(conv2dBackpropFilterSimd) as unknown as KernelFunc,
};

/** The filter gradient as im2col + one XNNPACK GEMM (kept for A/B benchmarks). */
export const conv2DBackpropFilterGemmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWith(conv2dBackpropFilterGemm) as unknown as KernelFunc,
};

/** The earlier formulation as one swapped-role XNNPACK convolution (kept for A/B benchmarks). */
export const conv2DBackpropFilterConvConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWith(conv2dBackpropFilterImpl) as unknown as KernelFunc,
};

/** The registered input gradient: bragg's SIMD convolution (conv2d-simd.ts), XNNPACK without it. */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWith(false) as unknown as KernelFunc,
};

/** The input gradient as one XNNPACK convolution (kept for A/B benchmarks). */
export const conv2DBackpropInputXnnpackConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWith(true) as unknown as KernelFunc,
};

/** The input gradient without Winograd for 3×3 stride 1 (A/B variant `Conv2DBackpropInput/direct`). */
export const conv2DBackpropInputDirectConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWith(false, true) as unknown as KernelFunc,
};
