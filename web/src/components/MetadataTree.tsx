/** A collapsible tree of a file's metadata (`bragg info --json`'s `metadata`). */
import type { MetadataValue } from '../api-types';

function leaf(v: MetadataValue): string {
  if (typeof v === 'string') return v.length > 200 ? `${v.slice(0, 199)}…` : v;
  return JSON.stringify(v);
}

function isBranch(v: MetadataValue): v is MetadataValue[] | { [key: string]: MetadataValue } {
  return typeof v === 'object' && v !== null;
}

function Node({ name, value, depth }: { name: string; value: MetadataValue; depth: number }) {
  if (!isBranch(value)) {
    return (
      <li className="meta-leaf">
        <span className="meta-key">{name}</span> <span className="meta-value">{leaf(value)}</span>
      </li>
    );
  }
  const entries: [string, MetadataValue][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value);
  if (Array.isArray(value) && value.every((v) => !isBranch(v)) && value.length <= 16) {
    return (
      <li className="meta-leaf">
        <span className="meta-key">{name}</span> <span className="meta-value">{leaf(value)}</span>
      </li>
    );
  }
  return (
    <li>
      <details open={depth < 1}>
        <summary>
          <span className="meta-key">{name}</span>{' '}
          <span className="meta-count">({entries.length})</span>
        </summary>
        <ul className="meta-tree">
          {entries.slice(0, 500).map(([k, v]) => (
            <Node key={k} name={k} value={v} depth={depth + 1} />
          ))}
          {entries.length > 500 ? <li>… {entries.length - 500} more</li> : null}
        </ul>
      </details>
    </li>
  );
}

export function MetadataTree({
  value,
  label = 'metadata',
}: {
  value: { [key: string]: MetadataValue };
  label?: string;
}) {
  const n = Object.keys(value).length;
  if (n === 0) return <p className="muted">No {label}.</p>;
  return (
    <ul className="meta-tree meta-root" data-testid="metadata-tree">
      <Node name={label} value={value} depth={0} />
    </ul>
  );
}
