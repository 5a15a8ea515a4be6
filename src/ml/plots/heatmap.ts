/** Confusion-matrix heat map as SVG: counts in the cells, row-normalised shading. */
import { esc, svgOpen } from './svg.js';

export interface ConfusionPlot {
  title: string;
  labels: readonly string[];
  /** matrix[true][predicted] counts. */
  matrix: readonly (readonly number[])[];
}

export function confusionMatrixSvg(p: ConfusionPlot): string {
  const n = p.labels.length;
  const cell = Math.max(36, Math.min(90, Math.floor(420 / Math.max(1, n))));
  const left = 40 + 7 * Math.max(4, ...p.labels.map((l) => Math.min(24, l.length)));
  const top = 60;
  const W = left + n * cell + 20;
  const H = top + n * cell + 70;
  const out: string[] = [svgOpen(W, H)];
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(p.title)}</text>`);
  for (let t = 0; t < n; t++) {
    const row = p.matrix[t] ?? [];
    const sum = row.reduce((a, b) => a + b, 0);
    for (let q = 0; q < n; q++) {
      const v = row[q] ?? 0;
      const f = sum > 0 ? v / sum : 0;
      // white → Tableau blue (#4e79a7) with the row fraction
      const c = [255 - f * (255 - 0x4e), 255 - f * (255 - 0x79), 255 - f * (255 - 0xa7)].map(
        Math.round,
      );
      const x = left + q * cell;
      const y = top + t * cell;
      out.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${c.join(',')})" stroke="#999"/>`,
      );
      out.push(
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${f > 0.55 ? '#fff' : '#000'}">${v}</text>`,
      );
    }
    out.push(
      `<text x="${left - 6}" y="${top + t * cell + cell / 2 + 4}" text-anchor="end">${esc(p.labels[t]!)}</text>`,
    );
  }
  p.labels.forEach((l, q) => {
    out.push(
      `<text x="${left + q * cell + cell / 2}" y="${top + n * cell + 16}" text-anchor="middle">${esc(l)}</text>`,
    );
  });
  out.push(
    `<text x="${left + (n * cell) / 2}" y="${top + n * cell + 40}" text-anchor="middle">predicted</text>`,
  );
  out.push(
    `<text transform="translate(14,${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle">true</text>`,
  );
  out.push('</svg>');
  return out.join('');
}
