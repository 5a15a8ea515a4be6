/**
 * SVG → PNG with resvg (`@resvg/resvg-js`, the DESIGN.md choice). Text uses the system's
 * fonts (DejaVu Sans when present); with no fonts installed the graphics still render and
 * the text is left out.
 */
import { Resvg } from '@resvg/resvg-js';
import { writeFile } from 'node:fs/promises';

export function svgToPng(svg: string): Uint8Array {
  const r = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    logLevel: 'off',
  });
  return new Uint8Array(r.render().asPng());
}

/** Render `svg` and write the PNG to `path`. */
export async function writeSvgPng(path: string, svg: string): Promise<void> {
  await writeFile(path, svgToPng(svg));
}
