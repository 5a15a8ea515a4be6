/**
 * Conv2D on bragg's SIMD kernels (wasm/assembly/conv.ts): a direct NHWC convolution for any
 * filter size and stride with dilation 1, on a zero-padded copy of the input and the filter
 * packed into panels of 8 output channels (4 pixels × 8 channels of fused multiply-adds per
 * step, no im2col). The same kernel computes the input gradient: the convolution of dy (padded,
 * spread by the stride) with the flipped, channel-swapped filter, which the packing produces
 * directly (no Transpose or Reverse pass).
 *
 * FusedConv2D (what tfjs-layers' Conv2D layers call) runs the same convolution, then its bias
 * and activation in one pass. Every geometry it does not cover (dilation > 1, channels-first,
 * non-float32, no SIMD module) goes to the stock XNNPACK kernel.
 */
import { backend_util, util } from '@tensorflow/tfjs';
import type {
  Conv2DAttrs,
  FusedConv2DAttrs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, simdKernels } from '../simd/module.js';
import type { SimdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import { conv2dForwardGemm, forwardPrefersGemm } from './conv2d-gemm.js';
import { conv2dWinograd, winogradPrefers } from './conv2d-winograd.js';
import { dilateAndPad, outSize, release } from './interop.js';
import type { StockKernel } from './matmul.js';

import type { ConvPadding, FilterRole } from './interop.js';

export type { ConvPadding, FilterRole } from './interop.js';

/**
 * The packed filter of a stored [kh,kw,ci,co] one: `panels` panels of 8 output channels, `k`
 * taps each (panels · k · 8 floats; the kernels' contract, also used by the bounds tests).
 */
export function packedFilterLayout(
  shape: readonly [number, number, number, number],
  role: FilterRole,
): { k: number; panels: number } {
  const [kh, kw, ci, co] = shape;
  const outCh = role === 'forward' ? co : ci;
  return { k: kh * kw * (role === 'forward' ? ci : co), panels: Math.ceil(outCh / 8) };
}

/**
 * The filter in panels of 8 output channels: `forward` packs w [kh,kw,ci,co] as is, `flipped`
 * the input-gradient filter (spatially flipped, in/out swapped: output channels = ci).
 */
function packFilter(
  backend: BackendWasm,
  simd: SimdKernels,
  filter: TensorInfo,
  role: FilterRole,
): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const { k, panels } = packedFilterLayout([kh, kw, ci, co], role);
  const packed = backend.makeOutput([panels * k * 8], 'float32');
  const w = heapOffset(backend, filter);
  const out = heapOffset(backend, packed);
  if (role === 'forward') parallelFor(simd, 'convPackFilter', [w, out, k, co, 0, 0], 4, panels);
  else parallelFor(simd, 'convPackFilterFlipped', [w, out, kh, kw, ci, co, 0, 0], 6, panels);
  return packed;
}

/** x [n,h,w,c] with zero borders (x itself when there is no padding). */
function padInput(
  backend: BackendWasm,
  simd: SimdKernels,
  x: TensorInfo,
  pad: ConvPadding,
): TensorInfo {
  if (pad.top === 0 && pad.bottom === 0 && pad.left === 0 && pad.right === 0) return x;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const hp = h + pad.top + pad.bottom;
  const wp = w + pad.left + pad.right;
  const xp = backend.makeOutput([n, hp, wp, c], 'float32');
  const args = [heapOffset(backend, x), heapOffset(backend, xp), h, w, c, hp, wp, pad.top];
  parallelFor(simd, 'convPadInput', [...args, pad.left, 0, 0], 9, n * hp, 2 * n * hp * wp * c);
  return xp;
}

/**
 * The convolution of x [n,h,w,ci] (padded by `pad`) with the filter [kh,kw,ci,co] (`forward`)
 * or with the input-gradient filter of a [kh,kw,co,ci] one (`flipped`), strides sh, sw,
 * dilation 1 → [n,oh,ow,co].
 */
export function conv2dSimd(
  backend: BackendWasm,
  simd: SimdKernels,
  x: TensorInfo,
  filter: TensorInfo,
  pad: ConvPadding,
  sh: number,
  sw: number,
  role: FilterRole = 'forward',
  direct = false,
): TensorInfo {
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const [kh, kw, fi, fo] = filter.shape as [number, number, number, number];
  const co = role === 'forward' ? fo : fi;
  // Winograd needs at least one output pixel (a padded input of 3 × 3); degenerate shapes stay direct
  const fits = h + pad.top + pad.bottom >= 3 && w + pad.left + pad.right >= 3;
  if (!direct && kh === 3 && kw === 3 && sh === 1 && sw === 1 && fits && winogradPrefers(ci, co))
    return conv2dWinograd(backend, simd, x, filter, pad, role);
  const oh = outSize(h, pad.top, pad.bottom, kh, sh, 1);
  const ow = outSize(w, pad.left, pad.right, kw, sw, 1);
  const out = backend.makeOutput([n, oh, ow, co], 'float32');
  if (n * oh * ow * co === 0) return out;
  const packed = packFilter(backend, simd, filter, role);
  const xp = padInput(backend, simd, x, pad);
  const hp = h + pad.top + pad.bottom;
  const wp = w + pad.left + pad.right;
  const args = [heapOffset(backend, xp), heapOffset(backend, packed), heapOffset(backend, out)];
  parallelFor(
    simd,
    'conv2dForward',
    [...args, hp, wp, ci, oh, ow, co, kh, kw, sh, sw, 0, 0],
    13,
    n * oh,
  );
  release(backend, packed);
  if (xp !== x) release(backend, xp);
  return out;
}

/**
 * Input gradient dy [n,oh,ow,co] → dx [n,h,w,ci] of a dilation-1 convolution with the filter
 * [kh,kw,ci,co]: dy padded by k−1−pad (spread by the stride first when it is > 1) convolved
 * with the flipped, channel-swapped filter. Undefined when that padding would be negative
 * (explicit pads larger than the filter; the caller falls back).
 */
export function conv2dBackpropInputSimd(
  backend: BackendWasm,
  simd: SimdKernels,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  direct = false,
): TensorInfo | undefined {
  const { filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w, padInfo: p } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const pad: ConvPadding = {
    top: kh - 1 - p.top,
    left: kw - 1 - p.left,
    bottom: h - 1 + p.top - (oh - 1) * sh,
    right: w - 1 + p.left - (ow - 1) * sw,
  };
  if (Math.min(pad.top, pad.bottom, pad.left, pad.right) < 0) return undefined;
  if (sh === 1 && sw === 1)
    return conv2dSimd(backend, simd, dy, filter, pad, 1, 1, 'flipped', direct);
  const none = { top: 0, bottom: 0, left: 0, right: 0 };
  if (kh === 1 && kw === 1) {
    // A 1×1 filter commutes with the spreading: convolve the oh×ow pixels, then spread (no
    // multiply-adds on the inserted zeros; xception's stride-2 residual convolutions).
    const small = conv2dSimd(backend, simd, dy, filter, none, 1, 1, 'flipped');
    const dx = dilateAndPad(backend, small, sh, sw, pad);
    release(backend, small);
    return dx;
  }
  const spread = dilateAndPad(backend, dy, sh, sw, pad);
  const dx = conv2dSimd(backend, simd, spread, filter, none, 1, 1, 'flipped');
  release(backend, spread);
  return dx;
}

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: Conv2DAttrs;
}

/**
 * The geometry of a convolution bragg's kernel covers (NHWC float32, dilation 1, non-negative
 * padding matching tfjs's output size), or undefined (the stock kernel runs).
 */
function simdGeometry(
  args: Args,
): { simd: SimdKernels; info: backend_util.Conv2DInfo } | undefined {
  const { backend, attrs } = args;
  const x = args.inputs.x!;
  const filter = args.inputs.filter!;
  const simd = simdKernels(backend);
  if (simd === undefined || x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    format,
  );
  const { padInfo: p } = info;
  const supported =
    info.dataFormat === 'channelsLast' &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    Math.min(p.top, p.bottom, p.left, p.right) >= 0 &&
    outSize(x.shape[1]!, p.top, p.bottom, info.filterHeight, info.strideHeight, 1) ===
      info.outHeight &&
    outSize(x.shape[2]!, p.left, p.right, info.filterWidth, info.strideWidth, 1) === info.outWidth;
  return supported ? { simd, info } : undefined;
}

/** A covered forward convolution: as a GEMM where that is faster (conv2d-gemm.ts), else direct. */
function convForward(
  backend: BackendWasm,
  simd: SimdKernels,
  x: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  direct: boolean,
): TensorInfo {
  if (forwardPrefersGemm(info)) return conv2dForwardGemm(backend, x, filter, info);
  const { padInfo, strideHeight: sh, strideWidth: sw } = info;
  return conv2dSimd(backend, simd, x, filter, padInfo, sh, sw, 'forward', direct);
}

/**
 * Conv2D: bragg's kernel for NHWC float32 with dilation 1, the stock one otherwise; `direct`
 * keeps 3×3 stride-1 layers off Winograd (the A/B variant `Conv2D/direct`).
 */
export function makeConv2DConfig(stock: StockKernel, direct = false): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const g = simdGeometry(args);
    if (g === undefined)
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    return convForward(args.backend, g.simd, args.inputs.x!, args.inputs.filter!, g.info, direct);
  };
  return {
    kernelName: 'Conv2D',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

/** The biasActivation mode of a fused activation (bit 0: bias), or undefined if not covered. */
function activationMode(activation: string | undefined): number | undefined {
  if (activation === undefined || activation === 'linear') return 0;
  if (activation === 'relu') return 2;
  if (activation === 'leakyrelu') return 4;
  return undefined;
}

/**
 * FusedConv2D (tfjs-layers' Conv2D layers run it: with a bias and the linear activation while
 * training, any activation in inference): bragg's convolution, then the bias and a linear, ReLU
 * or leaky-ReLU activation in one in-place pass (wasm/assembly/elementwise.ts biasActivation).
 * Biases of another size than the output channels, PReLU and the other activations, and the
 * geometries the convolution does not cover go to the stock XNNPACK kernel.
 */
export function makeFusedConv2DConfig(stock: StockKernel, direct = false): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const attrs = args.attrs as Conv2DAttrs & FusedConv2DAttrs;
    const bias = args.inputs.bias;
    const co = args.inputs.filter?.shape[3];
    const act = activationMode(attrs.activation);
    const g =
      act === undefined ||
      args.inputs.preluActivationWeights !== undefined ||
      (bias !== undefined &&
        (bias.dtype !== 'float32' || util.sizeFromShape(bias.shape) !== co || co === undefined))
        ? undefined
        : simdGeometry(args);
    if (g === undefined)
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const { backend } = args;
    const { info, simd } = g;
    const y = convForward(backend, simd, args.inputs.x!, args.inputs.filter!, info, direct);
    const mode = act! | (bias === undefined ? 0 : 1);
    const c = y.shape[3]!;
    const rows = util.sizeFromShape(y.shape) / Math.max(c, 1);
    if (mode !== 0 && rows * c > 0) {
      const alpha = backend.makeOutput([1], 'float32');
      (backend.typedArrayFromHeap(alpha) as Float32Array)[0] = attrs.leakyreluAlpha ?? 0.2;
      const pb = bias === undefined ? heapOffset(backend, alpha) : heapOffset(backend, bias);
      parallelFor(
        simd,
        'biasActivation',
        [heapOffset(backend, y), pb, heapOffset(backend, alpha), c, mode, 0, 0],
        5,
        rows,
        2 * rows * c,
      );
      release(backend, alpha);
    }
    return y;
  };
  return {
    kernelName: 'FusedConv2D',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
