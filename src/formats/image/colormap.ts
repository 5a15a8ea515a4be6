/**
 * Colormaps for writing arrays as images: a 256-entry table per map, as 8-bit RGB.
 * `viridis` is matplotlib's perceptually uniform map (data file `colormaps/viridis.json`,
 * CC0, source inside the file); `gray` is the identity ramp.
 */
import viridisData from './colormaps/viridis.json' with { type: 'json' };

export type ColormapName = 'gray' | 'viridis';

function fromUnitRgb(colors: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(256 * 3);
  if (colors.length !== 256)
    throw new Error(`colormap table has ${colors.length} entries, expected 256`);
  colors.forEach((c, i) => {
    for (let k = 0; k < 3; k++) out[3 * i + k] = Math.round(Math.min(1, Math.max(0, c[k]!)) * 255);
  });
  return out;
}

function grayTable(): Uint8Array {
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) out.fill(i, 3 * i, 3 * i + 3);
  return out;
}

/** 256 × RGB tables, by name. */
export const COLORMAPS: Readonly<Record<ColormapName, Uint8Array>> = {
  gray: grayTable(),
  viridis: fromUnitRgb(viridisData.colors),
};

export function isColormapName(x: unknown): x is ColormapName {
  return typeof x === 'string' && Object.hasOwn(COLORMAPS, x);
}

/**
 * Map values in [0, 1] (NaN allowed) to 8-bit RGB through a colormap: entry
 * `round(t · 255)`; NaN maps to entry 0.
 */
export function applyColormap(t: ArrayLike<number>, name: ColormapName): Uint8Array {
  const lut = COLORMAPS[name];
  const out = new Uint8Array(t.length * 3);
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!;
    const k = Number.isNaN(v) ? 0 : Math.round(Math.min(1, Math.max(0, v)) * 255) * 3;
    out[3 * i] = lut[k]!;
    out[3 * i + 1] = lut[k + 1]!;
    out[3 * i + 2] = lut[k + 2]!;
  }
  return out;
}
