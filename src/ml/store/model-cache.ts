/**
 * A small LRU cache of loaded model bundles, for servers that predict with the same models
 * request after request (`bragg serve`'s phase and PACBED routes).
 *
 * - Keyed by the bundle folder and a fingerprint of its files: the size and mtime of
 *   `bragg.json`, `model.json` and `weights.bin` and the sha256 of `bragg.json` (which records
 *   the checksums of the other two) — a bundle registered again in the same folder loads again.
 * - Bounded by count (default 4): the least recently used bundle is evicted and its tfjs model
 *   disposed — once nobody holds it (`acquire` leases are counted; a bundle in use is disposed
 *   on its last release, never under a running prediction).
 * - Concurrent requests for the same bundle share one load; a failed load is not cached.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { MODEL_JSON, WEIGHTS_BIN } from '../train/checkpoint.js';
import { loadBundle, readBundleMeta, type ModelBundle } from './bundle.js';
import { BUNDLE_META } from './schema.js';

/** Default number of bundles a cache keeps loaded. */
export const DEFAULT_MODEL_CACHE_SIZE = 4;

export interface ModelCacheOptions {
  /** Most bundles kept loaded (≥ 1; default 4). */
  maxModels?: number;
  /** How a bundle loads (default `loadBundle`; tests count loads through it). */
  load?: (dir: string) => Promise<ModelBundle>;
}

/** A bundle held by a caller until `release()` (idempotent). */
export interface ModelLease {
  bundle: ModelBundle;
  release(): void;
}

interface Entry {
  dir: string;
  fingerprint: string;
  loading: Promise<ModelBundle>;
  bundle?: ModelBundle;
  users: number;
  /** Out of the cache (evicted or replaced): dispose on the last release. */
  retired: boolean;
  disposed: boolean;
}

export interface ModelCacheStats {
  /** Bundles loaded from disk so far. */
  loads: number;
  /** Requests answered from the cache (a loaded or loading entry). */
  hits: number;
  /** tfjs models disposed so far. */
  disposed: number;
  /** Bundles in the cache now. */
  size: number;
}

async function fingerprint(dir: string): Promise<string> {
  // readBundleMeta first: a missing or broken bundle is its usual typed error
  await readBundleMeta(dir);
  const h = createHash('sha256');
  h.update(await readFile(join(dir, BUNDLE_META)));
  for (const f of [BUNDLE_META, MODEL_JSON, WEIGHTS_BIN]) {
    const s = await stat(join(dir, f)).catch(() => undefined);
    h.update(s === undefined ? `${f}:-;` : `${f}:${s.size}:${s.mtimeMs};`);
  }
  return h.digest('hex');
}

export class ModelCache {
  readonly maxModels: number;
  private readonly load: (dir: string) => Promise<ModelBundle>;
  /** By folder; Map order is the LRU order (first = least recently used). */
  private readonly entries = new Map<string, Entry>();
  private readonly counts = { loads: 0, hits: 0, disposed: 0 };

  constructor(options: ModelCacheOptions = {}) {
    const max = options.maxModels ?? DEFAULT_MODEL_CACHE_SIZE;
    if (!Number.isInteger(max) || max < 1) {
      throw new ValidationError(`a model cache holds at least 1 model, not ${max}`, 'maxModels');
    }
    this.maxModels = max;
    this.load = options.load ?? loadBundle;
  }

  stats(): ModelCacheStats {
    return { ...this.counts, size: this.entries.size };
  }

  /** The bundle of `dir`, loaded or from the cache, held until the lease is released. */
  async acquire(dir: string): Promise<ModelLease> {
    const abs = resolve(dir);
    const fp = await fingerprint(abs);
    let e = this.entries.get(abs);
    if (e !== undefined && e.fingerprint !== fp) {
      this.retire(e);
      e = undefined;
    }
    if (e === undefined) {
      const entry: Entry = {
        dir: abs,
        fingerprint: fp,
        loading: Promise.resolve(undefined as unknown as ModelBundle),
        users: 0,
        retired: false,
        disposed: false,
      };
      this.counts.loads++;
      entry.loading = this.load(abs).then(
        (b) => {
          entry.bundle = b;
          // retired while loading, and nobody waits: dispose now
          if (entry.retired && entry.users === 0) this.dispose(entry);
          return b;
        },
        (err: unknown) => {
          if (this.entries.get(abs) === entry) this.entries.delete(abs);
          throw err;
        },
      );
      this.entries.set(abs, entry);
      e = entry;
      this.evict();
    } else {
      this.counts.hits++;
      this.entries.delete(abs);
      this.entries.set(abs, e);
    }
    const entry = e;
    entry.users++;
    let bundle: ModelBundle;
    try {
      bundle = await entry.loading;
    } catch (err) {
      entry.users--;
      throw err;
    }
    let released = false;
    return {
      bundle,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.retired && entry.users === 0) this.dispose(entry);
      },
    };
  }

  /** Run `f` with the bundle of `dir`, released afterwards whatever happens. */
  async use<T>(dir: string, f: (bundle: ModelBundle) => Promise<T> | T): Promise<T> {
    const lease = await this.acquire(dir);
    try {
      return await f(lease.bundle);
    } finally {
      lease.release();
    }
  }

  /** Drop every bundle (disposed now, or on their last release when in use). */
  clear(): void {
    for (const e of [...this.entries.values()]) this.retire(e);
  }

  private evict(): void {
    for (const e of this.entries.values()) {
      if (this.entries.size <= this.maxModels) break;
      this.retire(e);
    }
  }

  private retire(e: Entry): void {
    if (this.entries.get(e.dir) === e) this.entries.delete(e.dir);
    e.retired = true;
    if (e.users === 0 && e.bundle !== undefined) this.dispose(e);
  }

  private dispose(e: Entry): void {
    if (e.disposed || e.bundle === undefined) return;
    e.disposed = true;
    this.counts.disposed++;
    e.bundle.model.dispose();
  }
}

const byOwner = new WeakMap<object, ModelCache>();

/**
 * The model cache of `owner` (e.g. one server's route context), made on first use: every
 * route module of one server shares it.
 */
export function modelCacheOf(owner: object, options?: ModelCacheOptions): ModelCache {
  let c = byOwner.get(owner);
  if (c === undefined) {
    c = new ModelCache(options);
    byOwner.set(owner, c);
  }
  return c;
}
