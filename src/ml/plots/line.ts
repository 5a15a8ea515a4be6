/** Line charts (training curves) as SVG. */
import { categoryColor, esc, fmt, niceTicks, rgbHex, svgOpen } from './svg.js';

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** Dashed line (e.g. validation). */
  dashed?: boolean;
  /** Colour index in the categorical palette (default: the series' position). */
  color?: number;
}

export interface LinePanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
}

const PW = 380;
const PH = 260;
const M = { left: 60, right: 16, top: 34, bottom: 48 };

function panel(p: LinePanel, ox: number): string {
  const pts = p.series.flatMap((s) =>
    s.x
      .map((x, i) => [x, s.y[i]!] as const)
      .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)),
  );
  const xs = pts.map((q) => q[0]);
  const ys = pts.map((q) => q[1]);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!pts.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const w = PW - M.left - M.right;
  const h = PH - M.top - M.bottom;
  const sx = (x: number) => ox + M.left + ((x - x0) / (x1 - x0)) * w;
  const sy = (y: number) => M.top + h - ((y - y0) / (y1 - y0)) * h;
  const out: string[] = [];
  out.push(
    `<text x="${ox + PW / 2}" y="20" text-anchor="middle" font-size="14">${esc(p.title)}</text>`,
  );
  out.push(
    `<rect x="${ox + M.left}" y="${M.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`,
  );
  for (const t of niceTicks(x0, x1, 6)) {
    const X = sx(t).toFixed(1);
    out.push(`<line x1="${X}" y1="${M.top + h}" x2="${X}" y2="${M.top + h + 4}" stroke="#333"/>`);
    out.push(`<text x="${X}" y="${M.top + h + 16}" text-anchor="middle">${esc(fmt(t))}</text>`);
  }
  for (const t of niceTicks(y0, y1, 5)) {
    const Y = sy(t).toFixed(1);
    out.push(
      `<line x1="${ox + M.left - 4}" y1="${Y}" x2="${ox + M.left + w}" y2="${Y}" stroke="#ddd"/>`,
    );
    out.push(
      `<text x="${ox + M.left - 6}" y="${Y}" dy="4" text-anchor="end">${esc(fmt(t))}</text>`,
    );
  }
  out.push(
    `<text x="${ox + M.left + w / 2}" y="${PH - 10}" text-anchor="middle">${esc(p.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(${ox + 14},${M.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`,
  );
  p.series.forEach((s, k) => {
    const c = rgbHex(categoryColor(s.color ?? k));
    const d = s.x
      .map((x, i) => [x, s.y[i]!] as const)
      .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
      .map(([a, b], i) => `${i ? 'L' : 'M'}${sx(a).toFixed(1)},${sy(b).toFixed(1)}`)
      .join('');
    if (d) {
      out.push(
        `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    }
    const ly = M.top + 14 + 16 * k;
    const lx = ox + M.left + w - 110;
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text x="${lx + 26}" y="${ly}">${esc(s.name)}</text>`);
  });
  return out.join('');
}

/** Panels side by side in one SVG. */
export function lineChartsSvg(panels: readonly LinePanel[]): string {
  const W = PW * Math.max(1, panels.length);
  return `${svgOpen(W, PH)}${panels.map((p, i) => panel(p, i * PW)).join('')}</svg>`;
}
