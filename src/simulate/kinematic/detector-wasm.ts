/**
 * The detector kernels (wasm/assembly/detector.ts, built by scripts/build-wasm.mjs into
 * dist/wasm/detector.wasm) on one image geometry: a WASM memory holding the size² float32
 * image, the pixel → ring-sum map, the pixel order of the Poisson step and the spot stencils.
 * `renderPattern` here gives the same float32 image as detector.ts's renderPattern, bit for
 * bit (the weights are computed by the same JS expressions; the kernel does the same float64
 * multiply-add and rounds to float32 once per update). Where the module is not built (a
 * checkout before `npm run build`), `createDetectorKernel` returns undefined and callers run
 * their JS path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import type { DetectorOptions } from './detector.js';
import { checkDetector } from './detector.js';
import type { SpotList } from './pattern.js';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum?: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  expInto(src: number, dst: number, n: number): void;
  stencils(
    params: number,
    count: number,
    rad: number,
    inv2s2: number,
    weights: number,
    scratch: number,
  ): void;
  splat(
    img: number,
    n: number,
    params: number,
    count: number,
    rad: number,
    weights: number,
  ): number;
  maxOf(img: number, npx: number): number;
  normaliseSum(
    img: number,
    npx: number,
    m: number,
    slotOf: number,
    slots: number,
    bins: number,
    sums: number,
    salt: number,
    ns: number,
    fs: number,
  ): void;
  normaliseBright(img: number, npx: number, m: number, t: number, bright: number): number;
  groupBright(
    img: number,
    bright: number,
    nb: number,
    levels: number,
    levelStart: number,
    fillAt: number,
    order: number,
  ): void;
}

/** Where the built module is. */
export function detectorKernelFile(): string {
  return join(packageRoot(), 'dist', 'wasm', 'detector.wasm');
}

let compiled: object | null | undefined;

/** The compiled module of this thread, or null where it is not built. */
function detectorModule(): object | null {
  if (compiled === undefined) {
    const file = detectorKernelFile();
    compiled = existsSync(file) ? new wasm.Module(readFileSync(file)) : null;
  }
  return compiled;
}

/** Spot stencils per kernel call (params) and float64 weights per call. */
const SPOT_CAP = 4096;
const WEIGHT_CAP = 1 << 18;
/** float64 per spot in params: c0, r0, a, x, y. */
const PARAM = 5;
/** Scratch float64 of `stencils`: 2·(2·rad + 1) for σ ≤ 100 px (rad ≤ 400). */
const SCRATCH = 2 * 801;

/** Arguments on which the kernel's exp must equal Math.exp (the weights' range and edges). */
function expCheckArgs(): Float64Array {
  const v: number[] = [0, -0, -1e-300, -(2 ** -28), -(2 ** -29), -708, -708.39, -709, -745];
  v.push(-745.2, -746, -1e4, -Math.LN2 / 2, -1.5 * Math.LN2, -0.3465735902799726, -1.0397);
  let u = 0x2545f491;
  const rnd = (): number => {
    u ^= u << 13;
    u ^= u >>> 17;
    u ^= u << 5;
    return (u >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < 1500; i++) v.push(-760 * rnd(), -2 * rnd(), -20 * rnd());
  for (let sigma = 0.5; sigma <= 12; sigma += 0.5) {
    const inv2s2 = 1 / (2 * sigma * sigma);
    const rad = Math.ceil(4 * sigma);
    const f = rnd() - 0.5;
    for (let d = -rad; d <= rad; d++) v.push(-(d - f) * (d - f) * inv2s2);
  }
  return Float64Array.from(v);
}

/** Whether this thread's kernel exp is Math.exp bit for bit (checked once). */
let expExact: boolean | undefined;
/** Most levels `groupLevels` can group (0…127). */
const MAX_LEVELS = 128;

const align = (x: number): number => Math.ceil(x / 64) * 64;

/** The kernels bound to one size × size image with a radial bin map. */
export interface DetectorKernel {
  readonly size: number;
  readonly bins: number;
  /** Whether the Gaussian weights are computed in WASM (its exp equals Math.exp here). */
  readonly wasmWeights: boolean;
  /** The image (float32, row-major), in WASM memory. */
  readonly img: Float32Array;
  /** The bright pixels grouped by level after `groupLevels` (int32), in WASM memory. */
  readonly order: Int32Array;
  /**
   * renderPattern(spots, opts) into `img` (opts.size must be this kernel's size); returns the
   * image maximum (as `max()`), tracked while splatting when every intensity is ≥ 0.
   */
  renderPattern(spots: SpotList, opts: DetectorOptions): number;
  /** The maximum of 0 and every pixel of `img`. */
  max(): number;
  /**
   * Room for salted pixel indices (int32, size² entries, in WASM memory); it shares memory
   * with the bright-pixel list of `groupLevels`, so fill it after that one is used.
   */
  readonly salt: Int32Array;
  /**
   * img[i] = f32(img[i] / m); sums[b] = Σ of ring b's new values (float64), where the first
   * `ns` entries of `salt` (increasing pixel indices) count as fs instead (default none).
   */
  normaliseSum(m: number, sums: Float64Array, ns?: number, fs?: number): void;
  /**
   * img[i] = f32(img[i] / m) (m ≥ every pixel), then `order` holds the bright pixels (new
   * value ≥ 2^(1 − levels)) grouped by level k = 127 − biased exponent (k < levels), in index
   * order within a level; order[levelStart[k]…levelStart[k + 1]) is level k
   * (levelStart: int32 × levels + 1).
   */
  groupLevels(m: number, levels: number, levelStart: Int32Array): void;
}

/**
 * Kernels for a size × size image whose pixel i belongs to ring binOf[i] (−1: none) of
 * `bins`; undefined where dist/wasm/detector.wasm is not built.
 */
export function createDetectorKernel(
  size: number,
  bins: number,
  binOf: Int32Array,
): DetectorKernel | undefined {
  const mod = detectorModule();
  if (!mod) return undefined;
  const npx = size * size;
  if (binOf.length !== npx)
    throw new ValidationError(`bin map must hold ${npx} pixels, has ${binOf.length}`, 'binOf');
  // Layout (bytes): img, slotOf, order, bright (npx each), slots ((bins + 1)·4 f64), sums,
  // levelStart (129 i32), fillAt (4·128 i32), params (SPOT_CAP·5 f64), scratch, weights
  // (WEIGHT_CAP f64).
  const imgAt = 0;
  const slotOfAt = align(imgAt + 4 * npx);
  const orderAt = align(slotOfAt + 4 * npx);
  const brightAt = align(orderAt + 4 * npx);
  const slotsAt = align(brightAt + 4 * npx);
  const sumsAt = align(slotsAt + 32 * (bins + 1));
  const levelStartAt = align(sumsAt + 8 * bins);
  const fillAtAt = align(levelStartAt + 4 * (MAX_LEVELS + 1));
  const paramsAt = align(fillAtAt + 16 * MAX_LEVELS);
  const scratchAt = align(paramsAt + 8 * PARAM * SPOT_CAP);
  const weightsAt = align(scratchAt + 8 * SCRATCH);
  const bytes = weightsAt + 8 * WEIGHT_CAP;
  const pages = Math.ceil(bytes / 65536);
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const k = new wasm.Instance(mod, { env: { memory } }).exports as Exports;
  const buf = memory.buffer;
  const img = new Float32Array(buf, imgAt, npx);
  const slotOf = new Int32Array(buf, slotOfAt, npx);
  for (let i = 0; i < npx; i++) {
    const b = binOf[i]!;
    slotOf[i] = ((b >= 0 && b < bins ? b : bins) * 4 + (i & 3)) * 8;
  }
  const order = new Int32Array(buf, orderAt, npx);
  const salt = new Int32Array(buf, brightAt, npx);
  const sumsView = new Float64Array(buf, sumsAt, bins);
  const levelStartView = new Int32Array(buf, levelStartAt, MAX_LEVELS + 1);
  const params = new Float64Array(buf, paramsAt, PARAM * SPOT_CAP);
  const weights = new Float64Array(buf, weightsAt, WEIGHT_CAP);
  if (expExact === undefined) {
    const args = expCheckArgs();
    const src = new Float64Array(buf, weightsAt, args.length);
    const dst = new Float64Array(buf, weightsAt + 8 * args.length, args.length);
    src.set(args);
    k.expInto(weightsAt, weightsAt + 8 * args.length, args.length);
    expExact = args.every((x, i) => Object.is(dst[i], Math.exp(x)));
  }
  /** The weights in WASM (exp checked equal to Math.exp) or in JS. */
  const wasmWeights = expExact && !process.env.BRAGG_DETECTOR_JS_WEIGHTS;

  return {
    size,
    bins,
    wasmWeights,
    img,
    order,
    salt,
    renderPattern(spots, opts) {
      const o = checkDetector(opts);
      const n = o.size;
      if (n !== size)
        throw new ValidationError(`detector size ${n} is not the kernel's ${size}`, 'size');
      img.fill(0);
      // The same expressions as renderPattern's (detector.ts).
      const rad = Math.ceil(4 * o.sigmaPx);
      const w = 2 * rad + 1;
      const perSpot = Math.min(SPOT_CAP, Math.floor(WEIGHT_CAP / (2 * w)));
      const inv2s2 = 1 / (2 * o.sigmaPx * o.sigmaPx);
      const norm = 1 / (2 * Math.PI * o.sigmaPx * o.sigmaPx);
      const cx = o.centre[0] + o.shift[0];
      const cy = o.centre[1] + o.shift[1];
      let count = 0;
      let max = 0;
      // A negative (or NaN) amplitude can lower a pixel after its largest value: scan then.
      let monotonic = true;
      const flush = (): void => {
        if (count === 0) return;
        if (wasmWeights) k.stencils(paramsAt, count, rad, inv2s2, weightsAt, scratchAt);
        const m = k.splat(imgAt, n, paramsAt, count, rad, weightsAt);
        if (max < m) max = m;
        count = 0;
      };
      const put = (x: number, y: number, inten: number): void => {
        const c0 = Math.round(x);
        const r0 = Math.round(y);
        if (c0 + rad < 0 || c0 - rad >= n || r0 + rad < 0 || r0 - rad >= n) return;
        if (count === perSpot) flush();
        const p = PARAM * count;
        params[p] = c0;
        params[p + 1] = r0;
        params[p + 2] = inten * norm;
        if (!(inten >= 0)) monotonic = false;
        params[p + 3] = x;
        params[p + 4] = y;
        if (!wasmWeights) {
          const wx = count * 2 * w;
          const wy = wx + w;
          for (let d = -rad; d <= rad; d++) {
            const ex = c0 + d - x;
            const ey = r0 + d - y;
            weights[wx + d + rad] = Math.exp(-ex * ex * inv2s2);
            weights[wy + d + rad] = Math.exp(-ey * ey * inv2s2);
          }
        }
        count++;
      };
      for (let i = 0; i < spots.count; i++) {
        put(
          cx + spots.kx[i]! / o.calibration,
          cy + spots.ky[i]! / o.calibration,
          spots.intensity[i]!,
        );
      }
      if (o.directBeam > 0) put(cx, cy, o.directBeam);
      flush();
      return monotonic ? max : k.maxOf(imgAt, npx);
    },
    max() {
      return k.maxOf(imgAt, npx);
    },
    normaliseSum(m, sums, ns = 0, fs = 0) {
      if (!(Number.isInteger(ns) && ns >= 0 && ns <= npx))
        throw new ValidationError(`salt count must be in 0…${npx}, got ${ns}`, 'salt');
      k.normaliseSum(imgAt, npx, m, slotOfAt, slotsAt, bins, sumsAt, brightAt, ns, fs);
      sums.set(sumsView);
    },
    groupLevels(m, levels, levelStart) {
      if (!(Number.isInteger(levels) && levels >= 1 && levels <= MAX_LEVELS))
        throw new ValidationError(`levels must be in 1…${MAX_LEVELS}, got ${levels}`, 'levels');
      const nb = k.normaliseBright(imgAt, npx, m, 2 ** (1 - levels), brightAt);
      k.groupBright(imgAt, brightAt, nb, levels, levelStartAt, fillAtAt, orderAt);
      levelStart.set(levelStartView.subarray(0, levels + 1));
    },
  };
}
