/**
 * Messages between the main thread and the h5wasm worker (`h5-worker.ts`), and the plain-data
 * description of an HDF5 file tree that the worker hands back. Everything here is
 * structured-clone friendly (no class instances), so it crosses the thread boundary as is.
 */

/** An attribute value as JS data (numbers, bigints, strings, nested arrays). */
export type AttrValue = string | number | bigint | boolean | null | AttrValue[];

/** The subset of h5wasm's datatype metadata bragg uses (HDF5 class numbers as in H5T_class_t). */
export interface H5Type {
  /** H5T class: 0 integer, 1 float, 2 time, 3 string, 4 bitfield, 5 opaque, 6 compound,
   * 7 reference, 8 enum, 9 vlen, 10 array. */
  type: number;
  /** Bytes per element. */
  size: number;
  signed: boolean;
  littleEndian: boolean;
  vlen: boolean;
  /** String character set: 0 ASCII, 1 UTF-8. */
  cset?: number;
  compound?: { name: string; offset: number; type: H5Type }[];
  /** Enum members (name → value) and the integer base type. */
  enumMembers?: Record<string, number>;
  enumBase?: H5Type;
  /** Array type: element type and the per-element shape. */
  arrayBase?: H5Type;
  arrayShape?: number[];
}

export interface H5Attr {
  name: string;
  /** `null` when the value could not be read (too large, unsupported type); see `note`. */
  value: AttrValue;
  shape: number[] | null;
  type: H5Type | null;
  note?: string;
}

export interface H5GroupNode {
  kind: 'group';
  path: string;
  attrs: H5Attr[];
  /** Child link names, in file order. */
  children: string[];
  /** Soft-link target when the group was reached through a soft link (not descended into). */
  softLink?: string;
  /** External file and path when reached through an external link (not descended into). */
  external?: { file: string; target: string };
}

export interface H5DatasetNode {
  kind: 'dataset';
  path: string;
  attrs: H5Attr[];
  /** `null` for a null dataspace. */
  shape: number[] | null;
  maxshape: number[] | null;
  chunks: number[] | null;
  type: H5Type;
  filters: { id: number; name: string }[];
  /** Source files and datasets of a virtual dataset (`.` = this file). */
  virtualSources?: { file: string; dataset: string }[];
  /** HDF5 dimension scales attached to each dimension (paths), when any. */
  scales?: string[][];
  /** HDF5 dimension labels, when any. */
  labels?: (string | null)[];
  softLink?: string;
  external?: { file: string; target: string };
}

/** A link that does not resolve: soft link to nothing, external link to an absent file. */
export interface H5LinkNode {
  kind: 'link';
  path: string;
  linkType: 'soft' | 'external';
  target: string;
  /** External file name as stored in the link. */
  file?: string;
}

export interface H5OtherNode {
  kind: 'datatype' | 'unknown';
  path: string;
  attrs: H5Attr[];
}

export type H5Node = H5GroupNode | H5DatasetNode | H5LinkNode | H5OtherNode;

/** The whole listing of one file. */
export interface H5Tree {
  nodes: H5Node[];
  /** True when the walk stopped early (node or depth limit). */
  truncated: boolean;
}

export type WorkerRequest =
  | { op: 'open'; path: string; walk: boolean }
  | { op: 'close'; handle: number }
  | {
      op: 'read';
      handle: number;
      path: string;
      /** Hyperslab start and count per dimension; omitted = whole dataset. */
      start?: number[];
      count?: number[];
    }
  | { op: 'create'; path: string }
  | { op: 'group'; handle: number; path: string; attrs: WriteAttr[] }
  | { op: 'attrs'; handle: number; path: string; attrs: WriteAttr[] }
  | {
      op: 'dataset';
      handle: number;
      path: string;
      /** h5wasm dtype string (`<i`, `<f`, `<d`, `|u1`, ...) or `vlen-str` or `compound`. */
      dtype: string;
      shape: number[];
      maxshape?: (number | null)[];
      chunks?: number[];
      compression?: number;
      data: ArrayBufferView | string[] | CompoundColumns;
      attrs: WriteAttr[];
    }
  | {
      op: 'writeSlice';
      handle: number;
      path: string;
      start: number[];
      count: number[];
      data: ArrayBufferView;
    }
  | { op: 'resize'; handle: number; path: string; shape: number[] }
  | { op: 'flush'; handle: number };

/** Compound data as columns (one typed array per field, all of h5wasm dtype `memberDtype`). */
export interface CompoundColumns {
  names: string[];
  columns: ArrayBufferView[];
  memberDtype: string;
}

export interface WriteAttr {
  name: string;
  value: string | number | string[] | number[] | ArrayBufferView;
  /** h5wasm dtype for numeric values (`<i`, `<d`, `<q`); strings are variable-length. */
  dtype?: string;
}

export type ReadResult =
  | { kind: 'bytes'; bytes: ArrayBuffer; shape: number[]; type: H5Type }
  | { kind: 'strings'; strings: string[]; shape: number[] };

/** What the worker is started with (`workerData`). */
export interface WorkerSetup {
  /** URL of h5wasm's Node build (the worker may run from a `data:` URL, without resolution). */
  h5wasmUrl?: string;
  /** HDF5 filter plugins: the folder to search and the plugin files bragg knows in it. */
  plugins?: { dir: string; files: string[] };
}

export type WorkerResult =
  | {
      op: 'ready';
      /** The plugin files found in the plugin folder (WebAssembly modules HDF5 may load). */
      plugins: string[];
      /** HDF5's plugin search path after setup. */
      searchPaths: string[];
    }
  | { op: 'open'; handle: number; tree: H5Tree | null }
  | { op: 'read'; result: ReadResult }
  | { op: 'create'; handle: number }
  | { op: 'done' };

/** Error classes the worker reports: a JS error from h5wasm, or a WebAssembly trap/abort. */
export type WorkerErrorKind = 'h5' | 'runtime' | 'internal';

export type WorkerResponse =
  | { id: number; ok: true; value: WorkerResult }
  | {
      id: number;
      ok: false;
      kind: WorkerErrorKind;
      message: string;
      /** HDF5 diagnostics printed during the call (the HDF5 error stack), trimmed. */
      diagnostics: string;
    };
