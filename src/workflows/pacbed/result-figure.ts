/**
 * The figure `POST /inference/` returns as `validation` (a PNG): the preprocessed pattern the
 * thickness CNN saw (background A, rescaled by the predicted scale, in [-1, 1]) next to the
 * class probabilities of thickness [Å] and mistilt [mrad] as bars, the most probable class
 * marked. It is not the seed's validation figure (measured vs nearest simulated pattern after
 * polar registration; issue 13 item 4): that one is not built yet, and this figure makes no
 * comparison with a simulation.
 */
import { ndarray } from '../../core/ndarray.js';
import { encodePng } from '../../formats/image/png.js';
import { svgToPng } from '../../ml/plots/render.js';
import { esc, fmt, svgOpen } from '../../ml/plots/svg.js';
import type { PacbedPrediction, TargetPrediction } from './predict.js';

export interface ResultFigureInput {
  /** The CNN input, side × side, row-major, in [-1, 1]. */
  image: Float32Array;
  side: number;
  prediction: PacbedPrediction;
  /** First title line (the key and the convergence angle). */
  title: string;
}

const IMG = 256;
const PANEL_W = 360;
const PANEL_H = 150;

/** Nearest-neighbour upscale of the [-1, 1] image to IMG px as an 8-bit gray PNG data URI. */
function imageHref(image: Float32Array, side: number): string {
  const f = Math.max(1, Math.floor(IMG / side));
  const n = side * f;
  const out = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const v = image[Math.floor(y / f) * side + Math.floor(x / f)]!;
      out[y * n + x] = Math.round(255 * Math.min(1, Math.max(0, (v + 1) / 2)));
    }
  }
  const png = encodePng(ndarray('uint8', [n, n], out), { range: [0, 255] });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** Probability bars of one target at (x0, y0). */
function barsPanel(
  x0: number,
  y0: number,
  name: string,
  unit: string,
  t: TargetPrediction,
): string {
  const out: string[] = [];
  const k = t.labels.length;
  const plotH = PANEL_H - 40;
  const bw = PANEL_W / Math.max(1, k);
  const head = `${name} ${fmt(t.value)} ${unit} (p ${t.probability.toFixed(2)}; ${fmt(t.expected)} ± ${fmt(t.spread)} ${unit})`;
  out.push(`<text x="${x0}" y="${y0 + 12}">${esc(head)}</text>`);
  const base = y0 + 20 + plotH;
  out.push(`<line x1="${x0}" y1="${base}" x2="${x0 + PANEL_W}" y2="${base}" stroke="#000"/>`);
  t.probabilities.forEach((p, i) => {
    const h = Math.max(0, Math.min(1, p)) * plotH;
    const best = t.labels[i] === t.value;
    out.push(
      `<rect x="${(x0 + i * bw + 0.1 * bw).toFixed(1)}" y="${(base - h).toFixed(1)}" ` +
        `width="${(0.8 * bw).toFixed(1)}" height="${h.toFixed(1)}" fill="${best ? '#d62728' : '#1f77b4'}"/>`,
    );
  });
  const step = Math.max(1, Math.ceil(k / 8));
  for (let i = 0; i < k; i += step) {
    const x = x0 + (i + 0.5) * bw;
    out.push(
      `<text x="${x.toFixed(1)}" y="${base + 13}" font-size="10" text-anchor="middle">${esc(fmt(t.labels[i]!))}</text>`,
    );
  }
  return out.join('');
}

/** The figure as an SVG document. */
export function resultFigureSvg(r: ResultFigureInput): string {
  const p = r.prediction;
  const W = 10 + IMG + 30 + PANEL_W + 10;
  const H = 56 + Math.max(IMG + 20, 2 * (PANEL_H + 10));
  const scale = p.scaleModel ? `scale ${p.scale.toFixed(4)} (${p.scaleSteps.length} passes)` : 'scale 1 (no scale model)'; // prettier-ignore
  const out: string[] = [svgOpen(W, H)];
  out.push(`<text x="10" y="20" font-size="14">${esc(r.title)}</text>`);
  out.push(
    `<text x="10" y="40">${esc(`CNN input (${r.side}² px, background A, rescaled); ${scale}`)}</text>`,
  );
  out.push(
    `<image x="10" y="52" width="${IMG}" height="${IMG}" href="${imageHref(r.image, r.side)}" image-rendering="pixelated"/>`,
  );
  const px = 10 + IMG + 30;
  out.push(barsPanel(px, 52, 'thickness', 'Å', p.thickness));
  out.push(barsPanel(px, 52 + PANEL_H + 10, 'mistilt', 'mrad', p.mistilt));
  out.push('</svg>');
  return out.join('');
}

/** The figure as PNG bytes (RGBA). */
export function resultFigurePng(r: ResultFigureInput): Uint8Array {
  return svgToPng(resultFigureSvg(r));
}
