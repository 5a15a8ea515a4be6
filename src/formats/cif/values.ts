/**
 * CIF values: numbers with standard uncertainties (`1.234(5)` → 1.234 ± 0.005), access by
 * tag, and printing values and documents back to CIF 1.1 text (choosing bare, quoted or
 * text-field form so that parsing gives the same value back).
 */
import { ValidationError } from '../../core/errors.js';
import type { CifBlock, CifDocument, CifValue } from './parse.js';

export interface CifNumber {
  value: number;
  /** Standard uncertainty, when written in parentheses. */
  su?: number;
}

const NUMBER_RE = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(?:\((\d+)\))?$/;

/** A CIF numeric value (`-1.5e-3`, `2.464(2)`, `.5`, `3.`); undefined if not a number. */
export function parseCifNumber(text: string): CifNumber | undefined {
  const m = NUMBER_RE.exec(text.trim());
  if (!m) return undefined;
  const mantissa = m[1]!;
  const exp = m[2] === undefined ? 0 : Number(m[2]);
  const value = Number(mantissa) * 10 ** exp;
  if (!Number.isFinite(value)) return undefined;
  if (m[3] === undefined) return { value };
  const dot = mantissa.indexOf('.');
  const decimals = dot < 0 ? 0 : mantissa.length - dot - 1;
  return { value, su: Number(m[3]) * 10 ** (exp - decimals) };
}

/** Text of a value ('' for `?` and `.`). */
export function valueText(v: CifValue | undefined): string {
  return v?.kind === 'text' ? v.text : '';
}

/** Number of a value; undefined for `?`, `.`, quoted or non-numeric text. */
export function valueNumber(v: CifValue | undefined): CifNumber | undefined {
  if (v?.kind !== 'text') return undefined;
  return parseCifNumber(v.text);
}

/** The single value of `tag` (first of a loop column), undefined if absent. */
export function getValue(block: CifBlock, tag: string): CifValue | undefined {
  return block.values.get(tag.toLowerCase())?.[0];
}

/** The column of `tag`, undefined if absent. */
export function getColumn(block: CifBlock, tag: string): CifValue[] | undefined {
  return block.values.get(tag.toLowerCase());
}

/** First tag of `tags` present in the block (CIF dictionaries have synonyms). */
export function firstTag(block: CifBlock, tags: readonly string[]): string | undefined {
  return tags.find((t) => block.values.has(t.toLowerCase()));
}

const RESERVED = /^(data_|loop_|save_|global_|stop_)/i;

/** Printable form of one value: bare where possible, else quoted, else a text field. */
export function formatCifValue(v: CifValue | string): string {
  if (typeof v !== 'string') {
    if (v.kind === 'unknown') return '?';
    if (v.kind === 'inapplicable') return '.';
    v = v.text;
  }
  if (
    v !== '' &&
    !/\s/.test(v) &&
    !/^[_#$'";[\]]/.test(v) &&
    v !== '?' &&
    v !== '.' &&
    !RESERVED.test(v)
  ) {
    return v;
  }
  if (!/[\r\n]/.test(v)) {
    if (!/'(\s|$)/.test(v)) return `'${v}'`;
    if (!/"(\s|$)/.test(v)) return `"${v}"`;
  }
  if (/\r/.test(v) || /\n;/.test(v)) {
    throw new ValidationError(
      `value cannot be written in CIF 1.1 (contains a line starting with ';' or a carriage return): ${JSON.stringify(v.slice(0, 40))}`,
      'cif value',
    );
  }
  return `\n;${v}\n;\n`;
}

/** A number with its standard uncertainty in CIF form, e.g. (2.4642, 0.0021) → `2.4642(21)`. */
export function formatCifNumber(value: number, su?: number): string {
  if (!Number.isFinite(value)) {
    throw new ValidationError(`not a finite number: ${value}`, 'cif number');
  }
  if (su === undefined || !(su > 0) || !Number.isFinite(su)) return String(value);
  let d = -Math.floor(Math.log10(su));
  if (Math.round(su * 10 ** d) < 2) d += 1; // two digits for su starting with 1 (IUCr rule)
  d = Math.max(0, Math.min(20, d));
  return `${value.toFixed(d)}(${Math.round(su * 10 ** d)})`;
}

/** Print a document as CIF 1.1 text (single items, then loops, per block). */
export function formatCif(doc: CifDocument): string {
  const out: string[] = [];
  for (const block of doc.blocks) {
    out.push(`data_${block.name}`);
    const inLoop = new Set(block.loops.flat());
    for (const tag of block.tags) {
      const key = tag.toLowerCase();
      if (inLoop.has(key)) continue;
      const v = block.values.get(key)?.[0];
      if (v) out.push(`${tag} ${formatCifValue(v)}`);
    }
    for (const loop of block.loops) {
      out.push('loop_');
      const written = loop.map((k) => block.tags.find((t) => t.toLowerCase() === k) ?? k);
      out.push(...written);
      const cols = loop.map((k) => block.values.get(k) ?? []);
      const rows = cols[0]?.length ?? 0;
      for (let r = 0; r < rows; r++) out.push(cols.map((c) => formatCifValue(c[r]!)).join(' '));
    }
    out.push('');
  }
  return out.join('\n');
}
