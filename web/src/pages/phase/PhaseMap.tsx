/**
 * The phase map: the argmax phase of each pixel as a categorical image with a legend (share of
 * pixels per phase), and the probabilities of the pixel under the cursor.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PhasePrediction } from '../../api-types';
import { num } from '../../components/common';

/** Distinct colours for up to 10 phases (then they repeat), as RGB. */
export const PALETTE: readonly [number, number, number][] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export function colour(i: number): [number, number, number] {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

const css = (c: readonly number[]) => `rgb(${c.join(',')})`;

/** Pixels per phase index, from the argmax map. */
export function phaseCounts(argmax: readonly number[], n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const a of argmax) if (a >= 0 && a < n) out[a]!++;
  return out;
}

export function PhaseMap({ p }: { p: PhasePrediction }) {
  const [ny, nx, n] = p.shape;
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ x: number; y: number }>();
  const counts = useMemo(() => phaseCounts(p.argmax, n), [p.argmax, n]);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const img = ctx.createImageData(nx, ny);
    for (let i = 0; i < nx * ny; i++) {
      const [r, g, b] = colour(p.argmax[i] ?? 0);
      img.data[4 * i] = r;
      img.data[4 * i + 1] = g;
      img.data[4 * i + 2] = b;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [p.argmax, nx, ny]);
  const scale = Math.max(1, Math.floor(480 / Math.max(nx, ny)));
  const probs =
    hover !== undefined
      ? Array.from({ length: n }, (_, k) => p.probabilities[(hover.y * nx + hover.x) * n + k] ?? 0)
      : undefined;
  return (
    <div className="phase-map">
      <canvas
        ref={ref}
        width={nx}
        height={ny}
        data-testid="phase-map"
        style={{ width: nx * scale, height: ny * scale }}
        onMouseMove={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const x = Math.floor(((e.clientX - r.left) / r.width) * nx);
          const y = Math.floor(((e.clientY - r.top) / r.height) * ny);
          if (x >= 0 && x < nx && y >= 0 && y < ny) setHover({ x, y });
        }}
        onMouseLeave={() => setHover(undefined)}
      />
      <div className="phase-side">
        <h4>Legend</h4>
        <ul className="legend" data-testid="legend">
          {p.phases.map((name, i) => (
            <li key={name}>
              <span className="swatch" style={{ background: css(colour(i)) }} /> {name}{' '}
              <span className="muted">
                {counts[i]} px ({num((100 * (counts[i] ?? 0)) / Math.max(1, nx * ny), 3)} %)
              </span>
            </li>
          ))}
        </ul>
        <h4>Pixel</h4>
        {probs && hover ? (
          <table className="table" data-testid="pixel-probabilities">
            <caption>
              x {hover.x}, y {hover.y}
            </caption>
            <tbody>
              {p.phases.map((name, i) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td className="num">{num(probs[i] ?? 0, 3)}</td>
                  <td>
                    <span
                      className="bar"
                      style={{
                        width: `${Math.round(100 * (probs[i] ?? 0))}px`,
                        background: css(colour(i)),
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">Move the cursor over the map.</p>
        )}
      </div>
    </div>
  );
}
