/**
 * Glue between bragg's wasm kernels and tfjs-backend-wasm: typed access to the wasm module's
 * XNNPACK-backed exports (`Conv2D`, `DepthwiseConv2dNative`) with explicit padding, calls to
 * other registered wasm kernels (Transpose, Reverse, Slice, Sum, Add) on TensorInfos, and
 * helpers that move data inside the wasm heap without leaving it.
 *
 * Every temporary made here is a backend TensorInfo; the caller disposes it with `release`.
 */
import { getKernel } from '@tensorflow/tfjs';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BraggError } from '../../../core/errors.js';

/** Explicit geometry of one XNNPACK convolution call (NHWC input, HWIO / HWCM filter). */
export interface ConvGeometry {
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
}

type ConvFn = (...args: number[]) => void;

interface WasmFns {
  conv2d: ConvFn;
  depthwise: ConvFn;
}

const FNS = new WeakMap<object, WasmFns>();

function fns(backend: BackendWasm): WasmFns {
  const mod = backend.wasm as unknown as {
    cwrap(name: string, ret: null, args: string[]): ConvFn;
  };
  let f = FNS.get(mod);
  if (f === undefined) {
    const args = new Array<string>(19).fill('number');
    f = {
      conv2d: mod.cwrap('Conv2D', null, args),
      depthwise: mod.cwrap('DepthwiseConv2dNative', null, args),
    };
    FNS.set(mod, f);
  }
  return f;
}

/** The wasm heap id of a tensor. */
export function heapId(backend: BackendWasm, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (d === undefined)
    throw new BraggError('INTERNAL', 'wasm kernel: tensor is not on the wasm backend');
  return d.id;
}

/** Frees temporaries made by the helpers below. */
export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/** Runs another kernel registered for `wasm` on TensorInfos (no engine bookkeeping). */
export function runWasm(
  backend: BackendWasm,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const k = getKernel(name, 'wasm');
  if (k === undefined) throw new BraggError('INTERNAL', `wasm kernel ${name} is not registered`);
  const out = k.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out))
    throw new BraggError('INTERNAL', `wasm kernel ${name}: one output expected`);
  return out;
}

export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasm(backend, 'Transpose', { x }, { perm });
}

/** A reshaped view sharing the same heap buffer (refcount +1; release it like any temp). */
export function reshape(backend: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo {
  return runWasm(backend, 'Reshape', { x }, { shape });
}

export function slice(
  backend: BackendWasm,
  x: TensorInfo,
  begin: number[],
  size: number[],
): TensorInfo {
  return runWasm(backend, 'Slice', { x }, { begin, size });
}

export function outSize(
  inSize: number,
  pad0: number,
  pad1: number,
  k: number,
  stride: number,
  dil: number,
): number {
  return Math.floor((inSize + pad0 + pad1 - ((k - 1) * dil + 1)) / stride) + 1;
}

function checkGeometry(g: ConvGeometry, what: string): void {
  const vals = [g.padTop, g.padBottom, g.padLeft, g.padRight];
  if (vals.some((v) => v < 0 || !Number.isInteger(v))) {
    throw new BraggError('INTERNAL', `${what}: negative padding ${JSON.stringify(g)}`);
  }
}

/**
 * XNNPACK convolution with explicit padding: x [n,h,w,ci], filter [kh,kw,ci,co] → [n,oh,ow,co].
 */
export function conv2dExplicit(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  checkGeometry(g, 'conv2d');
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const [kh, kw, fci, co] = filter.shape as [number, number, number, number];
  if (fci !== ci) throw new BraggError('INTERNAL', `conv2d: channels ${ci} vs filter ${fci}`);
  const oh = outSize(h, g.padTop, g.padBottom, kh, g.strideH, g.dilationH);
  const ow = outSize(w, g.padLeft, g.padRight, kw, g.strideW, g.dilationW);
  const out = backend.makeOutput([n, oh, ow, co], 'float32');
  fns(backend).conv2d(
    heapId(backend, x),
    n,
    h,
    w,
    heapId(backend, filter),
    kh,
    kw,
    g.padTop,
    g.padRight,
    g.padBottom,
    g.padLeft,
    0,
    g.dilationH,
    g.dilationW,
    g.strideH,
    g.strideW,
    ci,
    co,
    heapId(backend, out),
  );
  return out;
}

/**
 * XNNPACK depthwise convolution with explicit padding: x [n,h,w,c], filter [kh,kw,c,m] →
 * [n,oh,ow,c·m].
 */
export function depthwiseExplicit(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  checkGeometry(g, 'depthwise');
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, fc, m] = filter.shape as [number, number, number, number];
  if (fc !== c) throw new BraggError('INTERNAL', `depthwise: channels ${c} vs filter ${fc}`);
  const oh = outSize(h, g.padTop, g.padBottom, kh, g.strideH, g.dilationH);
  const ow = outSize(w, g.padLeft, g.padRight, kw, g.strideW, g.dilationW);
  const out = backend.makeOutput([n, oh, ow, c * m], 'float32');
  fns(backend).depthwise(
    heapId(backend, x),
    n,
    h,
    w,
    heapId(backend, filter),
    kh,
    kw,
    g.padTop,
    g.padRight,
    g.padBottom,
    g.padLeft,
    0,
    g.dilationH,
    g.dilationW,
    g.strideH,
    g.strideW,
    c,
    c * m,
    heapId(backend, out),
  );
  return out;
}

/**
 * Spreads x [n,h,w,c] onto a zero grid with `stride - 1` zeros between pixels and the given
 * zero borders: the input of a transposed convolution as a plain one. Pure data movement
 * (one contiguous copy of c floats per pixel).
 */
export function dilateAndPad(
  backend: BackendWasm,
  x: TensorInfo,
  strideH: number,
  strideW: number,
  pad: { top: number; bottom: number; left: number; right: number },
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const hd = pad.top + (h - 1) * strideH + 1 + pad.bottom;
  const wd = pad.left + (w - 1) * strideW + 1 + pad.right;
  const out = backend.makeOutput([n, hd, wd, c], 'float32');
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const rowDst = ((b * hd + pad.top + i * strideH) * wd + pad.left) * c;
      const rowSrc = (b * h + i) * w * c;
      if (strideW === 1) {
        dst.set(src.subarray(rowSrc, rowSrc + w * c), rowDst);
      } else {
        for (let j = 0; j < w; j++) {
          const s = rowSrc + j * c;
          dst.set(src.subarray(s, s + c), rowDst + j * strideW * c);
        }
      }
    }
  }
  return out;
}

/** Zero padding of a convolution's input, in pixels. */
export interface ConvPadding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** How the packed filter of a convolution is laid out from the stored one. */
export type FilterRole = 'forward' | 'flipped';
