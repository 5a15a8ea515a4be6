/**
 * Cases of the SIMD kernels' bounds tests: for every export that writes memory, random shapes
 * that hit the tails, with buffer sizes and arguments from the TS callers
 * (src/ml/backend/kernels) and the bytes each block of the range owns by the kernel's
 * documented contract (wasm/assembly). (Test support only; no vitest import.)
 */
import { backend_util } from '@tensorflow/tfjs';
import type { Rng } from '../../../../../src/core/rng.js';
import { packedFilterLayout } from '../../../../../src/ml/backend/kernels/conv2d-simd.js';
import type { FilterRole } from '../../../../../src/ml/backend/kernels/conv2d-simd.js';
import { aleaState } from '../../../../../src/ml/backend/kernels/dropout.js';
import { outSize } from '../../../../../src/ml/backend/kernels/interop.js';
import { maxPoolGradCall } from '../../../../../src/ml/backend/kernels/max-pool-grad.js';
import { maxPoolArgs } from '../../../../../src/ml/backend/kernels/max-pool.js';
import { MAX_WINOGRAD_ALPHA, planNet1d } from '../../../../../src/ml/backend/net1d.js';
import type { Net1dLayer } from '../../../../../src/ml/backend/net1d.js';
import type { BoundsCase, Owned } from './bounds.js';
import { convFilterGradCase, packCase } from './bounds-gemm.js';

const F = 4;

/** 1..n. */
const upTo = (rng: Rng, n: number): number => 1 + rng.int(n);

/** Rows [r0, r1) of `rowBytes` each in region `name`. */
const rows = (name: string, r0: number, r1: number, rowBytes: number): Owned[] => [
  [name, r0 * rowBytes, r1 * rowBytes],
];

/** Uniform values with some NaN and −∞ (max pooling's special cases). */
function poolData(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const u = rng.next();
    return u < 0.04 ? Number.NaN : u < 0.08 ? Number.NEGATIVE_INFINITY : rng.uniform(-1, 1);
  });
}

/** A random pooling geometry (resampled until it has outputs); `rows`: sh ≥ filter height. */
function poolInfo(rng: Rng, rowsOnly: boolean): backend_util.Conv2DInfo {
  for (;;) {
    const shape: [number, number, number, number] = [
      upTo(rng, 3),
      upTo(rng, 13),
      upTo(rng, 13),
      upTo(rng, 13),
    ];
    // A quarter of the rows cases: windows that tile the image (the kernel's no-zeroing path).
    const tiled = rowsOnly && rng.int(4) === 0;
    if (tiled) shape[3] = 4 * upTo(rng, 3);
    const fh = upTo(rng, 4);
    const fw = tiled ? fh : upTo(rng, 4);
    const sh = rowsOnly ? fh + (tiled ? 0 : rng.int(2)) : upTo(rng, 3);
    const sw = tiled ? fw : upTo(rng, 3);
    const dil = sh === 1 && sw === 1 && rng.int(3) === 0 ? 2 : 1;
    const pads = ['valid', 'same', rng.int(Math.max(fh, fw))] as const;
    const pad = pads[rng.int(3)]!;
    try {
      const info = backend_util.computePool2DInfo(shape, [fh, fw], [sh, sw], dil, pad, 'floor');
      const ok =
        info.outHeight > 0 &&
        info.outWidth > 0 &&
        Number.isInteger(info.outHeight) &&
        Number.isInteger(info.outWidth) &&
        (!rowsOnly || info.strideHeight >= info.effectiveFilterHeight);
      if (ok) return info;
    } catch {
      // An invalid geometry for tfjs: draw another.
    }
  }
}

function poolShapes(info: backend_util.Conv2DInfo): { x: number; y: number; label: string } {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh } = info;
  const label =
    `x ${n}×${h}×${w}×${c} → ${oh}×${info.outWidth}, filter ` +
    `${info.effectiveFilterHeight}×${info.effectiveFilterWidth} stride ${info.strideHeight}×` +
    `${info.strideWidth} pad ${info.padInfo.top},${info.padInfo.left}`;
  return { x: n * h * w * c, y: n * oh * info.outWidth * c, label };
}

function maxPoolRowsCase(rng: Rng): BoundsCase {
  const info = poolInfo(rng, false);
  const s = poolShapes(info);
  const rowBytes = F * info.outWidth * info.inChannels;
  return {
    kernel: 'maxPoolRows',
    label: `maxPoolRows ${s.label}`,
    regions: [
      { name: 'x', bytes: F * s.x, kind: 'in', fill: poolData(rng, s.x) },
      { name: 'y', bytes: F * s.y, kind: 'out' },
    ],
    args: (at) => maxPoolArgs(at.x!, at.y!, info),
    rangeAt: 15,
    total: info.batchSize * info.outHeight,
    owned: (g0, g1) => rows('y', g0, g1, rowBytes),
    finite: true,
  };
}

/** Element offset in dx of the first input row output row g owns (maxPoolGradRows' contract). */
function ownedStart(g: number, info: backend_util.Conv2DInfo): number {
  const { inHeight: h, inWidth: w, inChannels: c, outHeight: oh } = info;
  const b = Math.floor(g / oh);
  const r = g - b * oh;
  const row = r === 0 ? 0 : Math.min(h, Math.max(0, r * info.strideHeight - info.padInfo.top));
  return (b * h + row) * w * c;
}

function maxPoolGradCase(rng: Rng, kernel: 'maxPoolGradRows' | 'maxPoolGradImages'): BoundsCase {
  const info = poolInfo(rng, kernel === 'maxPoolGradRows');
  const s = poolShapes(info);
  const call = maxPoolGradCall([0, 0, 0, 0], info);
  if (kernel === 'maxPoolGradRows' && call.name !== kernel) throw new Error('not a rows case');
  const total = kernel === 'maxPoolGradRows' ? call.total : info.batchSize;
  const image = F * info.inHeight * info.inWidth * info.inChannels;
  // y as the forward pass computes it, or (a quarter of the cases) unrelated values: every
  // window then takes the scan path.
  const forward = rng.int(4) !== 0;
  return {
    kernel,
    label: `${kernel} ${s.label}${forward ? '' : ', y random'}`,
    regions: [
      { name: 'x', bytes: F * s.x, kind: 'in', fill: poolData(rng, s.x) },
      { name: 'y', bytes: F * s.y, kind: 'in' },
      { name: 'dy', bytes: F * s.y, kind: 'in' },
      { name: 'dx', bytes: F * s.x, kind: 'out' },
    ],
    prepare: (run, at) => {
      if (!forward) return;
      const a = maxPoolArgs(at.x!, at.y!, info);
      a[16] = info.batchSize * info.outHeight;
      run('maxPoolRows', a);
    },
    args: (at) => maxPoolGradCall([at.x!, at.y!, at.dy!, at.dx!], info).args,
    rangeAt: call.at,
    total,
    owned: (b0, b1) =>
      kernel === 'maxPoolGradRows'
        ? [['dx', F * ownedStart(b0, info), F * ownedStart(b1, info)]]
        : rows('dx', b0, b1, image),
    finite: true,
  };
}

function sumRowsCase(rng: Rng): BoundsCase {
  const r = upTo(rng, 13);
  const cols = upTo(rng, 40);
  return {
    kernel: 'sumRows',
    label: `sumRows ${r}×${cols}`,
    regions: [
      { name: 'x', bytes: F * r * cols, kind: 'in' },
      { name: 'out', bytes: F * cols, kind: 'out' },
    ],
    args: (at) => [at.x!, at.out!, r, cols, 0, 0],
    rangeAt: 4,
    total: Math.ceil(cols / 4),
    owned: (q0, q1) => [['out', 16 * q0, Math.min(16 * q1, F * cols)]],
    finite: true,
  };
}

function reluGradCase(rng: Rng): BoundsCase {
  const n = upTo(rng, 70);
  return {
    kernel: 'reluGrad',
    label: `reluGrad ${n}`,
    regions: [
      { name: 'dy', bytes: F * n, kind: 'in' },
      { name: 'x', bytes: F * n, kind: 'in' },
      { name: 'dx', bytes: F * n, kind: 'out' },
    ],
    args: (at) => [at.dy!, at.x!, at.dx!, 0, 0],
    rangeAt: 3,
    total: n,
    owned: (e0, e1) => [['dx', F * e0, F * e1]],
    finite: true,
  };
}

function adamCase(rng: Rng): BoundsCase {
  const n = upTo(rng, 70);
  const coef = new Float32Array(
    new Float64Array([0.9, 0.999, 0.1, 0.001, 0.1, 0.001, 1e-7, 0.01, 1]).buffer,
  );
  const v = Float32Array.from({ length: n }, () => rng.next());
  const outs = ['xo', 'mo', 'vo'];
  return {
    kernel: 'adamUpdate',
    label: `adamUpdate ${n}`,
    regions: [
      { name: 'x', bytes: F * n, kind: 'in' },
      { name: 'm', bytes: F * n, kind: 'in' },
      { name: 'v', bytes: F * n, kind: 'in', fill: v },
      { name: 'g', bytes: F * n, kind: 'in' },
      ...outs.map((name) => ({ name, bytes: F * n, kind: 'out' as const })),
      { name: 'coef', bytes: 72, kind: 'in', fill: coef },
    ],
    args: (at) => [at.x!, at.m!, at.v!, at.g!, at.xo!, at.mo!, at.vo!, at.coef!, 0, 0],
    rangeAt: 8,
    total: n,
    owned: (e0, e1) => outs.map((name): Owned => [name, F * e0, F * e1]),
    finite: true,
  };
}

function dropoutCase(rng: Rng): BoundsCase {
  const n = upTo(rng, 70);
  const s = aleaState(rng.int(1 << 30));
  const keep = 1 - rng.next() * 0.9;
  return {
    kernel: 'dropoutMultiplier',
    label: `dropoutMultiplier ${n}`,
    regions: [{ name: 'out', bytes: F * n, kind: 'out' }],
    args: (at) => [at.out!, n, s.c, s.s0, s.s1, s.s2, keep],
    total: 1,
    owned: () => [['out', 0, F * n]],
    finite: true,
  };
}

function biasAddCase(rng: Rng): BoundsCase {
  const r = upTo(rng, 13);
  const c = upTo(rng, 40);
  return {
    kernel: 'biasAdd',
    label: `biasAdd ${r}×${c}`,
    regions: [
      { name: 'x', bytes: F * r * c, kind: 'in' },
      { name: 'b', bytes: F * c, kind: 'in' },
      { name: 'out', bytes: F * r * c, kind: 'out' },
    ],
    args: (at) => [at.x!, at.b!, at.out!, c, 0, 0],
    rangeAt: 4,
    total: r,
    owned: (r0, r1) => rows('out', r0, r1, F * c),
    finite: true,
  };
}

/** Columns of column quads [q0, q1) in each of `parts` consecutive [cols] float32 segments. */
const quadCols = (name: string, q0: number, q1: number, cols: number, parts = 1): Owned[] =>
  Array.from({ length: parts }, (_, k): Owned => [
    name,
    F * (k * cols + 4 * q0),
    F * (k * cols + Math.min(4 * q1, cols)),
  ]);

/** ε as the float32 params word of the batch-norm kernels. */
const bnParams = { name: 'params', bytes: F, kind: 'in', fill: new Float32Array([1e-3]) } as const;

/** Positive float32 values (variances). */
const positive = (rng: Rng, n: number): Float32Array =>
  Float32Array.from({ length: n }, () => rng.uniform(0.1, 2));

function bnStatsCase(rng: Rng): BoundsCase {
  const r = upTo(rng, 13);
  const c = upTo(rng, 40);
  return {
    kernel: 'bnStats',
    label: `bnStats ${r}×${c}`,
    regions: [
      { name: 'x', bytes: F * r * c, kind: 'in' },
      { name: 'gamma', bytes: F * c, kind: 'in' },
      bnParams,
      { name: 'mean', bytes: F * c, kind: 'out' },
      { name: 'variance', bytes: F * c, kind: 'out' },
      { name: 'scale', bytes: F * c, kind: 'out' },
    ],
    args: (at) => [at.x!, at.gamma!, at.params!, at.mean!, at.variance!, at.scale!, r, c, 0, 0],
    rangeAt: 8,
    total: Math.ceil(c / 4),
    owned: (q0, q1) => ['mean', 'variance', 'scale'].flatMap((n) => quadCols(n, q0, q1, c)),
    finite: true,
  };
}

function bnApplyCase(rng: Rng): BoundsCase {
  const r = upTo(rng, 13);
  const c = upTo(rng, 40);
  return {
    kernel: 'bnApply',
    label: `bnApply ${r}×${c}`,
    regions: [
      { name: 'x', bytes: F * r * c, kind: 'in' },
      { name: 'mean', bytes: F * c, kind: 'in' },
      { name: 'scale', bytes: F * c, kind: 'in' },
      { name: 'beta', bytes: F * c, kind: 'in' },
      { name: 'y', bytes: F * r * c, kind: 'out' },
    ],
    args: (at) => [at.x!, at.mean!, at.scale!, at.beta!, at.y!, c, 0, 0],
    rangeAt: 6,
    total: r,
    owned: (r0, r1) => rows('y', r0, r1, F * c),
    finite: true,
  };
}

function bnGradStatsCase(rng: Rng): BoundsCase {
  const r = upTo(rng, 13);
  const c = upTo(rng, 40);
  return {
    kernel: 'bnGradStats',
    label: `bnGradStats ${r}×${c}`,
    regions: [
      { name: 'dy', bytes: F * r * c, kind: 'in' },
      { name: 'x', bytes: F * r * c, kind: 'in' },
      { name: 'gamma', bytes: F * c, kind: 'in' },
      bnParams,
      { name: 'mean', bytes: F * c, kind: 'in' },
      { name: 'variance', bytes: F * c, kind: 'in', fill: positive(rng, c) },
      { name: 'dgamma', bytes: F * c, kind: 'out' },
      { name: 'dbeta', bytes: F * c, kind: 'out' },
      { name: 'coef', bytes: 3 * F * c, kind: 'out' },
    ],
    args: (at) => [
      at.dy!,
      at.x!,
      at.gamma!,
      at.params!,
      at.mean!,
      at.variance!,
      at.dgamma!,
      at.dbeta!,
      at.coef!,
      r,
      c,
      0,
      0,
    ],
    rangeAt: 11,
    total: Math.ceil(c / 4),
    owned: (q0, q1) => [
      ...quadCols('dgamma', q0, q1, c),
      ...quadCols('dbeta', q0, q1, c),
      ...quadCols('coef', q0, q1, c, 3),
    ],
    finite: true,
  };
}

function bnGradApplyCase(rng: Rng): BoundsCase {
  const r = upTo(rng, 13);
  const c = upTo(rng, 40);
  return {
    kernel: 'bnGradApply',
    label: `bnGradApply ${r}×${c}`,
    regions: [
      { name: 'dy', bytes: F * r * c, kind: 'in' },
      { name: 'x', bytes: F * r * c, kind: 'in' },
      { name: 'mean', bytes: F * c, kind: 'in' },
      { name: 'coef', bytes: 3 * F * c, kind: 'in' },
      { name: 'dx', bytes: F * r * c, kind: 'out' },
    ],
    args: (at) => [at.dy!, at.x!, at.mean!, at.coef!, at.dx!, c, 0, 0],
    rangeAt: 6,
    total: r,
    owned: (r0, r1) => rows('dx', r0, r1, F * c),
    finite: true,
  };
}

function biasActivationCase(rng: Rng): BoundsCase {
  const r = upTo(rng, 13);
  const c = upTo(rng, 40);
  const mode = 1 + rng.int(5);
  return {
    kernel: 'biasActivation',
    label: `biasActivation ${r}×${c} mode ${mode}`,
    regions: [
      { name: 'y', bytes: F * r * c, kind: 'inout' },
      { name: 'b', bytes: F * c, kind: 'in' },
      { name: 'alpha', bytes: F, kind: 'in', fill: new Float32Array([0.2]) },
    ],
    args: (at) => [at.y!, at.b!, at.alpha!, c, mode, 0, 0],
    rangeAt: 5,
    total: r,
    owned: (r0, r1) => rows('y', r0, r1, F * c),
    finite: true,
  };
}

function meanMiddleCase(rng: Rng): BoundsCase {
  const outer = upTo(rng, 6);
  const mid = upTo(rng, 13);
  const inner = upTo(rng, 40);
  return {
    kernel: 'meanMiddle',
    label: `meanMiddle ${outer}×${mid}×${inner}`,
    regions: [
      { name: 'x', bytes: F * outer * mid * inner, kind: 'in' },
      { name: 'out', bytes: F * outer * inner, kind: 'out' },
    ],
    args: (at) => [at.x!, at.out!, mid, inner, mid, 0, 0],
    rangeAt: 5,
    total: outer,
    owned: (o0, o1) => rows('out', o0, o1, F * inner),
    finite: true,
  };
}

/** Input and padding of a convolution (conv2dSimd's geometry). */
function convGeometry(rng: Rng) {
  const n = upTo(rng, 3);
  const h = upTo(rng, 13);
  const w = upTo(rng, 13);
  const c = upTo(rng, 13);
  const kh = upTo(rng, 7);
  const kw = upTo(rng, 7);
  const pad = { top: rng.int(kh), bottom: rng.int(kh), left: rng.int(kw), right: rng.int(kw) };
  return { n, h, w, c, kh, kw, pad, hp: h + pad.top + pad.bottom, wp: w + pad.left + pad.right };
}

/** 48..64 channels, rows up to 100 pixels, filter 3×3. */
function bigConvGeometry(rng: Rng) {
  const n = 1;
  const h = upTo(rng, 12);
  const w = 30 + rng.int(70);
  const c = 48 + rng.int(17);
  const kh = 3;
  const kw = 3;
  const pad = { top: rng.int(3), bottom: rng.int(3), left: rng.int(3), right: rng.int(3) };
  return { n, h, w, c, kh, kw, pad, hp: h + pad.top + pad.bottom, wp: w + pad.left + pad.right };
}

function convPadInputCase(rng: Rng): BoundsCase {
  const { n, h, w, c, pad, hp, wp } = convGeometry(rng);
  return {
    kernel: 'convPadInput',
    label: `convPadInput ${n}×${h}×${w}×${c} pad ${JSON.stringify(pad)}`,
    regions: [
      { name: 'x', bytes: F * n * h * w * c, kind: 'in' },
      { name: 'xp', bytes: F * n * hp * wp * c, kind: 'out' },
    ],
    args: (at) => [at.x!, at.xp!, h, w, c, hp, wp, pad.top, pad.left, 0, 0],
    rangeAt: 9,
    total: n * hp,
    owned: (r0, r1) => rows('xp', r0, r1, F * wp * c),
    finite: true,
  };
}

function packFilterCase(rng: Rng, role: FilterRole): BoundsCase {
  const shape: [number, number, number, number] = [
    upTo(rng, 7),
    upTo(rng, 7),
    upTo(rng, 20),
    upTo(rng, 20),
  ];
  const [kh, kw, ci, co] = shape;
  const { k, panels } = packedFilterLayout(shape, role);
  const kernel = role === 'forward' ? 'convPackFilter' : 'convPackFilterFlipped';
  const args =
    role === 'forward'
      ? (at: Record<string, number>) => [at.w!, at.out!, k, co, 0, 0]
      : (at: Record<string, number>) => [at.w!, at.out!, kh, kw, ci, co, 0, 0];
  return {
    kernel,
    label: `${kernel} ${shape.join('×')}`,
    regions: [
      { name: 'w', bytes: F * kh * kw * ci * co, kind: 'in' },
      { name: 'out', bytes: F * panels * k * 8, kind: 'out' },
    ],
    args,
    rangeAt: role === 'forward' ? 4 : 6,
    total: panels,
    owned: (p0, p1) => rows('out', p0, p1, F * k * 8),
    finite: true,
  };
}

function conv2dForwardCase(rng: Rng): BoundsCase {
  for (;;) {
    // A sixth of the cases: many channels and long rows (several panel groups and row chunks).
    const big = rng.int(6) === 0;
    const geo = big ? bigConvGeometry(rng) : convGeometry(rng);
    const { n, h, w, kh, kw, pad, hp, wp } = geo;
    // Now and then no input channels (the output is zeros; the kernel divided by zero once).
    const ci = rng.int(15) === 0 ? 0 : geo.c;
    const co = big ? 17 + rng.int(48) : upTo(rng, 20);
    const sh = upTo(rng, 3);
    const sw = upTo(rng, 3);
    const role: FilterRole = rng.int(2) === 0 ? 'forward' : 'flipped';
    const filter: [number, number, number, number] =
      role === 'forward' ? [kh, kw, ci, co] : [kh, kw, co, ci];
    const { k, panels } = packedFilterLayout(filter, role);
    const oh = outSize(h, pad.top, pad.bottom, kh, sh, 1);
    const ow = outSize(w, pad.left, pad.right, kw, sw, 1);
    if (oh < 1 || ow < 1) continue;
    return {
      kernel: 'conv2dForward',
      label: `conv2dForward ${n}×${h}×${w}×${ci} ${role} filter ${filter.join('×')} stride ${sh}×${sw} pad ${JSON.stringify(pad)}`,
      regions: [
        { name: 'xp', bytes: F * n * hp * wp * ci, kind: 'in' },
        { name: 'wk', bytes: F * panels * k * 8, kind: 'in' },
        { name: 'y', bytes: F * n * oh * ow * co, kind: 'out' },
      ],
      args: (at) => [at.xp!, at.wk!, at.y!, hp, wp, ci, oh, ow, co, kh, kw, sh, sw, 0, 0],
      rangeAt: 13,
      total: n * oh,
      owned: (r0, r1) => rows('y', r0, r1, F * ow * co),
      finite: true,
    };
  }
}

/** winogradFilter: U [16][P][ci4][8] of a 3×3 filter, either role; range over panels. */
function winogradFilterCase(rng: Rng): BoundsCase {
  const fi = upTo(rng, 20);
  const fo = upTo(rng, 20);
  const flipped = rng.int(2);
  const [ci, co] = flipped ? [fo, fi] : [fi, fo];
  const ci4 = Math.ceil(ci / 4) * 4;
  const panels = Math.ceil(co / 8);
  const panelBytes = F * ci4 * 8;
  const step = panels * panelBytes;
  return {
    kernel: 'winogradFilter',
    label: `winogradFilter 3×3×${fi}×${fo} flipped ${flipped}`,
    regions: [
      { name: 'w', bytes: F * 9 * fi * fo, kind: 'in' },
      { name: 'u', bytes: 16 * step, kind: 'out' },
    ],
    args: (at) => [at.w!, at.u!, fi, fo, flipped, 0, 0],
    rangeAt: 5,
    total: panels,
    owned: (p0, p1) =>
      Array.from({ length: 16 }, (_, x): Owned => ['u', x * step + p0 * panelBytes, x * step + p1 * panelBytes]), // prettier-ignore
    finite: true,
  };
}

/**
 * winogradConv: 2×2 output tiles (b, ty, tx) in `parts` contiguous parts, each with its own
 * scratch; a block of parts owns its scratch and the output pixels of its tiles.
 */
function winogradConvCase(rng: Rng): BoundsCase {
  const n = upTo(rng, 2);
  const oh = upTo(rng, 9);
  const ow = upTo(rng, 9);
  const ci = upTo(rng, 20);
  const co = upTo(rng, 20);
  const ci4 = Math.ceil(ci / 4) * 4;
  const co8 = Math.ceil(co / 8) * 8;
  const th = Math.ceil(oh / 2);
  const tw = Math.ceil(ow / 2);
  const hp = 2 * th + 2;
  const wp = 2 * tw + 2;
  const total = n * th * tw;
  const tc = upTo(rng, 5);
  const parts = upTo(rng, Math.min(4, total));
  const partBytes = 64 * tc * (ci4 + co8);
  const px = F * co;
  return {
    kernel: 'winogradConv',
    label: `winogradConv ${n}×${oh}×${ow} ${ci}→${co} chunk ${tc} parts ${parts}`,
    regions: [
      { name: 'xp', bytes: F * n * hp * wp * ci, kind: 'in' },
      { name: 'u', bytes: F * 16 * co8 * ci4, kind: 'in' },
      { name: 'y', bytes: F * n * oh * ow * co, kind: 'out' },
      { name: 'scratch', bytes: parts * partBytes, kind: 'out', complete: false },
    ],
    args: (at) => [at.xp!, at.u!, at.y!, at.scratch!, hp, wp, ci, oh, ow, co, n, tc, parts, 0, 0],
    rangeAt: 13,
    total: parts,
    owned: (k0, k1) => {
      const own: Owned[] = [['scratch', k0 * partBytes, k1 * partBytes]];
      const t0 = Math.floor((total * k0) / parts);
      const t1 = Math.floor((total * k1) / parts);
      for (let g = t0; g < t1; g++) {
        const b = Math.floor(g / (th * tw));
        const ty = Math.floor((g % (th * tw)) / tw);
        const tx = g % tw;
        for (let y = 2 * ty; y < Math.min(oh, 2 * ty + 2); y++) {
          const start = ((b * oh + y) * ow + 2 * tx) * px;
          own.push(['y', start, start + Math.min(2, ow - 2 * tx) * px]);
        }
      }
      return own;
    },
    finite: true,
  };
}

/**
 * A random chain of 1–3 stages (widths to 40, kernels 1..7, pools 1..3, channels off multiples
 * of 8, a Dense after Flatten as the last stage now and then), every stage whose channels allow
 * it run by a random Winograd tile; chunks 1..4, 1..9 profiles in 1..4 parts.
 */
function net1dCase(rng: Rng): BoundsCase {
  const layers: Net1dLayer[] = [];
  const count = upTo(rng, 3);
  let w = upTo(rng, 40);
  let ci = [1, 3, 4, 16, 20][rng.int(5)]!;
  const tiles: number[] = [];
  for (let s = 0; s < count && w >= 1; s++) {
    const dense = s === count - 1 && rng.int(3) === 0;
    const k = dense ? w : upTo(rng, Math.min(7, w));
    const ow = w - k + 1;
    const pool = dense ? 1 : upTo(rng, Math.min(3, ow));
    const co = [upTo(rng, 13), 4, 8, 12, 16, 20][rng.int(6)]!;
    const n = k * ci * co;
    const small = (len: number): Float32Array =>
      Float32Array.from({ length: len }, () => rng.uniform(-1, 1) / Math.sqrt(k * ci));
    layers.push({ w, ci, k, co, pool, relu: rng.int(2) === 0, kernel: small(n), bias: small(co) });
    const fits = ci % 4 === 0 && co % 4 === 0 && k < MAX_WINOGRAD_ALPHA;
    tiles.push(fits && rng.int(4) !== 0 ? upTo(rng, MAX_WINOGRAD_ALPHA - k + 1) : 0);
    w = Math.floor(ow / pool);
    ci = co;
  }
  const chunk = upTo(rng, 4);
  const plan = planNet1d(layers, { chunk, winogradTiles: tiles });
  const n = upTo(rng, 9);
  const items = upTo(rng, Math.min(n, 4));
  const first = (i: number): number => Math.floor((n * i) / items);
  const scratchBytes = F * plan.scratchFloats;
  const shape = layers.map((l, i) => `${l.w}×${l.ci} k${l.k}→${l.co}/${l.pool} m${tiles[i]}`);
  return {
    kernel: 'net1dForward',
    label: `net1dForward ${n} profiles in ${items} parts, chunk ${chunk}: ${shape.join(', ')}`,
    regions: [
      { name: 'prog', bytes: F * plan.program.length, kind: 'in', fill: plan.program },
      { name: 'consts', bytes: F * plan.consts.length, kind: 'in', fill: plan.consts },
      { name: 'x', bytes: F * n * plan.inFloats, kind: 'in' },
      { name: 'out', bytes: F * n * plan.outFloats, kind: 'out' },
      // scratch need not be written everywhere (a chunk tail uses less of it)
      { name: 'scratch', bytes: items * scratchBytes, kind: 'out', complete: false },
    ],
    args: (at) => [at.prog!, at.consts!, at.x!, at.out!, at.scratch!, n, items, 0, 0],
    rangeAt: 7,
    total: items,
    owned: (i0, i1) => [
      ['out', F * first(i0) * plan.outFloats, F * first(i1) * plan.outFloats],
      ['scratch', i0 * scratchBytes, i1 * scratchBytes],
    ],
    finite: true,
  };
}

/** `features` writes nothing: checked like the others, with no region. */
const featuresCase = (): BoundsCase => ({
  kernel: 'features',
  label: 'features',
  regions: [],
  args: () => [],
  total: 1,
  owned: () => [],
  finite: true,
});

/** Case generators by export name (every function the module exports). */
export const CASES: Record<string, (rng: Rng) => BoundsCase> = {
  features: featuresCase,
  sumRows: sumRowsCase,
  maxPoolRows: maxPoolRowsCase,
  maxPoolGradRows: (rng) => maxPoolGradCase(rng, 'maxPoolGradRows'),
  maxPoolGradImages: (rng) => maxPoolGradCase(rng, 'maxPoolGradImages'),
  reluGrad: reluGradCase,
  adamUpdate: adamCase,
  dropoutMultiplier: dropoutCase,
  biasAdd: biasAddCase,
  meanMiddle: meanMiddleCase,
  bnStats: bnStatsCase,
  biasActivation: biasActivationCase,
  bnApply: bnApplyCase,
  bnGradStats: bnGradStatsCase,
  bnGradApply: bnGradApplyCase,
  convPadInput: convPadInputCase,
  convPackFilter: (rng) => packFilterCase(rng, 'forward'),
  convPackFilterFlipped: (rng) => packFilterCase(rng, 'flipped'),
  conv2dForward: conv2dForwardCase,
  convFilterGrad: convFilterGradCase,
  packPanels: (rng) => packCase(rng, 'packPanels'),
  packPanelsT: (rng) => packCase(rng, 'packPanelsT'),
  net1dForward: net1dCase,
  winogradFilter: winogradFilterCase,
  winogradConv: winogradConvCase,
};
