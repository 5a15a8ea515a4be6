/**
 * One dataset of a file: a line plot for 1D data, a heatmap for 2D, a frame slider (and index
 * sliders for deeper data) over the leading axes; axes in the file's calibrated units. An image
 * bigger than one answer shows whole as the server's block means (an overview), and zooms into
 * a full-resolution region around a chosen pixel (zoom in / pan / back to the overview).
 */
import { useMemo, useState } from 'react';
import { api } from '../../api';
import type { ArrayInfo, AxisInfo, FileRef } from '../../api-types';
import { ErrorBox, Loading } from '../../components/common';
import { Heatmap, LinePlot } from '../../components/plots';
import { useAsync, useDebounced } from '../../hooks';
import { MAX_SIDE, viewRequest, type Zoom } from './selection';

/** The axis of the answer: the dataset's axis moved to the first index read. */
function shifted(a: AxisInfo | undefined, start: number): AxisInfo | undefined {
  return a && start !== 0 ? { ...a, offset: a.offset + a.scale * start } : a;
}

/** Zoom into a full-resolution region of a big image (centre row, column), pan, or go back. */
function ZoomControls(props: {
  big: { rows: number; cols: number };
  zoom: Zoom | undefined;
  setZoom: (z: Zoom | undefined) => void;
}) {
  const { rows, cols } = props.big;
  const [row, setRow] = useState(String(Math.floor(rows / 2)));
  const [col, setCol] = useState(String(Math.floor(cols / 2)));
  const clampTo = (v: number, n: number) => Math.min(n - 1, Math.max(0, Math.round(v)));
  const go = (r: number, c: number) => {
    const z = { row: clampTo(r, rows), col: clampTo(c, cols) };
    setRow(String(z.row));
    setCol(String(z.col));
    props.setZoom(z);
  };
  const step = MAX_SIDE / 2;
  const z = props.zoom;
  return (
    <div className="zoom-controls" data-testid="zoom-controls">
      <label>
        centre row{' '}
        <input
          aria-label="zoom row"
          value={row}
          onChange={(e) => setRow(e.target.value)}
          size={6}
        />
      </label>{' '}
      <label>
        column{' '}
        <input
          aria-label="zoom column"
          value={col}
          onChange={(e) => setCol(e.target.value)}
          size={6}
        />
      </label>{' '}
      <button onClick={() => go(Number(row) || 0, Number(col) || 0)}>
        + zoom to full resolution
      </button>{' '}
      {z ? (
        <>
          <button aria-label="pan up" onClick={() => go(z.row - step, z.col)}>
            ↑
          </button>
          <button aria-label="pan down" onClick={() => go(z.row + step, z.col)}>
            ↓
          </button>
          <button aria-label="pan left" onClick={() => go(z.row, z.col - step)}>
            ←
          </button>
          <button aria-label="pan right" onClick={() => go(z.row, z.col + step)}>
            →
          </button>{' '}
          <button onClick={() => props.setZoom(undefined)}>− overview</button>
        </>
      ) : null}
    </div>
  );
}

export function DatasetView({ file, info }: { file: FileRef; info: ArrayInfo }) {
  const r = info.shape.length;
  const leadDims = r >= 3 ? info.shape.slice(0, r - 2) : [];
  const [index, setIndex] = useState<number[]>(() => leadDims.map(() => 0));
  const debounced = useDebounced(index, 150);
  const [zoom, setZoom] = useState<Zoom>();
  const view = useMemo(
    () => viewRequest(info.shape, debounced, zoom),
    [info.shape, debounced, zoom],
  );
  const data = useAsync(
    () =>
      api.data({
        ...file,
        dataset: info.name,
        ...(view.frame !== undefined ? { frame: view.frame } : {}),
        ...(view.slice !== undefined ? { slice: view.slice } : {}),
        ...(view.bin !== undefined ? { bin: view.bin } : {}),
      }),
    [file.root, file.path, info.name, view.frame, view.slice, view.bin],
  );
  const trailing = info.axes.slice(r - view.shape.length);
  const axes = trailing.map((a, i) => shifted(a, view.starts[i] ?? 0));
  const d = data.data;
  return (
    <section className="dataset-view">
      <h3>
        {info.name}{' '}
        <span className="muted">
          [{info.shape.join(' × ')}] {info.dtype}
        </span>
      </h3>
      {leadDims.map((n, i) => (
        <label className="slider" key={i}>
          {info.axes[i]?.name || (r === 3 ? 'frame' : `axis ${i}`)} {index[i] ?? 0} / {n - 1}
          <input
            type="range"
            min={0}
            max={n - 1}
            value={index[i] ?? 0}
            aria-label={r === 3 ? 'frame' : `index ${i}`}
            onChange={(e) => {
              const next = [...index];
              next[i] = Number(e.target.value);
              setIndex(next);
            }}
          />
        </label>
      ))}
      {view.note ? (
        <p className="muted" data-testid="view-note">
          Showing the {view.note}.
        </p>
      ) : null}
      {view.big ? <ZoomControls big={view.big} zoom={zoom} setZoom={setZoom} /> : null}
      <ErrorBox error={data.error} />
      <Loading when={data.loading && !d} />
      {d && d.shape.length === 1 ? (
        <LinePlot values={d.data} xAxis={d.axes[0] ?? axes[0]} yLabel={info.name} />
      ) : null}
      {d && d.shape.length === 2 ? (
        <Heatmap
          data={d.data}
          shape={[d.shape[0]!, d.shape[1]!]}
          axes={d.axes.length === 2 ? d.axes : axes}
          title={info.name}
        />
      ) : null}
      {d && d.shape.length === 0 ? <p>value: {d.data[0]}</p> : null}
    </section>
  );
}
