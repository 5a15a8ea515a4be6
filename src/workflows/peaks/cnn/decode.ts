/**
 * From the network's two maps to per-peak instance masks, the way the seed's Mask R-CNN
 * post-processing works (STUDY.md §3: detections with a confidence below 0.4 dropped, greedy
 * NMS at mask IoU 0.5):
 *
 * 1. **seeds** — 4-connected components of `interior ≥ seedLevel` (0.3); a seed's confidence is
 *    the largest interior probability in it (the "centre peak's value");
 * 2. **threshold** — seeds with a confidence below `threshold` (0.4) are dropped;
 * 3. **candidates** — each seed's mask: its pixels with `foreground ≥ maskLevel` (0.5) grown
 *    (4-connected) by up to `grow` pixels (3) into the foreground that belongs to no other seed
 *    (the peak borders and the gaps between touching peaks), each seed on its own, so two
 *    candidates may share border pixels;
 * 4. **NMS** — greedy by confidence: a candidate whose mask IoU with a kept one exceeds `nmsIou`
 *    (0.5) is suppressed (with seeds that do not grow into each other this mostly removes
 *    fragments: a seed split off a peak that a neighbour's mask already covers);
 * 5. **paint** — the kept candidates grow together from their seeds, each pixel to the one that
 *    reaches it first (the nearest seed; ties to the more confident), within its own mask and
 *    the seeds of suppressed candidates;
 *    instances are numbered by descending confidence, and one with fewer than `minPixels`
 *    pixels is dropped.
 */
import { ValidationError } from '../../../core/errors.js';

export interface DecodeOptions {
  /** Smallest confidence kept (default 0.4, as the seed). */
  threshold?: number;
  /** Mask IoU above which the less confident of two candidates is suppressed (default 0.5). */
  nmsIou?: number;
  /** Interior probability of a seed pixel (default 0.3). */
  seedLevel?: number;
  /** Foreground probability of a mask pixel (default 0.5). */
  maskLevel?: number;
  /** Pixels a seed grows into the foreground (default 3). */
  grow?: number;
  /** Smallest instance (default 1 pixel). */
  minPixels?: number;
}

export const DECODE_DEFAULTS: Required<DecodeOptions> = {
  threshold: 0.4,
  nmsIou: 0.5,
  seedLevel: 0.3,
  maskLevel: 0.5,
  grow: 3,
  minPixels: 1,
};

export function checkDecodeOptions(o: DecodeOptions): Required<DecodeOptions> {
  const r = { ...DECODE_DEFAULTS, ...stripUndefined(o) };
  for (const k of ['threshold', 'nmsIou', 'seedLevel', 'maskLevel'] as const) {
    const v = r[k];
    if (!(typeof v === 'number' && v >= 0 && v <= 1))
      throw new ValidationError(`${k} must be in [0, 1], got ${String(v)}`, k);
  }
  if (!(Number.isInteger(r.grow) && r.grow >= 0 && r.grow <= 64))
    throw new ValidationError(`grow must be an integer 0..64, got ${r.grow}`, 'grow');
  if (!(Number.isInteger(r.minPixels) && r.minPixels >= 1 && r.minPixels <= 10_000_000))
    throw new ValidationError(`minPixels must be an integer ≥ 1, got ${r.minPixels}`, 'minPixels');
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A candidate instance: its pixels (flat indices, ascending) and confidence. */
export interface Candidate {
  pixels: Int32Array;
  score: number;
}

/** IoU of two masks given as ascending flat-index lists. */
export function maskIoU(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      inter++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  const union = a.length + b.length - inter;
  return union === 0 ? 0 : inter / union;
}

/**
 * Greedy non-maximum suppression on masks: candidates by descending score (ties: input order);
 * one is kept unless its IoU with a kept one is above `iou`. Returns the kept indices, most
 * confident first.
 */
export function nmsMasks(cands: readonly Candidate[], iou: number): number[] {
  const order = cands.map((_, i) => i).sort((p, q) => cands[q]!.score - cands[p]!.score || p - q);
  const kept: number[] = [];
  for (const i of order) {
    const c = cands[i]!;
    if (c.pixels.length === 0) continue;
    const lo = c.pixels[0]!;
    const hi = c.pixels[c.pixels.length - 1]!;
    let ok = true;
    for (const k of kept) {
      const d = cands[k]!.pixels;
      if (d[d.length - 1]! < lo || d[0]! > hi) continue; // disjoint ranges
      if (maskIoU(c.pixels, d) > iou) {
        ok = false;
        break;
      }
    }
    if (ok) kept.push(i);
  }
  return kept;
}

export interface DecodedFrame {
  /** Instance ids (0 = background), h × w. */
  mask: Uint16Array;
  /** Confidence of instance id k at [k − 1]. */
  confidence: number[];
  /** Candidates before NMS (after the threshold). */
  candidates: number;
  /** The frame's local background (counts), where the model computed it for its input. */
  background?: Float32Array;
}

/** Scratch planes of `decodeInstances`, kept between calls (decoding is synchronous). */
let scratch:
  | { n: number; seedOf: Int32Array; stamp: Int32Array; free: Uint8Array; owner: Int32Array }
  | undefined;

function planes(n: number): NonNullable<typeof scratch> {
  if (scratch === undefined || scratch.n < n)
    scratch = {
      n,
      seedOf: new Int32Array(n),
      stamp: new Int32Array(n),
      free: new Uint8Array(n),
      owner: new Int32Array(n),
    };
  return scratch;
}

/**
 * Decode one frame. `maps` is h × w × 2 (foreground, interior), row-major with the channel last
 * — the network's output — and `stride` the row length in pixels of the maps (≥ w: the padded
 * width), so a padded output is decoded without a copy. `out` (h × w) receives the mask when
 * given (it is then the returned `mask`).
 */
export function decodeInstances(
  maps: Float32Array,
  h: number,
  w: number,
  options: DecodeOptions = {},
  stride = w,
  out?: Uint16Array,
): DecodedFrame {
  const o = checkDecodeOptions(options);
  const n = h * w;
  if (out !== undefined && out.length !== n)
    throw new ValidationError(`a mask of ${out.length} pixels for ${h} × ${w}`, 'out');
  const at = (i: number): number => 2 * (((i / w) | 0) * stride + (i % w));
  const fg = (i: number): number => maps[at(i)]!;
  const inner = (i: number): number => maps[at(i) + 1]!;
  const sc = planes(n);
  const seedOf = sc.seedOf.subarray(0, n).fill(-1);
  // 1–2: seeds (4-connected components of interior ≥ seedLevel) and their confidence.
  const seeds: { pixels: number[]; score: number }[] = [];
  const stack: number[] = [];
  const seedLevel = o.seedLevel;
  for (let y0 = 0; y0 < h; y0++) {
    const row = 2 * y0 * stride + 1;
    for (let x0 = 0; x0 < w; x0++) {
      if (!(maps[row + 2 * x0]! >= seedLevel)) continue;
      const s = y0 * w + x0;
      if (seedOf[s] !== -1) continue;
      const id = seeds.length;
      const px: number[] = [];
      let best = 0;
      seedOf[s] = id;
      stack.push(s);
      while (stack.length > 0) {
        const p = stack.pop()!;
        px.push(p);
        best = Math.max(best, inner(p));
        const y = (p / w) | 0;
        const x = p - y * w;
        const visit = (q: number): void => {
          if (seedOf[q] === -1 && inner(q) >= seedLevel) {
            seedOf[q] = id;
            stack.push(q);
          }
        };
        if (y > 0) visit(p - w);
        if (y < h - 1) visit(p + w);
        if (x > 0) visit(p - 1);
        if (x < w - 1) visit(p + 1);
      }
      seeds.push({ pixels: px, score: best });
    }
  }
  // 3: each kept seed grown on its own into the foreground that is no other seed's.
  const cands: (Candidate & { core: number[] })[] = [];
  const stamp = sc.stamp.subarray(0, n).fill(-1);
  seeds.forEach((s, sid) => {
    if (s.score < o.threshold) return;
    const id = cands.length;
    const core = s.pixels.filter((p) => fg(p) >= o.maskLevel);
    let front = core;
    const px = [...core];
    for (const p of front) stamp[p] = id;
    for (let step = 0; step < o.grow && front.length > 0; step++) {
      const next: number[] = [];
      for (const p of front) {
        const y = (p / w) | 0;
        const x = p - y * w;
        const visit = (q: number): void => {
          const other = seedOf[q]!;
          if (stamp[q] !== id && (other === -1 || other === sid) && fg(q) >= o.maskLevel) {
            stamp[q] = id;
            next.push(q);
          }
        };
        if (y > 0) visit(p - w);
        if (y < h - 1) visit(p + w);
        if (x > 0) visit(p - 1);
        if (x < w - 1) visit(p + 1);
      }
      px.push(...next);
      front = next;
    }
    if (px.length === 0) return;
    cands.push({ pixels: Int32Array.from(px).sort(), score: s.score, core });
  });
  // 4: NMS. 5: paint — every kept candidate from its seed at once, a pixel to the candidate
  // that reaches it first (the nearest seed; ties to the more confident), within its own mask.
  const kept = nmsMasks(cands, o.nmsIou);
  // the seeds of suppressed candidates are free for the kept ones to paint
  const free = sc.free.subarray(0, n).fill(0);
  const isKept = new Uint8Array(cands.length);
  for (const k of kept) isKept[k] = 1;
  cands.forEach((c, k) => {
    if (isKept[k] === 0) for (const p of c.core) free[p] = 1;
  });
  const owner = sc.owner.subarray(0, n).fill(0);
  /** The pixels painted, in the order they are (every pixel with an owner). */
  const painted: number[] = [];
  const has = (c: Int32Array, p: number): boolean => {
    let lo = 0;
    let hi = c.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = c[mid]!;
      if (v === p) return true;
      if (v < p) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };
  let front: number[] = [];
  kept.forEach((k, j) => {
    for (const p of cands[k]!.core) {
      if (owner[p] === 0) {
        owner[p] = j + 1;
        front.push(p);
        painted.push(p);
      }
    }
  });
  while (front.length > 0) {
    const next: number[] = [];
    for (const p of front) {
      const j = owner[p]!;
      const c = cands[kept[j - 1]!]!.pixels;
      const y = (p / w) | 0;
      const x = p - y * w;
      const visit = (q: number): void => {
        if (owner[q] === 0 && (has(c, q) || free[q] === 1)) {
          owner[q] = j;
          next.push(q);
          painted.push(q);
        }
      };
      if (y > 0) visit(p - w);
      if (y < h - 1) visit(p + w);
      if (x > 0) visit(p - 1);
      if (x < w - 1) visit(p + 1);
    }
    front = next;
  }
  // ids in descending confidence; instances under minPixels dropped
  const area = new Int32Array(kept.length + 1);
  for (const p of painted) area[owner[p]!]! += 1;
  const newId = new Int32Array(kept.length + 1);
  const confidence: number[] = [];
  for (let j = 1; j <= kept.length && confidence.length < 65535; j++) {
    if (area[j]! < o.minPixels) continue;
    confidence.push(cands[kept[j - 1]!]!.score);
    newId[j] = confidence.length;
  }
  const mask = out ? out.fill(0) : new Uint16Array(n);
  for (const p of painted) mask[p] = newId[owner[p]!]!;
  return { mask, confidence, candidates: cands.length };
}
