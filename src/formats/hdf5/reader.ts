/**
 * HDF5 / NeXus reader (`FormatReader`) on h5wasm. Opening lists the whole tree with attributes
 * (groups, datasets, soft/external links) without reading data; `read` reads one dataset, one
 * frame or a hyperslab through HDF5's own selection, so a frame of a large stack costs one
 * frame. The HDF5 library runs in a worker thread (see client.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join as pathJoin, resolve } from 'node:path';
import type { Axis } from '../../core/axes.js';
import type { DataArray, Metadata } from '../../core/data-array.js';
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import { toFloat64 } from '../../core/ndarray.js';
import { openSource } from '../../core/source.js';
import type { SourceInput, SourceOptions } from '../../core/source.js';
import type { ArrayInfo, FormatReader, OpenedFile, Selection } from '../types.js';
import { axisSources, buildAxes, MAX_AXIS_LENGTH, type AxisSource } from './axes.js';
import { h5 } from './client.js';
import { decodeBytes, decodeStrings, decodingOf, describeType, type Decoding } from './decode.js';
import { filterLabel } from './filters.js';
import { allPlottable, findPlottable, frameStacks, type PlottableData } from './nexus.js';
import type { H5DatasetNode, H5Node, H5Tree } from './protocol.js';
import { checkSuperblock, hasSignature, type SuperblockInfo } from './signature.js';
import { spill, type LocalFile } from './spill.js';
import { attrString, attrsMetadata, normalize, TreeIndex } from './tree.js';

/** A read larger than this must also be justified by the bytes on disk (×MAX_EXPANSION). */
const UNCHECKED_READ_BYTES = 64 * 2 ** 20;
const MAX_EXPANSION = 1000;
/** Time allowance per byte read on top of the base limit (≥ 5 MB/s). */
const MS_PER_BYTE = 1 / 5000;

interface Entry {
  node: H5DatasetNode;
  dec: Decoding;
  info: ArrayInfo;
}

/** Where HDF5 looks for an external file: as given if absolute, else beside the file, else cwd. */
export function resolveExternal(fromFile: string, name: string): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : [pathJoin(dirname(fromFile), name), resolve(process.cwd(), name)];
  return candidates.find((c) => existsSync(c));
}

class Hdf5File implements OpenedFile {
  readonly format = 'hdf5';
  readonly datasets: ArrayInfo[] = [];
  readonly metadata: Metadata;
  readonly defaultDataset: string | undefined;
  /** Paths of detector frame stacks (NXdetector `data`, rank ≥ 3 NXdata signals). */
  readonly frameStacks: string[];
  readonly plottable: PlottableData | undefined;
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    readonly path: string,
    private handle: number,
    private generation: number,
    readonly index: TreeIndex,
    private readonly fileSize: number,
    /** The file the worker opens: the file itself, or the bytes written to a temporary file. */
    private readonly local: LocalFile = { path, remove: () => undefined },
  ) {
    const unreadable: Metadata = {};
    const plottables = allPlottable(index);
    const signals = new Set(plottables.map((p) => p.signal));
    this.plottable = findPlottable(index);
    this.frameStacks = frameStacks(index);
    const stacks = new Set(this.frameStacks);
    const known = new Map(h5.filters.map((f) => [f.id, f]));
    for (const n of index.tree.nodes) {
      if (n.kind !== 'dataset') continue;
      let dec: Decoding;
      try {
        dec = decodingOf(n.type, n.path);
      } catch (err) {
        unreadable[n.path] = (err as Error).message;
        continue;
      }
      const tag = attrString(n, 'bragg_dtype');
      if (tag === 'bool' && dec.dtype === 'uint8') dec = { ...dec, dtype: 'bool' };
      const shape = [...(n.shape ?? []), ...dec.extraShape];
      const { axes } = buildAxes(index, n, [], [], dec.extraShape);
      const meta: Metadata = { ...attrsMetadata(n), hdf5Type: describeType(n.type) };
      const saved = attrString(n, 'bragg_metadata');
      if (saved !== undefined) {
        try {
          Object.assign(meta, JSON.parse(saved) as Metadata);
          delete meta.bragg_metadata;
        } catch {
          // not bragg's JSON: keep the attribute as text
        }
      }
      if (dec.fields) meta.fields = dec.fields;
      if (n.chunks) meta.chunks = n.chunks;
      if (n.filters.length > 0) {
        meta.filters = n.filters.map((f) => filterLabel(known.get(f.id) ?? f));
        const missing = n.filters.filter((f) => !known.has(f.id));
        if (missing.length > 0) meta.missingFilters = missing.map(describeFilter);
      }
      if (n.softLink) meta.softLink = n.softLink;
      if (n.external) meta.externalLink = `${n.external.file}:${n.external.target}`;
      if (n.virtualSources)
        meta.virtualSources = n.virtualSources.map((s) => `${s.file}:${s.dataset}`);
      const info: ArrayInfo = { name: n.path, shape, dtype: dec.dtype, axes, metadata: meta };
      if (signals.has(n.path)) info.role = 'signal';
      else if (stacks.has(n.path)) info.role = 'frames';
      this.datasets.push(info);
      this.entries.set(n.path, { node: n, dec, info });
    }
    const links = index.tree.nodes
      .filter((n): n is Extract<H5Node, { kind: 'link' }> => n.kind === 'link')
      .map((l) => ({ path: l.path, type: l.linkType, target: l.target, file: l.file ?? null }));
    this.metadata = {
      ...attrsMetadata(index.get('/')),
      groups: index.tree.nodes.filter((n) => n.kind === 'group').length,
      unresolvedLinks: links,
      unreadable,
      frameStacks: this.frameStacks,
      treeTruncated: index.tree.truncated,
    };
    if (this.plottable) {
      this.metadata.nexusSignal = this.plottable.signal;
      this.metadata.nexusConvention = this.plottable.convention;
    }
    this.defaultDataset = this.plottable?.signal ?? this.frameStacks[0] ?? largest(this.datasets);
  }

  /** Read NeXus axes / dimension scales of every signal dataset and calibrate them. */
  async loadAxes(): Promise<void> {
    const nexus = new Map<string, (AxisSource | undefined)[]>();
    for (const p of allPlottable(this.index)) {
      nexus.set(
        p.signal,
        p.axes.map((a) => (a?.path ? { path: a.path, name: a.name } : undefined)),
      );
    }
    for (const e of this.entries.values()) {
      const sources = axisSources(this.index, e.node, nexus.get(e.node.path));
      if (sources.every((s) => s === undefined)) continue;
      const values: (Float64Array | undefined)[] = [];
      for (const s of sources) values.push(s ? await this.axisValues(s.path) : undefined);
      const { axes, axisValues } = buildAxes(this.index, e.node, sources, values, e.dec.extraShape);
      e.info.axes = axes;
      if (Object.keys(axisValues).length > 0) e.info.metadata.axisValues = axisValues;
    }
  }

  private async axisValues(path: string): Promise<Float64Array | undefined> {
    const e = this.entries.get(path);
    if (!e || e.dec.dtype === 'string' || e.dec.extraShape.length > 0) return undefined;
    const shape = e.node.shape ?? [];
    if (shape.length !== 1 || shape[0]! > MAX_AXIS_LENGTH) return undefined;
    try {
      return toFloat64((await this.read(path)).array);
    } catch {
      return undefined; // an unreadable axis leaves the dimension uncalibrated
    }
  }

  private missingFile(what: string, path: string, file: string, cause?: unknown): FormatError {
    return new FormatError('HDF5', `${what} points to a missing file '${file}'`, {
      file: this.path,
      path,
      expected: `'${file}' beside '${this.path}' or in the working directory`,
      found: 'no such file',
      cause,
    });
  }

  private lookup(name: string): Entry {
    const path = normalize(name);
    const e = this.entries.get(path);
    if (e) return e;
    const n = this.index.get(path);
    if (n?.kind === 'link') {
      if (n.linkType === 'external' && n.file !== undefined) {
        if (!resolveExternal(this.local.path, n.file))
          throw this.missingFile('external link', path, n.file);
        throw new FormatError(
          'HDF5',
          `external link target '${n.target}' not found in '${n.file}'`,
          {
            file: this.path,
            path,
          },
        );
      }
      throw new FormatError('HDF5', `soft link to a missing object '${n.target}'`, {
        file: this.path,
        path,
      });
    }
    if (n?.kind === 'dataset') decodingOf(n.type, path); // throws UnsupportedError with the type
    const some = this.datasets.slice(0, 8).map((d) => d.name);
    throw new NotFoundError(
      `${this.path}: no dataset '${path}'; datasets: ${some.join(', ')}${this.datasets.length > 8 ? ', ...' : ''}`,
    );
  }

  /** Virtual datasets and external links: every source file must exist (HDF5 would fill). */
  private checkSources(e: Entry): number {
    let available = this.fileSize;
    for (const s of e.node.virtualSources ?? []) {
      if (s.file === '.') {
        const n = this.index.get(s.dataset);
        if (
          n?.kind === 'link' &&
          n.file !== undefined &&
          !resolveExternal(this.local.path, n.file)
        ) {
          throw this.missingFile(`virtual dataset source '${s.dataset}'`, e.node.path, n.file);
        }
        continue;
      }
      const found = resolveExternal(this.local.path, s.file);
      if (!found) throw this.missingFile('virtual dataset source', e.node.path, s.file);
      available += statSync(found).size;
    }
    if (e.node.external) {
      const found = resolveExternal(this.local.path, e.node.external.file);
      if (found) available += statSync(found).size;
    }
    const filters = h5.filters;
    const known = new Set(filters.map((f) => f.id));
    const unknown = e.node.filters.filter((f) => !known.has(f.id));
    if (unknown.length > 0) {
      throw new FormatError('HDF5', 'dataset needs an HDF5 filter bragg does not have', {
        file: this.path,
        path: e.node.path,
        expected: `filters bragg has: ${filters.map(filterLabel).join(', ')}`,
        found: unknown.map(describeFilter).join(', '),
      });
    }
    return available;
  }

  /**
   * A read of a filtered dataset that failed in the filter pipeline (a plugin rejected a chunk,
   * or aborted on it): say so, with HDF5's own words as the cause.
   */
  private decodeError(e: Entry, err: unknown): unknown {
    if (!(err instanceof FormatError) || e.node.filters.length === 0) return err;
    const known = new Map(h5.filters.map((f) => [f.id, f]));
    // An abort while reading through a plugin is the plugin's (their error paths can abort).
    const plugin = e.node.filters.some((f) => known.get(f.id)?.plugin !== undefined);
    const aborted = plugin && err.found === 'a WebAssembly abort in the HDF5 library';
    if (!aborted && !/filter returned failure|data pipeline read failed/.test(err.reason))
      return err;
    const pipeline = e.node.filters.map((f) => filterLabel(known.get(f.id) ?? f)).join(' + ');
    return new FormatError('HDF5', 'compressed data cannot be decoded', {
      file: this.path,
      path: e.node.path,
      expected: `chunks that ${pipeline} can decode`,
      found: aborted
        ? 'a chunk on which the decoder aborted (corrupt or truncated data?)'
        : 'a chunk the filter pipeline rejects (corrupt or truncated data?)',
      cause: err,
    });
  }

  private async ensureOpen(): Promise<void> {
    if (this.closed) throw new ValidationError(`${this.path} is closed`, 'file');
    if (this.generation === h5.generation) return;
    const r = await h5.call({ op: 'open', path: this.local.path, walk: false }, this.path, 'reopen'); // prettier-ignore
    if (r.op !== 'open')
      throw new FormatError('HDF5', 'unexpected worker answer', { file: this.path });
    this.handle = r.handle;
    this.generation = h5.generation;
  }

  async read(name: string, selection?: Selection): Promise<DataArray> {
    const e = this.lookup(name);
    const available = this.checkSources(e);
    const shape = e.node.shape ?? [];
    const { start, count } = selectionBounds(shape, selection);
    const n = count.reduce((a, b) => a * b, 1);
    const bytes = n * e.node.type.size;
    if (bytes > UNCHECKED_READ_BYTES && bytes > MAX_EXPANSION * available) {
      throw new FormatError('HDF5', 'declared dataset size is far larger than the file', {
        file: this.path,
        path: e.node.path,
        expected: `at most ${MAX_EXPANSION}× the ${available} bytes on disk`,
        found: `${bytes} bytes for shape [${count.join(', ')}]`,
      });
    }
    await this.ensureOpen();
    const whole = selection === undefined;
    const req = whole
      ? ({ op: 'read', handle: this.handle, path: e.node.path } as const)
      : ({ op: 'read', handle: this.handle, path: e.node.path, start, count } as const);
    const timeout = h5.timeoutMs + bytes * MS_PER_BYTE;
    const r = await h5
      .call(req, this.path, 'reading', timeout, [], e.node.path)
      .catch((err: unknown) => {
        throw this.decodeError(e, err);
      });
    if (r.op !== 'read')
      throw new FormatError('HDF5', 'unexpected worker answer', { file: this.path });
    const res = r.result;
    let array =
      res.kind === 'strings'
        ? decodeStrings(res.shape, res.strings)
        : decodeBytes(e.dec, res.shape, res.bytes);
    let axes: Axis[] = e.info.axes.map((a, d) =>
      d < count.length
        ? { ...a, size: count[d]!, offset: a.offset + a.scale * start[d]! }
        : { ...a },
    );
    if (selection?.frame !== undefined) {
      array = { dtype: array.dtype, shape: array.shape.slice(1), data: array.data } as typeof array;
      axes = axes.slice(1);
    }
    const metadata: Metadata = { ...e.info.metadata };
    if (selection?.frame !== undefined) metadata.frame = selection.frame;
    const units = attrString(e.node, 'units');
    const out: DataArray = { name: e.node.path, array, axes, metadata };
    if (units !== undefined) out.intensity = { scale: 1, offset: 0, units };
    if (e.info.role !== undefined) out.role = e.info.role;
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.generation === h5.generation) {
      await h5
        .call({ op: 'close', handle: this.handle }, this.path, 'close')
        .catch(() => undefined);
    }
    this.local.remove();
  }
}

/** A filter of a file's pipeline as errors name it: `filter 32008 (bitshuffle; see ...)`. */
function describeFilter(f: { id: number; name: string }): string {
  return `filter ${f.id}${f.name ? ` (${f.name})` : ''}`;
}

function largest(ds: ArrayInfo[]): string | undefined {
  let best: ArrayInfo | undefined;
  let bestN = -1;
  for (const d of ds) {
    if (d.dtype === 'string') continue;
    const n = d.shape.reduce((a, b) => a * b, 1);
    if (n > bestN) {
      best = d;
      bestN = n;
    }
  }
  return best?.name;
}

/** Hyperslab start/count for a selection, validated against the dataset shape. */
export function selectionBounds(
  shape: readonly number[],
  selection?: Selection,
): { start: number[]; count: number[] } {
  const start = shape.map(() => 0);
  const count = [...shape];
  if (!selection) return { start, count };
  if (selection.frame !== undefined) {
    const f = selection.frame;
    if (shape.length === 0 || !Number.isInteger(f) || f < 0 || f >= shape[0]!) {
      throw new ValidationError(
        `frame ${f} out of range; the dataset has ${shape[0] ?? 0} frames (shape [${shape.join(', ')}])`,
        'frame',
      );
    }
    start[0] = f;
    count[0] = 1;
  }
  (selection.ranges ?? []).forEach(([a, b], d) => {
    if (d >= shape.length) {
      throw new ValidationError(
        `range for dimension ${d} but the dataset has rank ${shape.length}`,
        'ranges',
      );
    }
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > shape[d]! || a >= b) {
      throw new ValidationError(
        `range [${a}, ${b}) outside dimension ${d} of size ${shape[d]}`,
        'ranges',
      );
    }
    if (selection.frame !== undefined && d === 0) {
      throw new ValidationError('frame and a range on dimension 0 cannot be combined', 'ranges');
    }
    start[d] = a;
    count[d] = b - a;
  });
  return { start, count };
}

/**
 * Open an HDF5/NeXus file from a path, bytes or a stream (src/core/source.ts): signature and
 * superblock check on the source, tree listing, NeXus axes. The HDF5 library opens files by
 * name, so bytes from memory or a stream are written to a private temporary file first (removed
 * on `close`, or at exit); external links and virtual-dataset sources then resolve only by
 * absolute name.
 */
export async function openHdf5(input: SourceInput, options?: SourceOptions): Promise<Hdf5File> {
  const source = await openSource(input, options);
  let sb: SuperblockInfo;
  let local: LocalFile;
  try {
    sb = checkSuperblock(source);
    local =
      source.path !== undefined
        ? { path: resolve(source.path), remove: () => undefined }
        : spill(source);
  } finally {
    source.close();
  }
  const name = source.path !== undefined ? local.path : source.name;
  let file: Hdf5File;
  try {
    const r = await h5.call({ op: 'open', path: local.path, walk: true }, source.name, 'opening');
    if (r.op !== 'open' || !r.tree)
      throw new FormatError('HDF5', 'unexpected worker answer', { file: source.name });
    const index = new TreeIndex(r.tree as H5Tree);
    file = new Hdf5File(name, r.handle, h5.generation, index, sb.fileSize, local);
  } catch (err) {
    local.remove();
    throw err;
  }
  try {
    await file.loadAxes();
  } catch (err) {
    await file.close();
    throw err;
  }
  return file;
}

export type { Hdf5File };

export const hdf5Reader: FormatReader = {
  id: 'hdf5',
  extensions: ['h5', 'hdf5', 'hdf', 'he5', 'nxs', 'nx5', 'nx', 'cxi', 'emd'],
  sniff: (head) => hasSignature(head, 0),
  open: openHdf5,
};
