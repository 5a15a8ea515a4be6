/**
 * NeXus conventions on top of an HDF5 listing: the default plottable data and its axes, and
 * detector frame stacks.
 *
 * Rules follow the NeXus manual, "Find the plottable data" (v2014 and the older conventions):
 * https://manual.nexusformat.org/datarules.html#find-the-plottable-data
 * - `@default` on the root names the NXentry, `@default` on an NXentry names the NXdata
 *   (or a sub-entry); without `@default` the first NXentry / NXdata is taken.
 * - NIAC2014: NXdata `@signal` names the signal field; `@axes` lists one axis field per
 *   dimension with `.` for none; `@<axis>_indices` says which dimension(s) an axis spans.
 * - 2012 and older: the signal field carries `@signal=1` and `@axes="a:b"` (`:` or `,`
 *   separated); axis fields may carry `@axis=k` (1-based dimension) and `@primary=1`.
 */
import type { H5DatasetNode, H5Node } from './protocol.js';
import {
  attr,
  attrInts,
  attrString,
  attrStrings,
  basename,
  join,
  nxClass,
  type TreeIndex,
} from './tree.js';

/** One dimension's axis: the axis field path, or none. */
export interface AxisRef {
  /** Dimension index of the signal this axis belongs to. */
  dim: number;
  /** Axis field name as NeXus names it. */
  name: string;
  /** Path of the axis dataset, when it exists in the file. */
  path?: string;
  /** Dimensions the axis spans (more than one for multi-dimensional axes). */
  dims: number[];
}

export interface PlottableData {
  /** Path of the NXdata group. */
  group: string;
  /** Path of the signal field. */
  signal: string;
  /** One entry per signal dimension (undefined where NeXus gives no axis, `.`). */
  axes: (AxisRef | undefined)[];
  convention: 'NIAC2014' | 'NeXus2012' | 'fallback';
}

const SEP = /[:,]/;

function isSignalFlag(n: H5Node | undefined): boolean {
  const v = attrString(n, 'signal');
  return v !== undefined && Number(v) === 1;
}

function datasetAt(idx: TreeIndex, path: string): H5DatasetNode | undefined {
  const n = idx.get(path);
  return n?.kind === 'dataset' ? n : undefined;
}

/** The signal field and axes of one NXdata group (or any group carrying `@signal`). */
export function nxdataPlottable(idx: TreeIndex, group: string): PlottableData | undefined {
  const g = idx.get(group);
  if (!g || g.kind !== 'group') return undefined;
  const groupSignal = attrString(g, 'signal');
  let signalPath: string | undefined;
  let convention: PlottableData['convention'] = 'NIAC2014';
  if (groupSignal !== undefined && idx.get(join(g.path, groupSignal))) {
    signalPath = join(g.path, groupSignal);
  } else {
    const flagged = g.children.map((c) => join(g.path, c)).find((p) => isSignalFlag(idx.get(p)));
    if (flagged) {
      signalPath = flagged;
      convention = 'NeXus2012';
    } else if (
      (nxClass(g) === 'NXdata' || attr(g, 'axes') !== undefined) &&
      idx.get(join(g.path, 'data'))
    ) {
      signalPath = join(g.path, 'data');
      convention = 'fallback';
    }
  }
  if (signalPath === undefined) return undefined;
  const signalNode = idx.get(signalPath);
  const rank = signalNode?.kind === 'dataset' ? (signalNode.shape?.length ?? 0) : undefined;
  const axes = axesOf(idx, g.path, signalNode, convention, rank);
  return { group: g.path, signal: signalPath, axes, convention };
}

function axesOf(
  idx: TreeIndex,
  group: string,
  signal: H5Node | undefined,
  convention: PlottableData['convention'],
  rank: number | undefined,
): (AxisRef | undefined)[] {
  const g = idx.get(group);
  const n = rank ?? 0;
  const out: (AxisRef | undefined)[] = new Array<AxisRef | undefined>(n).fill(undefined);
  const names =
    convention === 'NeXus2012'
      ? attrStrings(signal, 'axes', SEP)
      : (attrStrings(g, 'axes', SEP) ?? attrStrings(signal, 'axes', SEP));
  const put = (name: string, dims: number[]): void => {
    const path = join(group, name);
    const ref: AxisRef = { dim: dims[0]!, name, dims };
    if (idx.get(path)) ref.path = path;
    // a 1-D axis describes its dimension; multi-dimensional axes only where nothing better
    const d = dims.length === 1 ? dims[0]! : dims[dims.length - 1]!;
    if (d >= 0 && d < n && (out[d] === undefined || dims.length === 1)) {
      out[d] = { ...ref, dim: d };
    }
  };
  if (names) {
    names.forEach((name, i) => {
      if (name === '.' || name === '') return;
      const indices = attrInts(g, `${name}_indices`);
      put(name, indices && indices.length > 0 ? indices : [i]);
    });
  }
  // Legacy: axis fields carrying @axis=k (1-based) in the group; @primary=1 wins.
  if (g?.kind === 'group') {
    for (const c of g.children) {
      const node = idx.get(join(group, c));
      const k = Number(attrString(node, 'axis'));
      if (!Number.isInteger(k) || k < 1 || k > n) continue;
      // the first field claiming a dimension wins unless a later one is @primary=1
      const primary = Number(attrString(node, 'primary')) === 1;
      if (out[k - 1] === undefined || (primary && out[k - 1]?.name !== c)) put(c, [k - 1]);
    }
  }
  return out;
}

function firstWithClass(idx: TreeIndex, group: string, cls: string): string | undefined {
  return idx.children(group).find((c) => c.kind === 'group' && nxClass(c) === cls)?.path;
}

/** Follow `@default` from the root (and entries), else the first NXentry/NXdata; else search. */
export function findPlottable(idx: TreeIndex): PlottableData | undefined {
  const root = idx.get('/');
  const tryGroup = (path: string | undefined, depth: number): PlottableData | undefined => {
    if (path === undefined || depth > 8) return undefined;
    const g = idx.get(path);
    if (!g || g.kind !== 'group') return undefined;
    const direct = nxClass(g) === 'NXdata' || attr(g, 'signal') !== undefined;
    if (direct) {
      const p = nxdataPlottable(idx, path);
      if (p) return p;
    }
    const def = attrString(g, 'default');
    if (def !== undefined) {
      const found = tryGroup(join(path, def), depth + 1);
      if (found) return found;
    }
    const entry = path === '/' ? firstWithClass(idx, path, 'NXentry') : undefined;
    if (entry) {
      const found = tryGroup(entry, depth + 1);
      if (found) return found;
    }
    for (const c of idx.children(path)) {
      if (c.kind === 'group' && nxClass(c) === 'NXdata') {
        const p = nxdataPlottable(idx, c.path);
        if (p) return p;
      }
    }
    return undefined;
  };
  const viaDefault = root ? tryGroup('/', 0) : undefined;
  if (viaDefault) return viaDefault;
  // Anywhere: NXdata groups in file order, then plain groups with @signal.
  for (const pass of [true, false]) {
    for (const n of idx.tree.nodes) {
      if (n.kind !== 'group') continue;
      if (pass ? nxClass(n) !== 'NXdata' : attr(n, 'signal') === undefined) continue;
      const p = nxdataPlottable(idx, n.path);
      if (p) return p;
    }
  }
  // 2012 style without NXdata class: any dataset with @signal=1.
  for (const n of idx.tree.nodes) {
    if (n.kind === 'dataset' && isSignalFlag(n)) {
      const parent = n.path.slice(0, n.path.lastIndexOf('/')) || '/';
      const p = nxdataPlottable(idx, parent);
      if (p) return p;
    }
  }
  return undefined;
}

/** Every NXdata signal in the file (for roles), in file order. */
export function allPlottable(idx: TreeIndex): PlottableData[] {
  const out: PlottableData[] = [];
  for (const n of idx.tree.nodes) {
    if (
      n.kind === 'group' &&
      (nxClass(n) === 'NXdata' || attr(n, 'signal') !== undefined || attr(n, 'axes') !== undefined)
    ) {
      const p = nxdataPlottable(idx, n.path);
      if (p) out.push(p);
    }
  }
  return out;
}

/**
 * Detector frame stacks: `data` fields of NXdetector groups, then NXdata signals, of rank ≥ 3
 * (frames × rows × columns). Paths of datasets and of unresolved links (whose read then
 * names the missing file).
 */
export function frameStacks(idx: TreeIndex): string[] {
  const out: string[] = [];
  const add = (p: string): void => {
    if (!out.includes(p)) out.push(p);
  };
  const rankOk = (p: string): boolean => {
    const d = datasetAt(idx, p);
    if (d) return (d.shape?.length ?? 0) >= 3;
    return idx.get(p)?.kind === 'link';
  };
  for (const n of idx.tree.nodes) {
    if (n.kind === 'group' && nxClass(n) === 'NXdetector') {
      const p = join(n.path, 'data');
      if (idx.get(p) && rankOk(p)) add(p);
    }
  }
  for (const p of allPlottable(idx)) if (rankOk(p.signal)) add(p.signal);
  return out;
}

export { basename };
