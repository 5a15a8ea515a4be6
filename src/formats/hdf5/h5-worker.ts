/**
 * The h5wasm worker: every call into the HDF5 C library (compiled to WebAssembly) happens in
 * this thread, so that an abort, a trap or a hang on a corrupt file can be contained by the
 * main thread (which terminates and replaces the worker). HDF5's diagnostics, which the
 * library prints to fd 2, are captured here and returned with the error instead.
 *
 * HDF5 filter plugins (h5wasm-plugins, WebAssembly side modules) are put on HDF5's plugin
 * search path before any file is opened; HDF5 loads one when a dataset first needs it.
 *
 * This file must stay self-contained at run time (only `import type` from other modules):
 * under vitest it is transpiled on the fly and started from a `data:` URL.
 */
import { parentPort, workerData } from 'node:worker_threads';
import fs from 'node:fs';
import type * as H5 from 'h5wasm';
import type {
  AttrValue,
  CompoundColumns,
  H5Attr,
  H5Node,
  H5Tree,
  H5Type,
  ReadResult,
  WorkerRequest,
  WorkerResponse,
  WorkerResult,
  WorkerSetup,
  WriteAttr,
} from './protocol.js';

type H5Lib = typeof H5;
type Meta = H5.Metadata;

/** Limits of one tree walk (a file with hard-link cycles must not expand forever). */
const MAX_NODES = 100_000;
const MAX_DEPTH = 64;
/** Attributes larger than this are listed without their value. */
const MAX_ATTR_BYTES = 1 << 20;

let diagnostics = '';
const originalWriteSync = fs.writeSync.bind(fs);
// Capture what the wasm module writes to stderr (HDF5-DIAG error stacks) instead of printing it,
// and what it writes to stdout (filter plugins `printf` about bad chunks), which would otherwise
// land in the middle of a command's output (`bragg info --json`).
(fs as unknown as { writeSync: (...a: unknown[]) => number }).writeSync = (...args: unknown[]) => {
  const [fd, buf, off, len] = args;
  if (fd === 1 || fd === 2) {
    if (typeof buf === 'string') {
      diagnostics += buf;
      return buf.length;
    }
    // Any byte view: emscripten writes from its HEAP8, an Int8Array.
    if (ArrayBuffer.isView(buf)) {
      const o = typeof off === 'number' ? off : 0;
      const n = typeof len === 'number' ? len : buf.byteLength - o;
      if (diagnostics.length < 64_000)
        diagnostics += Buffer.from(buf.buffer, buf.byteOffset + o, n).toString();
      return n;
    }
  }
  return (originalWriteSync as (...a: unknown[]) => number)(...args);
};

const data = workerData as WorkerSetup | undefined;
const lib = (await import(data?.h5wasmUrl ?? 'h5wasm/node')) as H5Lib;
const Module = await lib.ready;
const plugins = installPlugins(data?.plugins);

/** A file that starts with the WebAssembly magic bytes (`\0asm`). */
function isWasm(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    const head = Buffer.alloc(4);
    return fs.readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === '\0asm';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Make `dir` HDF5's only plugin folder (as h5wasm-plugins' `install_local_plugins` does, which
 * puts it first): the other default entries are the path of the machine that built h5wasm and
 * `/usr/local/hdf5/lib/plugin`, where native plugins, which the wasm library cannot load, live.
 * Returns the plugin files that are there.
 */
function installPlugins(p: WorkerSetup['plugins']): string[] {
  if (!p) return [];
  if (Module.insert_plugin_search_path(p.dir, 0) < 0) return [];
  while (Module.get_plugin_search_paths().length > 1) {
    if (Module.remove_plugin_search_path(1) < 0) break;
  }
  const sep = p.dir.endsWith('/') ? '' : '/';
  return p.files.filter((f) => isWasm(`${p.dir}${sep}${f}`));
}

const files = new Map<number, H5.File>();
let nextHandle = 1;
/** Handles of the files this worker created (written with fixed object times). */
const created = new Set<number>();

/**
 * HDF5 stamps the object headers it writes with the wall-clock time (the `track_times`
 * property, on by default; h5wasm does not expose `H5Pset_obj_track_times`), and the wasm
 * module reads that clock through `Date.now()`. Calls on a file being written run with the
 * clock at 0 (1970-01-01), as if times were not tracked: a written file's bytes are a
 * function of its content, so the same data written twice gives the same file.
 */
function withFixedClock<T>(f: () => T): T {
  const now = Date.now;
  Date.now = () => 0;
  try {
    return f();
  } finally {
    Date.now = now;
  }
}

function writes(req: WorkerRequest): boolean {
  return req.op === 'create' || ('handle' in req && created.has(req.handle));
}

/** A WebAssembly trap or abort (RuntimeError), or a stack overflow: the module may be broken. */
function isTrap(err: unknown): boolean {
  return err instanceof Error && (err.name === 'RuntimeError' || err instanceof RangeError);
}

function fileOf(handle: number): H5.File {
  const f = files.get(handle);
  if (!f) throw new Error(`no open file with handle ${handle}`);
  return f;
}

function typeOf(m: Meta): H5Type {
  const t: H5Type = {
    type: m.type,
    size: m.size,
    signed: m.signed,
    littleEndian: m.littleEndian,
    vlen: m.vlen,
  };
  if (m.cset !== undefined) t.cset = m.cset;
  if (m.compound_type) {
    t.compound = m.compound_type.members.map((c) => ({
      name: c.name,
      offset: c.offset,
      type: typeOf(c),
    }));
  }
  if (m.enum_type) {
    t.enumMembers = { ...m.enum_type.members };
    t.enumBase = { ...t, type: m.enum_type.type };
    delete t.enumBase.enumMembers;
  }
  if (m.array_type) {
    t.arrayBase = typeOf(m.array_type);
    t.arrayShape = [...(m.array_type.shape ?? [])];
  }
  return t;
}

const CP1252 = new TextDecoder('windows-1252').decode(
  Uint8Array.from({ length: 256 }, (_, i) => i),
);
const CP1252_BYTE = new Map([...CP1252].map((c, i) => [c, i]));
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * h5wasm decodes ASCII-tagged strings as windows-1252, but many writers put UTF-8 bytes there
 * (`μm`). Re-decode as UTF-8 when the bytes are valid UTF-8; otherwise keep the 8-bit text.
 */
function fixText(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CP1252_BYTE.get(s[i]!);
    if (b === undefined) return s;
    bytes[i] = b;
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    return s;
  }
}

/** 64-bit integer attributes become numbers when exactly representable. */
function safeNumber(x: bigint): number | bigint {
  const n = Number(x);
  return Number.isSafeInteger(n) ? n : x;
}

function toAttrValue(v: unknown): AttrValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return fixText(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return safeNumber(v);
  if (typeof v === 'boolean') return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<number | bigint>, (x) =>
      typeof x === 'bigint' ? safeNumber(x) : x,
    );
  }
  if (Array.isArray(v)) return v.map(toAttrValue);
  return '<reference>';
}

function readAttrs(obj: { file_id: bigint; path: string }): H5Attr[] {
  const names = Module.get_attribute_names(obj.file_id, obj.path);
  const out: H5Attr[] = [];
  for (const name of names) {
    const m = Module.get_attribute_metadata(obj.file_id, obj.path, name);
    const a: H5Attr = { name, value: null, shape: m.shape, type: typeOf(m) };
    if (m.size * m.total_size > MAX_ATTR_BYTES) {
      a.note = `not read: ${m.size * m.total_size} bytes`;
    } else if (m.type === 2 || m.type === 5 || (m.type === 1 && m.size !== 4 && m.size !== 8)) {
      a.note = `not read: HDF5 type class ${m.type}, size ${m.size}`;
    } else {
      try {
        a.value = toAttrValue(new lib.Attribute(obj.file_id, obj.path, name).value);
      } catch (err) {
        if (isTrap(err)) throw err;
        a.note = `not read: ${(err as Error).message}`;
      }
    }
    out.push(a);
  }
  return out;
}

function datasetNode(f: H5.File, path: string, extra: Partial<H5Node>): H5Node {
  const ds = new lib.Dataset(f.file_id, path);
  const m = ds.metadata;
  const attrs = readAttrs(ds);
  const node: H5Node = {
    kind: 'dataset',
    path,
    attrs,
    shape: m.shape ? [...m.shape] : null,
    maxshape: m.maxshape ? m.maxshape.map((x) => (x > Number.MAX_SAFE_INTEGER ? -1 : x)) : null,
    chunks: m.chunks ? [...m.chunks] : null,
    type: typeOf(m),
    filters: ds.filters.map((x) => ({ id: x.id, name: x.name })),
    ...(extra as object),
  };
  if (m.virtual_sources) {
    node.virtualSources = m.virtual_sources.map((s) => ({
      file: s.file_name,
      dataset: s.dset_name,
    }));
  }
  if (attrs.some((a) => a.name === 'DIMENSION_LIST') && m.shape) {
    try {
      node.scales = m.shape.map((_, i) => ds.get_attached_scales(i));
    } catch (err) {
      if (isTrap(err)) throw err;
    }
  }
  if (attrs.some((a) => a.name === 'DIMENSION_LABELS')) {
    try {
      node.labels = ds.get_dimension_labels();
    } catch (err) {
      if (isTrap(err)) throw err;
    }
  }
  return node;
}

function walk(f: H5.File): H5Tree {
  const nodes: H5Node[] = [];
  let truncated = false;
  const visit = (path: string, depth: number, extra: Partial<H5Node>): void => {
    if (nodes.length >= MAX_NODES || depth > MAX_DEPTH) {
      truncated = true;
      return;
    }
    const type = Module.get_type(f.file_id, path);
    if (type === Module.H5G_GROUP) {
      const g = new lib.Group(f.file_id, path);
      const children = g.keys();
      const attrs = readAttrs(g);
      nodes.push({ kind: 'group', path, attrs, children, ...(extra as object) });
      // Groups reached through soft or external links are listed but not walked again.
      if (!('softLink' in extra) && !('external' in extra)) {
        for (const c of children) visitLink(path === '/' ? `/${c}` : `${path}/${c}`, depth + 1);
      }
    } else if (type === Module.H5G_DATASET) {
      nodes.push(datasetNode(f, path, extra));
    } else if (type === Module.H5G_TYPE) {
      nodes.push({ kind: 'datatype', path, attrs: [] });
    } else {
      nodes.push({ kind: 'unknown', path, attrs: [] });
    }
  };
  const visitLink = (path: string, depth: number): void => {
    const ext = Module.get_external_link(f.file_id, path) as {
      filename?: string;
      obj_path?: string;
    } | null;
    if (ext && typeof ext.filename === 'string' && typeof ext.obj_path === 'string') {
      const ok = Module.get_type(f.file_id, path) >= 0 && safeResolves(f, path);
      if (!ok) {
        nodes.push({
          kind: 'link',
          path,
          linkType: 'external',
          target: ext.obj_path,
          file: ext.filename,
        });
        return;
      }
      visit(path, depth, { external: { file: ext.filename, target: ext.obj_path } });
      return;
    }
    const soft = Module.get_symbolic_link(f.file_id, path) as string | null;
    if (soft !== null) {
      if (Module.get_type(f.file_id, path) === Module.H5G_LINK) {
        nodes.push({ kind: 'link', path, linkType: 'soft', target: soft });
        return;
      }
      visit(path, depth, { softLink: soft });
      return;
    }
    visit(path, depth, {});
  };
  visit('/', 0, {});
  return { nodes, truncated };
}

/** An external link to an existing file can still point at a missing object. */
function safeResolves(f: H5.File, path: string): boolean {
  const t = Module.get_type(f.file_id, path);
  return t === Module.H5G_GROUP || t === Module.H5G_DATASET || t === Module.H5G_TYPE;
}

function read(handle: number, path: string, start?: number[], count?: number[]): ReadResult {
  const f = fileOf(handle);
  const ds = new lib.Dataset(f.file_id, path);
  const m = ds.metadata;
  const shape = m.shape ?? [];
  const cnt = count ?? shape;
  if (m.type === 3) {
    const ranges = cnt.map((c, i) => [start?.[i] ?? 0, (start?.[i] ?? 0) + c] as [number, number]);
    const v = shape.length === 0 ? ds.value : ds.slice(ranges);
    const strings = (Array.isArray(v) ? v.map((x) => String(x)) : [String(v)]).map(fixText);
    return { kind: 'strings', strings, shape: cnt };
  }
  let n = 1;
  for (const c of cnt) n *= c;
  const nbytes = n * m.size;
  if (nbytes > Module.MAXIMUM_MEMORY / 2) {
    throw new Error(`read of ${nbytes} bytes exceeds the WebAssembly heap limit`);
  }
  const ptr = Module._malloc(Math.max(1, nbytes));
  if (ptr === 0) throw new Error(`allocation of ${nbytes} bytes failed`);
  try {
    const big = (xs: number[]): bigint[] => xs.map((x) => BigInt(x));
    const useSlab = start !== undefined && count !== undefined && shape.length > 0;
    const status = Module.get_dataset_data(
      f.file_id,
      path,
      useSlab ? big(cnt) : null,
      useSlab ? big(start) : null,
      useSlab ? big(cnt.map(() => 1)) : null,
      BigInt(ptr),
    );
    if (status < 0) throw new Error(`H5Dread failed with status ${status}`);
    const bytes = Module.HEAPU8.slice(ptr, ptr + nbytes).buffer;
    return { kind: 'bytes', bytes, shape: cnt, type: typeOf(m) };
  } finally {
    Module._free(ptr);
  }
}

function writeAttrs(obj: H5.Group | H5.Dataset, attrs: WriteAttr[]): void {
  for (const a of attrs) {
    const v = a.value as H5.GuessableDataTypes;
    if (typeof a.value === 'string') obj.create_attribute(a.name, a.value);
    else if (Array.isArray(a.value) && typeof a.value[0] === 'string') {
      obj.create_attribute(a.name, a.value as string[], [a.value.length]);
    } else obj.create_attribute(a.name, v, null, a.dtype ?? null);
  }
}

function handle(req: WorkerRequest): WorkerResult {
  switch (req.op) {
    case 'open': {
      const f = new lib.File(req.path, 'r');
      const h = nextHandle++;
      files.set(h, f);
      try {
        return { op: 'open', handle: h, tree: req.walk ? walk(f) : null };
      } catch (err) {
        files.delete(h);
        f.close();
        throw err;
      }
    }
    case 'close': {
      const f = files.get(req.handle);
      files.delete(req.handle);
      created.delete(req.handle);
      if (f) f.close();
      return { op: 'done' };
    }
    case 'read':
      return { op: 'read', result: read(req.handle, req.path, req.start, req.count) };
    case 'create': {
      const f = new lib.File(req.path, 'w');
      const h = nextHandle++;
      files.set(h, f);
      created.add(h);
      return { op: 'create', handle: h };
    }
    case 'group': {
      const g = fileOf(req.handle).create_group(req.path);
      writeAttrs(g, req.attrs);
      return { op: 'done' };
    }
    case 'attrs': {
      const f = fileOf(req.handle);
      const t = Module.get_type(f.file_id, req.path);
      const obj =
        t === Module.H5G_DATASET
          ? new lib.Dataset(f.file_id, req.path)
          : new lib.Group(f.file_id, req.path);
      writeAttrs(obj, req.attrs);
      return { op: 'done' };
    }
    case 'dataset': {
      const f = fileOf(req.handle);
      let d: H5.GuessableDataTypes;
      let dtype: H5.Dtype | null = req.dtype;
      if (req.dtype === 'vlen-str') {
        d = req.data as string[];
        dtype = null;
      } else if (req.dtype === 'compound') {
        const c = req.data as CompoundColumns;
        d = new Map(c.names.map((name, i) => [name, c.columns[i]]));
        dtype = c.names.map((name) => [name, c.memberDtype] as [string, string]);
      } else d = req.data as H5.GuessableDataTypes;
      const ds = f.create_dataset({
        name: req.path,
        data: d,
        shape: req.shape,
        dtype,
        maxshape: req.maxshape ?? null,
        chunks: req.chunks ?? null,
        ...(req.compression !== undefined ? { compression: req.compression } : {}),
      });
      writeAttrs(ds, req.attrs);
      return { op: 'done' };
    }
    case 'writeSlice': {
      const ds = new lib.Dataset(fileOf(req.handle).file_id, req.path);
      ds.write_slice(
        req.start.map((s, i) => [s, s + req.count[i]!] as [number, number]),
        req.data,
      );
      return { op: 'done' };
    }
    case 'resize': {
      new lib.Dataset(fileOf(req.handle).file_id, req.path).resize(req.shape);
      return { op: 'done' };
    }
    case 'flush':
      fileOf(req.handle).flush();
      return { op: 'done' };
  }
}

function transferables(v: WorkerResult): ArrayBuffer[] {
  return v.op === 'read' && v.result.kind === 'bytes' ? [v.result.bytes] : [];
}

parentPort?.on('message', (msg: { id: number; req: WorkerRequest }) => {
  diagnostics = '';
  let res: WorkerResponse;
  try {
    const value = writes(msg.req) ? withFixedClock(() => handle(msg.req)) : handle(msg.req);
    res = { id: msg.id, ok: true, value };
    parentPort?.postMessage(res, transferables(value));
    return;
  } catch (err) {
    const kind = isTrap(err) ? 'runtime' : 'h5';
    const message =
      err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
    res = { id: msg.id, ok: false, kind, message, diagnostics: diagnostics.slice(0, 4000) };
  }
  parentPort?.postMessage(res);
});
parentPort?.postMessage({
  id: 0,
  ok: true,
  value: { op: 'ready', plugins, searchPaths: Module.get_plugin_search_paths() },
} satisfies WorkerResponse);
