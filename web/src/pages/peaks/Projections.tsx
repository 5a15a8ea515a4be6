/**
 * The predicted peak volume (frame, y, x) of a window of frames as three orthogonal
 * projections — frame × x, frame × y and y × x — each pixel the number of peak voxels along the
 * projected axis (log-scaled, black = none); the current frame is marked on the two frame
 * projections.
 */
import { useEffect, useRef } from 'react';

interface Props {
  masks: readonly Uint16Array[];
  /** Scan frame of masks[0]. */
  first: number;
  height: number;
  width: number;
  frame: number;
}

/** black → red → yellow → white, by t in [0, 1] */
function hot(t: number): [number, number, number] {
  const c = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return [c(3 * t), c(3 * t - 1), c(3 * t - 2)];
}

function Heatmap({
  data,
  rows,
  cols,
  mark,
  label,
  scaleY = 1,
}: {
  data: Float32Array;
  rows: number;
  cols: number;
  mark?: number;
  label: string;
  scaleY?: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    let top = 0;
    for (const v of data) if (v > top) top = v;
    const img = ctx.createImageData(cols, rows * scaleY);
    for (let r = 0; r < rows; r++)
      for (let x = 0; x < cols; x++) {
        const v = data[r * cols + x]!;
        const [R, G, B] = v > 0 ? hot(0.25 + (0.75 * Math.log1p(v)) / Math.log1p(top)) : [0, 0, 0];
        const isMark = mark === r;
        for (let k = 0; k < scaleY; k++) {
          const o = 4 * ((r * scaleY + k) * cols + x);
          img.data[o] = isMark && v === 0 ? 40 : R;
          img.data[o + 1] = isMark && v === 0 ? 90 : G;
          img.data[o + 2] = isMark && v === 0 ? 160 : B;
          img.data[o + 3] = 255;
        }
      }
    ctx.putImageData(img, 0, 0);
  }, [data, rows, cols, mark, scaleY]);
  return (
    <figure style={{ margin: '0.5em 0' }}>
      <canvas
        ref={ref}
        width={cols}
        height={rows * scaleY}
        aria-label={label}
        style={{ width: '100%', maxWidth: 2 * cols, imageRendering: 'pixelated' }}
      />
      <figcaption className="muted">{label}</figcaption>
    </figure>
  );
}

export function Projections({ masks, first, height: h, width: w, frame }: Props) {
  const n = masks.length;
  const fx = new Float32Array(n * w);
  const fy = new Float32Array(n * h);
  const yx = new Float32Array(h * w);
  masks.forEach((m, k) => {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        if (m[y * w + x] === 0) continue;
        fx[k * w + x]!++;
        fy[k * h + y]!++;
        yx[y * w + x]!++;
      }
  });
  const scaleY = Math.max(1, Math.min(8, Math.ceil(64 / Math.max(1, n))));
  const mark = frame - first;
  return (
    <div data-testid="peaks-volume">
      <h3>
        Peak volume of frames {first}–{first + n - 1} (frame, y, x): projections
      </h3>
      <Heatmap
        data={fx}
        rows={n}
        cols={w}
        mark={mark}
        scaleY={scaleY}
        label="frame × x (along y)"
      />
      <Heatmap
        data={fy}
        rows={n}
        cols={h}
        mark={mark}
        scaleY={scaleY}
        label="frame × y (along x)"
      />
      <Heatmap data={yx} rows={h} cols={w} label="y × x (along the frames)" />
    </div>
  );
}
