/**
 * Small SVG building blocks for bragg's file plots (rendered to PNG by `render.ts`):
 * escaping, "nice" axis ticks, number formatting and a categorical palette.
 */

/** Escape text for SVG element content and attribute values. */
export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * Tick values covering [lo, hi] with a 1-2-5 step (Heckbert, "Nice numbers for graph
 * labels", Graphics Gems 1990), about `count` of them.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

/** Short label of a number: at most 4 significant digits, no trailing zeros. */
export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/**
 * Categorical colours (Tableau 10, the default categorical scheme of Vega/Vega-Lite,
 * `category10`/`tableau10`), as RGB bytes.
 */
export const CATEGORY_COLORS: readonly (readonly [number, number, number])[] = [
  [0x4e, 0x79, 0xa7],
  [0xf2, 0x8e, 0x2c],
  [0xe1, 0x57, 0x59],
  [0x76, 0xb7, 0xb2],
  [0x59, 0xa1, 0x4f],
  [0xed, 0xc9, 0x49],
  [0xaf, 0x7a, 0xa1],
  [0xff, 0x9d, 0xa7],
  [0x9c, 0x75, 0x5f],
  [0xba, 0xb0, 0xab],
];

export function categoryColor(i: number): readonly [number, number, number] {
  return CATEGORY_COLORS[
    ((i % CATEGORY_COLORS.length) + CATEGORY_COLORS.length) % CATEGORY_COLORS.length
  ]!;
}

export function rgbHex(c: readonly [number, number, number]): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Opening tag of an SVG document with a white background. */
export function svgOpen(width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif" font-size="12">` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`
  );
}
