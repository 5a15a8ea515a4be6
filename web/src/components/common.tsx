/** Small shared pieces: error and loading lines, byte sizes, number formatting. */
import type { ReactNode } from 'react';

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const code = (error as { code?: unknown }).code;
  return (
    <div className="error" role="alert">
      {typeof code === 'string' && code !== '' ? <strong>{code}: </strong> : null}
      {error.message}
    </div>
  );
}

export function Loading({ when, children }: { when: boolean; children?: ReactNode }) {
  return when ? <div className="loading">{children ?? 'Loading…'}</div> : null;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${u[i]}`;
}

/** A number for a table cell: 4 significant digits, integers as they are. */
export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3
    ? x.toExponential(digits - 1)
    : x.toPrecision(digits);
}

/** A JSON value, pretty-printed, in a scrollable block. */
export function JsonBlock({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}
