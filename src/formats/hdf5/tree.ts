/**
 * Look-ups over the plain listing of an HDF5 file (`H5Tree`): nodes by path, attributes by
 * name, attribute values normalised to strings/numbers the way NeXus readers need them.
 */
import type { Metadata, MetadataValue } from '../../core/data-array.js';
import type { AttrValue, H5Attr, H5Node, H5Tree } from './protocol.js';

export class TreeIndex {
  readonly byPath = new Map<string, H5Node>();
  constructor(readonly tree: H5Tree) {
    for (const n of tree.nodes) if (!this.byPath.has(n.path)) this.byPath.set(n.path, n);
  }
  get(path: string): H5Node | undefined {
    return this.byPath.get(normalize(path));
  }
  /** Children nodes of a group, in file order. */
  children(path: string): H5Node[] {
    const g = this.get(path);
    if (!g || g.kind !== 'group') return [];
    return g.children
      .map((c) => this.get(join(g.path, c)))
      .filter((n): n is H5Node => n !== undefined);
  }
}

export function normalize(path: string): string {
  const p = ('/' + path).replace(/\/+/g, '/').replace(/\/$/, '');
  return p === '' ? '/' : p;
}

export function join(parent: string, name: string): string {
  if (name.startsWith('/')) return normalize(name);
  return normalize(`${parent}/${name}`);
}

export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return path.slice(i + 1);
}

export function attrsOf(n: H5Node | undefined): H5Attr[] {
  if (!n || n.kind === 'link') return [];
  return n.attrs;
}

export function attr(n: H5Node | undefined, name: string): AttrValue | undefined {
  return attrsOf(n).find((a) => a.name === name)?.value ?? undefined;
}

/** An attribute as one string: a scalar string, or the first element of a string array. */
export function attrString(n: H5Node | undefined, name: string): string | undefined {
  let v = attr(n, name);
  while (Array.isArray(v) && v.length === 1) v = v[0];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** An attribute as a list of strings (string arrays, or one string split at `sep`). */
export function attrStrings(
  n: H5Node | undefined,
  name: string,
  sep?: RegExp,
): string[] | undefined {
  const v = attr(n, name);
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    const flat = v.flat(8).map((x) => String(x).trim());
    if (flat.length === 1 && sep) return flat[0]!.split(sep).map((s) => s.trim());
    return flat;
  }
  const s = String(v).trim();
  return sep ? s.split(sep).map((x) => x.trim()) : [s];
}

/** An attribute as a list of integers (`<axis>_indices`). */
export function attrInts(n: H5Node | undefined, name: string): number[] | undefined {
  const v = attr(n, name);
  if (v === undefined || v === null) return undefined;
  const flat = (Array.isArray(v) ? v.flat(8) : [v]).map((x) => Number(x));
  return flat.every((x) => Number.isInteger(x)) ? flat : undefined;
}

export function nxClass(n: H5Node | undefined): string | undefined {
  return attrString(n, 'NX_class');
}

function toMeta(v: AttrValue): MetadataValue {
  if (Array.isArray(v)) return v.map(toMeta);
  return v;
}

/** All attributes of a node as metadata (HDF5 names kept as keys: they are data, not API). */
export function attrsMetadata(n: H5Node | undefined): Metadata {
  const out: Metadata = {};
  for (const a of attrsOf(n)) {
    let v = toMeta(a.value);
    if (Array.isArray(v) && v.length === 1 && (a.shape?.length ?? 0) <= 1) v = v[0] ?? null;
    out[a.name] = a.note !== undefined && a.value === null ? `<${a.note}>` : v;
  }
  return out;
}
