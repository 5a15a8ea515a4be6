// The multislice engine's two passes per slice (src/simulate/multislice/engine.ts) in WASM
// SIMD: its own entry point, compiled by scripts/build-wasm.mjs into dist/wasm/multislice.wasm.
//
// The module imports pffft's linear memory and pffft's `pffft_transform` (the host passes the
// pffft instance's memory and exported function), so the row and column passes run here with
// wasm-to-wasm calls into pffft and no JS in the inner loops. Nothing is allocated (no heap, no
// static data): every buffer is a byte offset into pffft's memory that the host allocated.
//
// The arithmetic is the host's JS arithmetic, bit for bit: float32 inputs, products and sums in
// float64, one rounding to float32 at the store (JS evaluates `xr * cr - xi * ci` in double and
// rounds when it writes a Float32Array); plain copies elsewhere. So both paths give the same bytes.

// Imported as multislice.pffftTransform (AssemblyScript names an undecorated import after its
// file): pffft's pffft_transform(setup, input, output, work, direction).
declare function pffftTransform(
  setup: i32,
  input: usize,
  output: usize,
  work: usize,
  direction: i32,
): void;

const FORWARD = 0;
const BACKWARD = 1;

/** Lanes 2, 3 of a float32 vector promoted to float64. */
function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Four float32 lanes from two float64 pairs (lo → lanes 0, 1; hi → 2, 3), rounded to nearest. */
function demote2(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** (xr + i·xi)(cr + i·ci) for four lanes each: [re, im] as float32 vectors. */
function cmul4Re(xr: v128, xi: v128, cr: v128, ci: v128): v128 {
  const lo = f64x2.sub(
    f64x2.mul(f64x2.promote_low_f32x4(xr), f64x2.promote_low_f32x4(cr)),
    f64x2.mul(f64x2.promote_low_f32x4(xi), f64x2.promote_low_f32x4(ci)),
  );
  const hi = f64x2.sub(
    f64x2.mul(promoteHigh(xr), promoteHigh(cr)),
    f64x2.mul(promoteHigh(xi), promoteHigh(ci)),
  );
  return demote2(lo, hi);
}

function cmul4Im(xr: v128, xi: v128, cr: v128, ci: v128): v128 {
  const lo = f64x2.add(
    f64x2.mul(f64x2.promote_low_f32x4(xr), f64x2.promote_low_f32x4(ci)),
    f64x2.mul(f64x2.promote_low_f32x4(xi), f64x2.promote_low_f32x4(cr)),
  );
  const hi = f64x2.add(
    f64x2.mul(promoteHigh(xr), promoteHigh(ci)),
    f64x2.mul(promoteHigh(xi), promoteHigh(cr)),
  );
  return demote2(lo, hi);
}

/** out = x·t for n interleaved complex values (n a multiple of 4; out may be x). */
function cmulInterleaved(x: usize, t: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = (<usize>i) << 3;
    const x0 = v128.load(x + o);
    const x1 = v128.load(x + o, 16);
    const t0 = v128.load(t + o);
    const t1 = v128.load(t + o, 16);
    const xr = v128.shuffle<f32>(x0, x1, 0, 2, 4, 6);
    const xi = v128.shuffle<f32>(x0, x1, 1, 3, 5, 7);
    const tr = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6);
    const ti = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
    const re = cmul4Re(xr, xi, tr, ti);
    const im = cmul4Im(xr, xi, tr, ti);
    v128.store(out + o, v128.shuffle<f32>(re, im, 0, 4, 1, 5));
    v128.store(out + o, v128.shuffle<f32>(re, im, 2, 6, 3, 7), 16);
  }
}

/** x ← x·p in place for n complex values in pffft's block layout [re×4, im×4]. */
function cmulBlocked(x: usize, p: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = (<usize>i) << 3;
    const xr = v128.load(x + o);
    const xi = v128.load(x + o, 16);
    const pr = v128.load(p + o);
    const pi = v128.load(p + o, 16);
    v128.store(x + o, cmul4Re(xr, xi, pr, pi));
    v128.store(x + o, cmul4Im(xr, xi, pr, pi), 16);
  }
}

/**
 * The row pass of one slice over ny rows of nx complex values: each row of A (real space, or a
 * row spectrum when `spectral`) → real row in scratch S → ·t → forward FFT → the band bins
 * (float offsets `bandRe[j]` within the row spectrum) to B[j][r] (columns of ny complex). From
 * real space, A's rows are cleared as they are read.
 */
export function rowPass(
  a: usize,
  s: usize,
  t: usize,
  b: usize,
  bandRe: usize,
  nb: i32,
  nx: i32,
  ny: i32,
  setup: i32,
  work: usize,
  spectral: bool,
): void {
  const rowBytes = (<usize>nx) << 3;
  const colBytes = (<usize>ny) << 3;
  const zero = f32x4.splat(0);
  for (let r = 0; r < ny; r++) {
    const ar = a + <usize>r * rowBytes;
    if (spectral) {
      pffftTransform(setup, ar, s, work, BACKWARD);
      cmulInterleaved(s, t + <usize>r * rowBytes, s, nx);
    } else {
      cmulInterleaved(ar, t + <usize>r * rowBytes, s, nx);
      for (let o: usize = 0; o < rowBytes; o += 16) v128.store(ar + o, zero);
    }
    pffftTransform(setup, s, s, work, FORWARD);
    let d = b + ((<usize>r) << 3);
    for (let j = 0; j < nb; j++) {
      const src = s + ((<usize>load<i32>(bandRe + ((<usize>j) << 2))) << 2);
      store<f32>(d, load<f32>(src));
      store<f32>(d, load<f32>(src, 16), 4);
      d += colBytes;
    }
  }
}

/**
 * The column pass over nb band columns of B (ny complex each): with `forward`, forward FFT and
 * (when `acc` ≠ 0) acc[detPix[e]] += scale·|Ψ|² for the column's detector pixels e ∈
 * [detStart[j], detStart[j+1]) at float offsets detOff[e] (acc: float64); with `back`, ·P (after
 * a forward FFT; P in B's layout), inverse FFT, and the column to A's band bin (float offset
 * bandRe[j] in each row of nx complex).
 */
export function columnPass(
  b: usize,
  a: usize,
  prop: usize,
  bandRe: usize,
  nb: i32,
  nx: i32,
  ny: i32,
  setup: i32,
  work: usize,
  forward: bool,
  back: bool,
  acc: usize,
  detStart: usize,
  detPix: usize,
  detOff: usize,
  scale: f64,
): void {
  const rowBytes = (<usize>nx) << 3;
  const colBytes = (<usize>ny) << 3;
  for (let j = 0; j < nb; j++) {
    const cp = b + <usize>j * colBytes;
    if (forward) {
      pffftTransform(setup, cp, cp, work, FORWARD);
      if (acc != 0) {
        const e1 = load<i32>(detStart + ((<usize>(j + 1)) << 2));
        for (let e = load<i32>(detStart + ((<usize>j) << 2)); e < e1; e++) {
          const o = cp + ((<usize>load<i32>(detOff + ((<usize>e) << 2))) << 2);
          const re = <f64>load<f32>(o);
          const im = <f64>load<f32>(o, 16);
          const p = acc + ((<usize>load<i32>(detPix + ((<usize>e) << 2))) << 3);
          store<f64>(p, load<f64>(p) + scale * (re * re + im * im));
        }
      }
    }
    if (!back) continue;
    if (forward) cmulBlocked(cp, prop + <usize>j * colBytes, ny);
    pffftTransform(setup, cp, cp, work, BACKWARD);
    let d = a + ((<usize>load<i32>(bandRe + ((<usize>j) << 2))) << 2);
    let src = cp;
    for (let r = 0; r < ny; r++) {
      store<f32>(d, load<f32>(src));
      store<f32>(d, load<f32>(src, 4), 16);
      src += 8;
      d += rowBytes;
    }
  }
}
