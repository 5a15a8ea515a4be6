/**
 * Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32. The same seed gives
 * the same sequence on every platform (pure 32-bit integer arithmetic).
 */

/** 32-bit FNV-1a hash of a string, for deriving seeds from names. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

/**
 * A seed derived from a parent seed and any number of keys (numbers or strings), e.g.
 * `deriveSeed(seed, 'phase', 2, 'block', 17)`. Independent streams for independent work.
 */
export function deriveSeed(seed: number, ...keys: (number | string)[]): number {
  let h = seed >>> 0;
  for (const k of keys) {
    const kv = typeof k === 'number' ? k >>> 0 : hashString(k);
    let [, z] = splitmix32(h ^ kv);
    [, z] = splitmix32(z + Math.imul(kv, 0x9e3779b1));
    h = z;
  }
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let s = seed >>> 0;
    let z: number;
    [s, z] = splitmix32(s);
    this.a = z;
    [s, z] = splitmix32(s);
    this.b = z;
    [s, z] = splitmix32(s);
    this.c = z;
    [, z] = splitmix32(s);
    this.d = z;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(mean = 0, sigma = 1): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return mean + sigma * s;
    }
    let u: number, v: number, q: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * f;
    return mean + sigma * u * f;
  }

  /** Poisson-distributed count with mean `lambda` (Knuth for small, normal-corrected PTRS-free approximation avoided: exact inversion in chunks). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const l = Math.exp(-lambda);
      let k = 0;
      let p = 1;
      do {
        k++;
        p *= this.next();
      } while (p > l);
      return k - 1;
    }
    // Atkinson's rejection method (1979) for large lambda.
    const c = 0.767 - 3.36 / lambda;
    const beta = Math.PI / Math.sqrt(3 * lambda);
    const alpha = beta * lambda;
    const k = Math.log(c) - lambda - Math.log(beta);
    for (;;) {
      const u = this.next();
      if (u <= 0 || u >= 1) continue;
      const x = (alpha - Math.log((1 - u) / u)) / beta;
      const n = Math.floor(x + 0.5);
      if (n < 0) continue;
      const v = this.next();
      if (v <= 0) continue;
      const y = alpha - beta * x;
      const t = 1 + Math.exp(y);
      const lhs = y + Math.log(v / (t * t));
      const rhs = k + n * Math.log(lambda) - logFactorial(n);
      if (lhs <= rhs) return n;
    }
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = t;
    }
    return xs;
  }

  /** One element of a non-empty list. */
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty list');
    return xs[this.int(xs.length)]!;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LOG_FACT_CACHE: number[] = [0, 0];
function logFactorial(n: number): number {
  if (n < 256) {
    for (let i = LOG_FACT_CACHE.length; i <= n; i++) {
      LOG_FACT_CACHE[i] = LOG_FACT_CACHE[i - 1]! + Math.log(i);
    }
    return LOG_FACT_CACHE[n]!;
  }
  // Stirling series
  const x = n + 1;
  return (
    (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3)
  );
}

export function createRng(seed: number): Rng {
  return new Rng(seed);
}
