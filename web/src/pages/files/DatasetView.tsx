/**
 * One dataset of a file: a line plot for 1D data, a heatmap for 2D, a frame slider (and index
 * sliders for deeper data) over the leading axes; axes in the file's calibrated units.
 */
import { useMemo, useState } from 'react';
import { api } from '../../api';
import type { ArrayInfo, AxisInfo, FileRef } from '../../api-types';
import { ErrorBox, Loading } from '../../components/common';
import { Heatmap, LinePlot } from '../../components/plots';
import { useAsync, useDebounced } from '../../hooks';
import { viewRequest } from './selection';

/** The axis of the answer: the dataset's axis moved to the first index read. */
function shifted(a: AxisInfo | undefined, start: number): AxisInfo | undefined {
  return a && start !== 0 ? { ...a, offset: a.offset + a.scale * start } : a;
}

export function DatasetView({ file, info }: { file: FileRef; info: ArrayInfo }) {
  const r = info.shape.length;
  const leadDims = r >= 3 ? info.shape.slice(0, r - 2) : [];
  const [index, setIndex] = useState<number[]>(() => leadDims.map(() => 0));
  const debounced = useDebounced(index, 150);
  const view = useMemo(() => viewRequest(info.shape, debounced), [info.shape, debounced]);
  const data = useAsync(
    () =>
      api.data({
        ...file,
        dataset: info.name,
        ...(view.frame !== undefined ? { frame: view.frame } : {}),
        ...(view.slice !== undefined ? { slice: view.slice } : {}),
      }),
    [file.root, file.path, info.name, view.frame, view.slice],
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
      {view.note ? <p className="muted">Showing the {view.note}.</p> : null}
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
