/**
 * Gradients of DepthwiseConv2dNative for the wasm backend, built on XNNPACK's depthwise
 * convolution.
 *
 * Filter gradient: dW[kh,kw,c,q] = Σ_{b,oh,ow} x[b, oh·s+kh·d−pt, ow·s+kw·d−pl, c] ·
 * dy[b,oh,ow,c·m+q]. Putting batch and channel side by side as channels (x → [1,h,w,b·c],
 * dy → filter [oh,ow,b·c,m]) makes it one depthwise convolution with stride d and dilation s
 * (roles swapped) whose output [1,kh,kw,b·c·m] is summed over b.
 *
 * Input gradient (multiplier m): dx[c] = Σ_q depthwise(spread(dy[c·m+q]), flip(W[:,:,c,q])).
 */
import { backend_util } from '@tensorflow/tfjs';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  depthwiseExplicit,
  dilateAndPad,
  release,
  reshape,
  runWasm,
  slice,
  transpose,
} from './interop.js';

interface KernelArgs<A> {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: A;
}

function dilationsOf(d: number | [number, number] | undefined): [number, number] {
  if (d === undefined) return [1, 1];
  return typeof d === 'number' ? [d, d] : d;
}

function depthwiseBackpropFilter(
  args: KernelArgs<DepthwiseConv2dNativeBackpropFilterAttrs>,
): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x!;
  const dy = args.inputs.dy!;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    dilationsOf(attrs.dilations),
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const { filterHeight: fh, filterWidth: fw } = info;
  const m = attrs.filterShape[3];
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const pb = Math.max(0, (fh - 1) * dh + (oh - 1) * sh + 1 - h - pt);
  const pr = Math.max(0, (fw - 1) * dw + (ow - 1) * sw + 1 - w - pl);
  // x [n,h,w,c] → [h,w,n,c] viewed as [1,h,w,n·c]; dy → [oh,ow,n,c·m] viewed as [oh,ow,n·c,m].
  const xT = transpose(backend, x, [1, 2, 0, 3]);
  const xV = reshape(backend, xT, [1, h, w, n * c]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  const dyV = reshape(backend, dyT, [oh, ow, n * c, m]);
  release(backend, xT, dyT);
  const full = depthwiseExplicit(backend, xV, dyV, {
    padTop: pt,
    padBottom: pb,
    padLeft: pl,
    padRight: pr,
    strideH: dh,
    strideW: dw,
    dilationH: sh,
    dilationW: sw,
  });
  release(backend, xV, dyV);
  let cropped = full;
  if (full.shape[1] !== fh || full.shape[2] !== fw) {
    cropped = slice(backend, full, [0, 0, 0, 0], [1, fh, fw, n * c * m]);
    release(backend, full);
  }
  let dW: TensorInfo;
  if (n === 1) {
    dW = reshape(backend, cropped, [fh, fw, c, m]);
  } else {
    const split = reshape(backend, cropped, [fh, fw, n, c * m]);
    const summed = runWasm(backend, 'Sum', { x: split }, { axis: [2], keepDims: false });
    release(backend, split);
    dW = reshape(backend, summed, [fh, fw, c, m]);
    release(backend, summed);
  }
  release(backend, cropped);
  return dW;
}

function depthwiseBackpropInput(
  args: KernelArgs<DepthwiseConv2dNativeBackpropInputAttrs>,
): TensorInfo {
  const { backend, attrs } = args;
  const dy = args.inputs.dy!;
  const filter = args.inputs.filter!;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    dilationsOf(attrs.dilations),
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [n, oh, ow] = dy.shape as [number, number, number, number];
  const { filterHeight: fh, filterWidth: fw, inHeight: h, inWidth: w, inChannels: c } = info;
  const m = filter.shape[3]!;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pad = {
    top: (fh - 1) * dh - info.padInfo.top,
    left: (fw - 1) * dw - info.padInfo.left,
    bottom: h - 1 + info.padInfo.top - (oh - 1) * sh,
    right: w - 1 + info.padInfo.left - (ow - 1) * sw,
  };
  const flipped =
    fh > 1 || fw > 1 ? runWasm(backend, 'Reverse', { x: filter }, { dims: [0, 1] }) : null;
  const f = flipped ?? filter;
  const one = (dyPart: TensorInfo, fPart: TensorInfo): TensorInfo => {
    const strided = sh !== 1 || sw !== 1;
    const src = strided ? dilateAndPad(backend, dyPart, sh, sw, pad) : dyPart;
    const g = strided
      ? { padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 }
      : { padTop: pad.top, padBottom: pad.bottom, padLeft: pad.left, padRight: pad.right };
    const out = depthwiseExplicit(backend, src, fPart, {
      ...g,
      strideH: 1,
      strideW: 1,
      dilationH: dh,
      dilationW: dw,
    });
    if (strided) release(backend, src);
    return out;
  };
  let dx: TensorInfo;
  if (m === 1) {
    dx = one(dy, f);
  } else {
    // dy [n,oh,ow,c·m] → [m,n,oh,ow,c]; filter [fh,fw,c,m] → [m,fh,fw,c].
    const dy5 = reshape(backend, dy, [n, oh, ow, c, m]);
    const dyM = transpose(backend, dy5, [4, 0, 1, 2, 3]);
    const fM = transpose(backend, f, [3, 0, 1, 2]);
    release(backend, dy5);
    let acc: TensorInfo | null = null;
    for (let q = 0; q < m; q++) {
      const dq = slice(backend, dyM, [q, 0, 0, 0, 0], [1, n, oh, ow, c]);
      const dq4 = reshape(backend, dq, [n, oh, ow, c]);
      const fq = slice(backend, fM, [q, 0, 0, 0], [1, fh, fw, c]);
      const fq4 = reshape(backend, fq, [fh, fw, c, 1]);
      const part = one(dq4, fq4);
      release(backend, dq, dq4, fq, fq4);
      if (acc === null) {
        acc = part;
      } else {
        const sum = runWasm(backend, 'Add', { a: acc, b: part });
        release(backend, acc, part);
        acc = sum;
      }
    }
    release(backend, dyM, fM);
    dx = acc!;
  }
  if (flipped !== null) release(backend, flipped);
  return dx;
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as KernelFunc,
};

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as KernelFunc,
};
