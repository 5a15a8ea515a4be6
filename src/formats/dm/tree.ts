/**
 * Navigating a parsed DM tag tree and turning it into plain `Metadata`.
 */
import type { Metadata, MetadataValue } from '../../core/data-array.js';
import type { TagEntry, TagGroup, TagNode, TagValue } from './tags.js';
import { TagType, tagTypeName } from './tagtypes.js';

/**
 * The node at `path` below `group`: strings match labels, numbers pick the n-th entry
 * (DM lists such as `ImageList` and `Dimensions` are groups of unnamed entries).
 */
export function getNode(
  group: TagGroup | undefined,
  ...path: (string | number)[]
): TagNode | undefined {
  let node: TagNode | undefined = group;
  for (const key of path) {
    if (node === undefined || node.kind !== 'group') return undefined;
    const entries: TagEntry[] = node.entries;
    node =
      typeof key === 'number' ? entries[key]?.node : entries.find((e) => e.label === key)?.node;
  }
  return node;
}

export function getGroup(
  group: TagGroup | undefined,
  ...path: (string | number)[]
): TagGroup | undefined {
  const n = getNode(group, ...path);
  return n?.kind === 'group' ? n : undefined;
}

export function getValue(
  group: TagGroup | undefined,
  ...path: (string | number)[]
): TagValue | undefined {
  const n = getNode(group, ...path);
  return n?.kind === 'data' ? n.value : undefined;
}

/** A finite number at `path` (numbers, safe bigints, booleans as 0/1), else undefined. */
export function getNumber(
  group: TagGroup | undefined,
  ...path: (string | number)[]
): number | undefined {
  const v = getValue(group, ...path);
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** A string at `path` (DM text is stored as uint16 arrays, already decoded by the parser). */
export function getString(
  group: TagGroup | undefined,
  ...path: (string | number)[]
): string | undefined {
  const v = getValue(group, ...path);
  return typeof v === 'string' ? v : undefined;
}

/** Plain metadata for one tag value; arrays left in the file become a summary. */
export function valueToMetadata(v: TagValue): MetadataValue {
  if (Array.isArray(v)) return v.map(valueToMetadata);
  if (typeof v === 'object') {
    return {
      arrayOf: v.elemType === TagType.struct ? 'struct' : tagTypeName(v.elemType),
      length: v.length,
      byteOffset: v.offset,
    };
  }
  if (typeof v === 'number' && !Number.isFinite(v))
    return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return v;
}

/**
 * The whole tree as nested objects. A group whose entries are all unnamed becomes a list;
 * unnamed entries among named ones are called `TagGroup<i>` / `Data<i>` (the names
 * rosettasciio gives them); a repeated label gets ` (2)`, ` (3)`, ... appended.
 */
export function groupToMetadata(g: TagGroup): MetadataValue {
  if (g.entries.length > 0 && g.entries.every((e) => e.label === '')) {
    return g.entries.map((e) => nodeToMetadata(e.node));
  }
  const out: Metadata = {};
  let groups = 0;
  let datas = 0;
  for (const e of g.entries) {
    let key = e.label;
    if (key === '') key = e.node.kind === 'group' ? `TagGroup${groups++}` : `Data${datas++}`;
    if (Object.hasOwn(out, key)) {
      let k = 2;
      while (Object.hasOwn(out, `${key} (${k})`)) k++;
      key = `${key} (${k})`;
    }
    out[key] = nodeToMetadata(e.node);
  }
  return out;
}

function nodeToMetadata(n: TagNode): MetadataValue {
  return n.kind === 'group' ? groupToMetadata(n) : valueToMetadata(n.value);
}
