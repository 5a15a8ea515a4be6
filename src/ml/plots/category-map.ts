/**
 * A map of class probabilities (ny, nx, n) as an image: each pixel takes the colour of its
 * most probable class, with brightness from the confidence (black at chance 1/n, full colour
 * at 1), and a legend with every class, its colour and its share of the pixels.
 */
import { ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { encodePng } from '../../formats/image/png.js';
import { categoryColor, esc, rgbHex, svgOpen } from './svg.js';

export interface CategoryMapPlot {
  title: string;
  /** (ny·nx·n) row-major probabilities. */
  pred: Float32Array;
  ny: number;
  nx: number;
  phases: readonly string[];
}

/** RGB raster (ny × nx × 3) of the map; exported for tests. */
export function categoryMapRaster(p: CategoryMapPlot): { rgb: Uint8Array; counts: number[] } {
  const n = p.phases.length;
  const pix = p.ny * p.nx;
  if (n < 1 || p.pred.length !== pix * n) {
    throw new ValidationError(
      `pred has ${p.pred.length} values; expected ${p.ny}×${p.nx}×${n}`,
      'pred',
    );
  }
  const rgb = new Uint8Array(pix * 3);
  const counts = new Array<number>(n).fill(0);
  const chance = 1 / n;
  for (let i = 0; i < pix; i++) {
    let best = 0;
    for (let c = 1; c < n; c++) if (p.pred[i * n + c]! > p.pred[i * n + best]!) best = c;
    counts[best]!++;
    const conf = n > 1 ? (p.pred[i * n + best]! - chance) / (1 - chance) : 1;
    const b = Math.max(0, Math.min(1, Number.isFinite(conf) ? conf : 0));
    const col = categoryColor(best);
    for (let k = 0; k < 3; k++) rgb[3 * i + k] = Math.round(col[k]! * b);
  }
  return { rgb, counts };
}

function upscale(rgb: Uint8Array, h: number, w: number, f: number): Uint8Array {
  const out = new Uint8Array(h * f * w * f * 3);
  for (let y = 0; y < h * f; y++) {
    const sy = Math.floor(y / f);
    for (let x = 0; x < w * f; x++) {
      const s = 3 * (sy * w + Math.floor(x / f));
      const d = 3 * (y * w * f + x);
      out[d] = rgb[s]!;
      out[d + 1] = rgb[s + 1]!;
      out[d + 2] = rgb[s + 2]!;
    }
  }
  return out;
}

export function categoryMapSvg(p: CategoryMapPlot): string {
  const { rgb, counts } = categoryMapRaster(p);
  const f = Math.max(1, Math.floor(400 / Math.max(p.ny, p.nx)));
  const h = p.ny * f;
  const w = p.nx * f;
  const png = encodePng(ndarray('rgb8', [h, w], upscale(rgb, p.ny, p.nx, f)));
  const href = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
  const legendW = 40 + 8 * Math.max(12, ...p.phases.map((s) => s.length + 10));
  const W = w + 30 + legendW;
  const H = Math.max(h + 60, 60 + 22 * p.phases.length + 80);
  const total = p.ny * p.nx;
  const out: string[] = [svgOpen(W, H)];
  out.push(`<text x="10" y="22" font-size="14">${esc(`${p.title} (${p.ny} × ${p.nx})`)}</text>`);
  out.push(`<image x="10" y="40" width="${w}" height="${h}" href="${href}"/>`);
  const lx = w + 30;
  out.push(`<text x="${lx}" y="52" font-size="13">phase (pixels)</text>`);
  p.phases.forEach((name, i) => {
    const y = 62 + 22 * i;
    out.push(
      `<rect x="${lx}" y="${y}" width="16" height="16" fill="${rgbHex(categoryColor(i))}"/>`,
    );
    const pct = total > 0 ? ((100 * counts[i]!) / total).toFixed(1) : '0';
    out.push(`<text x="${lx + 22}" y="${y + 13}">${esc(`${name} (${pct} %)`)}</text>`);
  });
  const by = 62 + 22 * p.phases.length + 16;
  out.push(
    `<defs><linearGradient id="conf"><stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#fff"/></linearGradient></defs>`,
  );
  out.push(`<text x="${lx}" y="${by}">confidence</text>`);
  out.push(
    `<rect x="${lx}" y="${by + 6}" width="120" height="10" fill="url(#conf)" stroke="#999"/>`,
  );
  out.push(`<text x="${lx}" y="${by + 30}" font-size="10">chance</text>`);
  out.push(`<text x="${lx + 120}" y="${by + 30}" font-size="10" text-anchor="end">1</text>`);
  out.push('</svg>');
  return out.join('');
}
