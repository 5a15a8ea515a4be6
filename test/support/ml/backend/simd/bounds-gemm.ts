/**
 * Bounds-test cases of the panel kernels (convFilterGrad, packPanels, packPanelsT) with the
 * buffers and arguments their two callers compute: the Conv2D filter gradient
 * (filterGradLayout) and the matrix product (gemmLayout). (Test support only.)
 */
import { backend_util } from '@tensorflow/tfjs';
import type { Rng } from '../../../../../src/core/rng.js';
import { filterGradLayout } from '../../../../../src/ml/backend/kernels/conv2d-filter-simd.js';
import type { FilterGradLayout } from '../../../../../src/ml/backend/kernels/conv2d-filter-simd.js';
import { gemmLayout } from '../../../../../src/ml/backend/kernels/matmul-simd.js';
import type { GemmLayout, GemmShape } from '../../../../../src/ml/backend/kernels/matmul-simd.js';
import type { BoundsCase, Owned, RegionSpec } from './bounds.js';

const F = 4;
const upTo = (rng: Rng, n: number): number => 1 + rng.int(n);
/** 1..small mostly, 65..100 (the panel-copy paths) a quarter of the time. */
const wide = (rng: Rng, small: number): number =>
  rng.int(4) === 0 ? 65 + rng.int(36) : upTo(rng, small);

interface ConvProblem {
  kind: 'conv';
  info: backend_util.Conv2DInfo;
  layout: FilterGradLayout;
  label: string;
}

interface GemmProblem {
  kind: 'gemm';
  s: GemmShape;
  layout: GemmLayout;
  label: string;
}

function convProblem(rng: Rng): ConvProblem {
  for (;;) {
    // Shapes: small (tails), many channels (panel copies), x packed (1×1 stride-1 valid, many
    // input channels) or long rows (column cache blocks).
    const kind = ['small', 'small', 'small', 'wide', 'packX', 'long'][rng.int(6)]!;
    const big = kind !== 'small';
    const n = upTo(rng, big ? 2 : 3);
    const h = upTo(rng, kind === 'long' ? 3 : big ? 5 : 13);
    const w = kind === 'long' ? 60 + rng.int(80) : upTo(rng, big ? 5 : 13);
    const ci =
      kind === 'packX' ? 65 + rng.int(36) : kind === 'wide' ? wide(rng, 13) : upTo(rng, 13);
    const co = kind === 'wide' ? wide(rng, 20) : upTo(rng, kind === 'long' ? 70 : 20);
    const one = kind === 'packX' || rng.int(3) === 0;
    const fh = one ? 1 : upTo(rng, kind === 'long' ? 3 : 7);
    const fw = one ? 1 : upTo(rng, 7);
    const sh = kind === 'packX' || (one && rng.int(2) === 0) ? 1 : upTo(rng, 3);
    const sw = kind === 'packX' || (one && rng.int(2) === 0) ? 1 : upTo(rng, 3);
    const dil = sh === 1 && sw === 1 && kind !== 'packX' && rng.int(4) === 0 ? 2 : 1;
    const pads = ['valid', 'same', rng.int(3)] as const;
    const pad = kind === 'packX' ? 'valid' : pads[rng.int(3)]!;
    let info: backend_util.Conv2DInfo;
    try {
      info = backend_util.computeConv2DInfo(
        [n, h, w, ci],
        [fh, fw, ci, co],
        [sh, sw],
        dil,
        pad,
        'floor',
      );
    } catch {
      continue;
    }
    const { outHeight: oh, outWidth: ow } = info;
    if (!(oh > 0 && ow > 0 && Number.isInteger(oh) && Number.isInteger(ow))) continue;
    const label =
      `filter gradient x ${n}×${h}×${w}×${ci} dy ${oh}×${ow}×${co} filter ${fh}×${fw} ` +
      `stride ${sh}×${sw} dilation ${dil} pad ${JSON.stringify(pad)}`;
    return { kind: 'conv', info, layout: filterGradLayout(info, n, oh, ow), label };
  }
}

function gemmProblem(rng: Rng): GemmProblem {
  const transposeA = rng.int(2) === 0;
  const transposeB = rng.int(2) === 0;
  const s: GemmShape = {
    m: wide(rng, 40),
    n: wide(rng, 40),
    k: rng.int(4) === 0 ? upTo(rng, 400) : upTo(rng, 40),
    transposeA,
    transposeB,
  };
  const label = `matmul ${s.m}×${s.k} · ${s.k}×${s.n} transpose ${+transposeA}${+transposeB}`;
  return { kind: 'gemm', s, layout: gemmLayout(s), label };
}

/** The bytes of C panels [p0, p1) of a [taps, cols] output (convFilterGrad's contract). */
function panelsOwned(
  name: string,
  taps: number,
  cols: number,
  plan: { panelTaps: number; panelCols: number },
  p0: number,
  p1: number,
): Owned[] {
  const across = Math.ceil(cols / 8 / plan.panelCols);
  const out: Owned[] = [];
  for (let p = p0; p < p1; p++) {
    const pr = Math.floor(p / across);
    const pc = p - pr * across;
    const t0 = 4 * pr * plan.panelTaps;
    const t1 = Math.min(taps, 4 * (pr + 1) * plan.panelTaps);
    const c0 = 8 * pc * plan.panelCols;
    const c1 = Math.min(cols, 8 * (pc + 1) * plan.panelCols);
    for (let t = t0; t < t1; t++) out.push([name, F * (t * cols + c0), F * (t * cols + c1)]);
  }
  return out;
}

export function convFilterGradCase(rng: Rng): BoundsCase {
  const pr = rng.int(2) === 0 ? convProblem(rng) : gemmProblem(rng);
  let regions: RegionSpec[];
  let taps: number;
  let cols: number;
  let panels: number;
  let args: (xp: number, dyp: number, out: number, offs: number) => number[];
  let plan: { panelTaps: number; panelCols: number };
  let offsTable: Int32Array;
  if (pr.kind === 'conv') {
    const { info, layout: l } = pr;
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
    ({ taps, cols, plan, offsTable } = l);
    panels = l.plan.panels;
    args = l.args;
    regions = [
      { name: 'xp', bytes: F * (l.xpLength > 0 ? l.xpLength : n * h * w * ci), kind: 'in' },
      { name: 'dyp', bytes: F * (l.dypLength > 0 ? l.dypLength : l.pixels * co), kind: 'in' },
      { name: 'out', bytes: F * (l.outLength > 0 ? l.outLength : taps * co), kind: 'out' },
    ];
  } else {
    const { s, layout: l } = pr;
    ({ plan, offsTable } = l);
    taps = s.m;
    cols = l.plan.cols;
    panels = l.plan.panels;
    args = l.args;
    regions = [
      { name: 'xp', bytes: F * (l.aPanelLength > 0 ? l.aPanelLength : s.m * s.k), kind: 'in' },
      { name: 'dyp', bytes: F * (l.bPanelLength > 0 ? l.bPanelLength : s.k * s.n), kind: 'in' },
      { name: 'out', bytes: F * (l.cOutLength > 0 ? l.cOutLength : s.m * s.n), kind: 'out' },
    ];
  }
  regions.push({ name: 'offs', bytes: F * offsTable.length, kind: 'in', fill: offsTable });
  return {
    kernel: 'convFilterGrad',
    label: `convFilterGrad ${pr.label}`,
    regions,
    args: (at) => args(at.xp!, at.dyp!, at.out!, at.offs!),
    rangeAt: 18,
    total: panels,
    owned: (p0, p1) => panelsOwned('out', taps, cols, plan, p0, p1),
    finite: true,
  };
}

/** One panel copy a caller makes: source [rows, cols] → `panels` panels of `width`. */
interface PackCall {
  rows: number;
  cols: number;
  width: number;
  /** Floats the caller allocates for the copy. */
  dst: number;
  what: string;
}

function packCalls(pr: ConvProblem | GemmProblem, name: 'packPanels' | 'packPanelsT'): PackCall[] {
  const calls: PackCall[] = [];
  if (pr.kind === 'conv') {
    if (name === 'packPanelsT') return calls;
    const l = pr.layout;
    const { inChannels: ci, outChannels: co } = pr.info;
    if (l.packX)
      calls.push({ rows: l.pixels, cols: ci, width: l.xWidth, dst: l.xpLength, what: 'x' });
    if (l.packDy)
      calls.push({ rows: l.pixels, cols: co, width: l.dyWidth, dst: l.dypLength, what: 'dy' });
    else if (l.dypLength > 0)
      calls.push({ rows: l.pixels, cols: co, width: l.cols, dst: l.dypLength, what: 'dy rows' });
    return calls;
  }
  const { s, layout: l } = pr;
  if (l.aPanelLength > 0 && name === 'packPanels')
    calls.push({ rows: s.k, cols: s.m, width: 16, dst: l.aPanelLength, what: 'Aᵀ' });
  if (l.bPanelLength > 0 && s.transposeB === (name === 'packPanelsT'))
    calls.push({ rows: s.k, cols: s.n, width: l.plan.bWidth, dst: l.bPanelLength, what: 'B' });
  return calls;
}

export function packCase(rng: Rng, kernel: 'packPanels' | 'packPanelsT'): BoundsCase {
  for (;;) {
    const pr = kernel === 'packPanels' && rng.int(2) === 0 ? convProblem(rng) : gemmProblem(rng);
    const calls = packCalls(pr, kernel);
    if (calls.length === 0) continue;
    const c = calls[rng.int(calls.length)]!;
    const panels = Math.ceil(c.cols / c.width);
    return {
      kernel,
      label: `${kernel} ${c.what} of ${pr.label}: ${c.rows}×${c.cols} in panels of ${c.width}`,
      regions: [
        { name: 'src', bytes: F * c.rows * c.cols, kind: 'in' },
        { name: 'dst', bytes: F * c.dst, kind: 'out' },
      ],
      args: (at) => [at.src!, at.dst!, c.rows, c.cols, c.width, 0, 0],
      rangeAt: 5,
      total: c.rows,
      owned: (r0, r1) =>
        Array.from({ length: panels }, (_, p): Owned => [
          'dst',
          F * (p * c.rows + r0) * c.width,
          F * (p * c.rows + r1) * c.width,
        ]),
      finite: true,
    };
  }
}
