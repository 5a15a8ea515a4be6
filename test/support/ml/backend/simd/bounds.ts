/**
 * Harness of the SIMD kernels' memory-bounds tests (bounds.test.ts): one export called on a
 * private `WebAssembly.Memory` whose every region is surrounded by guard zones, block by block
 * of its range, checking after each block that only the bytes the block owns changed.
 * (Test support only; no vitest import.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { createRng } from '../../../../../src/core/rng.js';
import type { Rng } from '../../../../../src/core/rng.js';
import { simdKernelDir } from '../../../../../src/ml/backend/simd/module.js';
import { wasmApi } from '../../../../../src/ml/backend/simd/wasm-api.js';
import type { WasmMemory } from '../../../../../src/ml/backend/simd/wasm-api.js';

/** Bytes of guard before and after every region. */
export const GUARD = 256;
/** The canary word of guards and not-yet-written outputs: a NaN no kernel computes. */
export const CANARY = 0x7fa5a5a5;

/**
 * A memory region of a case: an input (must stay unchanged), an output, or an in-place output
 * (`inout`: filled like an input, may change only where the block owns it; not checked for
 * completeness, as a written value may equal the old one).
 */
export interface RegionSpec {
  name: string;
  /** Length in bytes (a multiple of 4). */
  bytes: number;
  kind: 'in' | 'out' | 'inout';
  /** Input contents as float32 (default: uniform in [−1, 1)) or int32 words. */
  fill?: Float32Array | Int32Array;
  /** Output every byte of which the whole range must write (default true). */
  complete?: boolean;
}

/** Byte interval [start, end) of a region that a block may write. */
export type Owned = [region: string, start: number, end: number];

/** One call pattern of one export. */
export interface BoundsCase {
  kernel: string;
  /** What the case is, for failure messages. */
  label: string;
  regions: RegionSpec[];
  /** The arguments for the regions' byte offsets (the range placeholders included). */
  args(at: Record<string, number>): number[];
  /** Index of the range's begin argument; undefined for a kernel without a range. */
  rangeAt?: number;
  /** Length of the range. */
  total: number;
  /** The bytes block [b0, b1) owns, by its documented contract. */
  owned(b0: number, b1: number): Owned[];
  /** Outputs must be free of NaN after the whole range (no read of a guard). */
  finite: boolean;
  /** Runs before the blocks (e.g. the forward pass producing an input); may write inputs. */
  prepare?(call: (name: string, args: number[]) => void, at: Record<string, number>): void;
}

export type Kernel = (...a: number[]) => unknown;

/** A build of the module instantiated over a memory of its own. */
export interface PrivateModule {
  fma: boolean;
  shared: boolean;
  memory: WasmMemory & { grow(pages: number): number };
  exports: Record<string, Kernel>;
  names: string[];
}

const Memory = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (d: object) => WasmMemory & { grow(pages: number): number } };
  }
).WebAssembly.Memory;

/**
 * A build from `dir` (default dist/wasm; another build to check, e.g. a kernel with a
 * deliberate bug) instantiated over a fresh memory: `fma`: relaxed SIMD; `shared`: the
 * multithreaded tfjs build's, over a shared memory.
 */
export function loadPrivate(fma: boolean, shared = false, dir = simdKernelDir()): PrivateModule {
  const file = `kernels-${fma ? 'relaxed' : 'simd'}-${shared ? 'shared' : 'private'}.wasm`;
  const bytes = readFileSync(join(dir, file));
  if (fma && !wasmApi.validate(bytes)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const memory = new Memory({ initial: 4, maximum: 4096, shared });
  const module = new wasmApi.Module(bytes);
  const exports = new wasmApi.Instance(module, { env: { memory } }).exports as Record<
    string,
    Kernel
  >;
  const names = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
  return { fma, shared, memory, exports, names };
}

/** Splits [0, total) into random blocks (one block a third of the time). */
export function randomBlocks(rng: Rng, total: number): [number, number][] {
  if (total <= 0) return [];
  const count = rng.int(3) === 0 ? 1 : 1 + rng.int(Math.min(total, 6));
  const cuts = new Set<number>([0, total]);
  while (cuts.size < count + 1) cuts.add(1 + rng.int(total - 1));
  const sorted = [...cuts].sort((a, b) => a - b);
  const blocks = sorted.slice(1).map((e, i): [number, number] => [sorted[i]!, e]);
  // Now and then an empty block, which must write nothing.
  if (rng.int(4) === 0) {
    const b = rng.int(total + 1);
    blocks.push([b, b]);
  }
  // Any order: blocks run on any thread in any order.
  for (let i = blocks.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [blocks[i], blocks[j]] = [blocks[j]!, blocks[i]!];
  }
  return blocks;
}

/** Where a case's regions lie in the memory. */
interface Layout {
  at: Record<string, number>;
  end: number;
}

function layout(rng: Rng, regions: RegionSpec[]): Layout {
  const at: Record<string, number> = {};
  // Start at a random word boundary so regions are not always 16-byte aligned.
  let p = GUARD + 4 * rng.int(4);
  for (const r of regions) {
    if (r.bytes % 4 !== 0) throw new Error(`region ${r.name}: ${r.bytes} bytes`);
    at[r.name] = p;
    p += r.bytes + GUARD + 4 * rng.int(4);
  }
  return { at, end: p };
}

/** Result of running one case: undefined, or what went wrong. */
export type Failure = string | undefined;

/** High-water mark of the memory used per module (bytes past it stay zero). */
const used = new WeakMap<PrivateModule, number>();

/**
 * Runs one case on `mod`: guards and outputs filled with CANARY, inputs with seeded data; then
 * each block of a random split of the range, in random order, checking that the bytes that
 * changed lie in what the block owns; finally that the outputs were completely written (no
 * CANARY word left) and, for arithmetic kernels, hold no NaN.
 */
export function runCase(mod: PrivateModule, c: BoundsCase, seed: number): Failure {
  const rng = createRng(seed);
  const { at, end } = layout(rng, c.regions);
  const limit = end + GUARD;
  const need = Math.ceil(limit / 65536) - mod.memory.buffer.byteLength / 65536;
  if (need > 0) mod.memory.grow(need);
  const words = new Uint32Array(mod.memory.buffer);
  const f32 = new Float32Array(mod.memory.buffer);
  const high = Math.max(used.get(mod) ?? 0, limit);
  used.set(mod, high);
  words.fill(CANARY, 0, limit >>> 2);
  words.fill(0, limit >>> 2, high >>> 2);
  const where = (byte: number): string => {
    for (const r of c.regions) {
      const s = at[r.name]!;
      if (byte >= s - GUARD && byte < s) return `guard before ${r.name} (${byte - s})`;
      if (byte >= s && byte < s + r.bytes) return `${r.name} byte ${byte - s}`;
      if (byte >= s + r.bytes && byte < s + r.bytes + GUARD)
        return `guard after ${r.name} (+${byte - s - r.bytes})`;
    }
    return `byte ${byte} (outside every region)`;
  };
  for (const r of c.regions) {
    const s = at[r.name]! >>> 2;
    if (r.kind === 'out') continue;
    if (r.fill instanceof Int32Array) new Int32Array(words.buffer).set(r.fill, s);
    else if (r.fill !== undefined) f32.set(r.fill, s);
    else for (let i = 0; i < r.bytes >>> 2; i++) f32[s + i] = rng.uniform(-1, 1);
  }
  const call = (name: string, args: number[]): void => {
    const fn = mod.exports[name];
    if (fn === undefined) throw new Error(`no export ${name}`);
    fn(...args);
  };
  c.prepare?.(call, at);
  const args = c.args(at);
  const blocks =
    c.rangeAt === undefined ? [[0, c.total] as [number, number]] : randomBlocks(rng, c.total);
  // Blocks are compared over the case's bytes; what lies past them (zeros) once at the end.
  const mask = new Uint8Array(limit >>> 2);
  for (const [b0, b1] of blocks) {
    const before = words.slice(0, limit >>> 2);
    const a = [...args];
    if (c.rangeAt !== undefined) {
      a[c.rangeAt] = b0;
      a[c.rangeAt + 1] = b1;
    }
    try {
      call(c.kernel, a);
    } catch (e) {
      return `${c.label}: block [${b0}, ${b1}) of ${c.total} trapped: ${String(e)}`;
    }
    mask.fill(0);
    for (const [name, s, e] of c.owned(b0, b1)) {
      const base = at[name];
      const spec = c.regions.find((r) => r.name === name);
      if (base === undefined || spec === undefined || spec.kind === 'in')
        throw new Error(`owned: ${name} is no output`);
      if (s < 0 || e > spec.bytes || s % 4 !== 0 || e % 4 !== 0)
        throw new Error(`owned: ${name} [${s}, ${e}) of ${spec.bytes}`);
      mask.fill(1, (base + s) >>> 2, (base + e) >>> 2);
    }
    for (let i = 0; i < before.length; i++) {
      if (words[i] !== before[i] && mask[i] === 0) {
        return `${c.label}: block [${b0}, ${b1}) of ${c.total} wrote ${where(4 * i)}`;
      }
    }
  }
  for (let i = limit >>> 2; i < high >>> 2; i++) {
    if (words[i] !== 0) return `${c.label}: wrote ${where(4 * i)}`;
  }
  for (const r of c.regions) {
    if (r.kind === 'in' || r.complete === false) continue;
    const s = at[r.name]! >>> 2;
    for (let i = 0; i < r.bytes >>> 2; i++) {
      if (r.kind === 'out' && words[s + i] === CANARY)
        return `${c.label}: ${r.name} float ${i} of ${r.bytes >>> 2} never written`;
      if (c.finite && Number.isNaN(f32[s + i]!))
        return `${c.label}: ${r.name} float ${i} is NaN (a guard was read?)`;
    }
  }
  return undefined;
}
