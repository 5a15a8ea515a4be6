/**
 * Heatmap and line plot on @h5web/lib (WebGL through three.js): a heatmap with a linear, log or
 * sqrt colour scale, a choice of colour maps and axes in calibrated units; a line plot with an
 * optional calibrated abscissa and extra curves.
 */
import {
  HeatmapVis,
  LineVis,
  ScaleType,
  getDomain,
  type AuxiliaryParams,
  type ColorMap,
  type Domain,
} from '@h5web/lib';
import ndarray from 'ndarray';
import { useMemo, useState } from 'react';
import type { AxisInfo, Scale } from '../api-types';

export const SCALES: readonly Scale[] = ['linear', 'log', 'sqrt'];
export const COLORMAPS: readonly ColorMap[] = [
  'Viridis',
  'Greys',
  'Inferno',
  'Magma',
  'Plasma',
  'Cividis',
  'Turbo',
  'Blues',
  'RdBu',
];

const SCALE_TYPE: Record<Scale, ScaleType.Linear | ScaleType.Log | ScaleType.Sqrt> = {
  linear: ScaleType.Linear,
  log: ScaleType.Log,
  sqrt: ScaleType.Sqrt,
};

/** Sample values of a calibrated axis: offset + scale·i for i < n. */
export function axisValues(a: AxisInfo | undefined, n: number): Float64Array | undefined {
  if (!a || (a.scale === 1 && a.offset === 0 && !a.units)) return undefined;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = a.offset + a.scale * i;
  return v;
}

export function axisLabel(a: AxisInfo | undefined, fallback: string): string {
  const name = a?.name || fallback;
  return a?.units ? `${name} (${a.units})` : name;
}

function domainOf(values: ArrayLike<number>, scale: ScaleType): Domain {
  const d = getDomain(Float64Array.from(values), { scaleType: scale });
  if (!d) return scale === ScaleType.Log ? [1, 10] : [0, 1];
  return d[0] === d[1] ? [d[0], d[0] + (d[0] === 0 ? 1 : Math.abs(d[0]))] : d;
}

export interface HeatmapProps {
  /** Row-major values, `shape` = [rows, cols]. */
  data: ArrayLike<number>;
  shape: readonly [number, number];
  /** Axes of rows (y) and columns (x). */
  axes?: readonly (AxisInfo | undefined)[];
  title?: string;
  initialScale?: Scale;
  initialColorMap?: ColorMap;
  testid?: string;
}

/** A 2D array as a heatmap with scale and colour-map controls. */
export function Heatmap(p: HeatmapProps) {
  const [scale, setScale] = useState<Scale>(p.initialScale ?? 'linear');
  const [colorMap, setColorMap] = useState<ColorMap>(p.initialColorMap ?? 'Viridis');
  const [rows, cols] = p.shape;
  const values = useMemo(() => Float32Array.from(p.data), [p.data]);
  const arr = useMemo(() => ndarray(values, [rows, cols]), [values, rows, cols]);
  const scaleType = SCALE_TYPE[scale];
  const domain = useMemo(() => domainOf(values, scaleType), [values, scaleType]);
  const yAxis = p.axes?.[0];
  const xAxis = p.axes?.[1];
  const xValues = useMemo(() => axisValues(xAxis, cols), [xAxis, cols]);
  const yValues = useMemo(() => axisValues(yAxis, rows), [yAxis, rows]);
  return (
    <div className="plot" data-testid={p.testid ?? 'heatmap'}>
      <div className="plot-controls">
        <label>
          scale{' '}
          <select
            value={scale}
            onChange={(e) => setScale(e.target.value as Scale)}
            aria-label="scale"
          >
            {SCALES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          colour map{' '}
          <select
            value={colorMap}
            onChange={(e) => setColorMap(e.target.value as ColorMap)}
            aria-label="colour map"
          >
            {COLORMAPS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <span className="muted">
          {rows} × {cols}, {domainText(domain)}
        </span>
      </div>
      <div className="vis">
        <HeatmapVis
          dataArray={arr}
          domain={domain}
          scaleType={scaleType}
          colorMap={colorMap}
          aspect="equal"
          title={p.title}
          abscissaParams={{ label: axisLabel(xAxis, 'x'), ...(xValues ? { value: xValues } : {}) }}
          ordinateParams={{ label: axisLabel(yAxis, 'y'), ...(yValues ? { value: yValues } : {}) }}
        />
      </div>
    </div>
  );
}

function domainText(d: Domain): string {
  const f = (x: number) =>
    Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-2) ? x.toExponential(2) : x.toPrecision(3);
  return `range ${f(d[0])} … ${f(d[1])}`;
}

export interface Curve {
  label: string;
  values: ArrayLike<number>;
}

export interface LinePlotProps {
  /** The main curve. */
  values: ArrayLike<number>;
  /** Abscissa: values per sample, or a calibrated axis. */
  x?: ArrayLike<number>;
  xAxis?: AxisInfo;
  xLabel?: string;
  yLabel?: string;
  title?: string;
  /** Extra curves on the same abscissa. */
  extra?: readonly Curve[];
  logY?: boolean;
  testid?: string;
}

/** A 1D array (and optional companions) as a line plot. */
export function LinePlot(p: LinePlotProps) {
  const n = p.values.length;
  const [log, setLog] = useState(p.logY ?? false);
  const main = useMemo(() => ndarray(Float64Array.from(p.values), [n]), [p.values, n]);
  const aux = useMemo<AuxiliaryParams[]>(
    () =>
      (p.extra ?? []).map((c) => ({
        label: c.label,
        array: ndarray(Float64Array.from(c.values), [c.values.length]),
      })),
    [p.extra],
  );
  const scaleType = log ? ScaleType.Log : ScaleType.Linear;
  const domain = useMemo(() => {
    const all = [...Array.from(p.values), ...(p.extra ?? []).flatMap((c) => Array.from(c.values))];
    return domainOf(
      all.filter((v) => Number.isFinite(v)),
      scaleType,
    );
  }, [p.values, p.extra, scaleType]);
  const xValues = useMemo(
    () => (p.x ? Float64Array.from(p.x) : axisValues(p.xAxis, n)),
    [p.x, p.xAxis, n],
  );
  return (
    <div className="plot" data-testid={p.testid ?? 'lineplot'}>
      <div className="plot-controls">
        <label>
          <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> log y
        </label>
        {(p.extra ?? []).length > 0 ? (
          <span className="muted">
            {[p.yLabel ?? 'value', ...(p.extra ?? []).map((c) => c.label)].join(' · ')}
          </span>
        ) : null}
      </div>
      <div className="vis vis-line">
        <LineVis
          dataArray={main}
          domain={domain}
          scaleType={scaleType}
          title={p.title}
          ordinateLabel={p.yLabel}
          auxiliaries={aux}
          abscissaParams={{
            label: p.xLabel ?? axisLabel(p.xAxis, 'index'),
            ...(xValues ? { value: xValues } : {}),
          }}
        />
      </div>
    </div>
  );
}
